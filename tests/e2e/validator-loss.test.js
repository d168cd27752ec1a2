// A network that loses a validator: four Aura + GRANDPA validators on loopback (four, because
// GRANDPA finalizes with more than two thirds of the votes: three of four, while three
// validators would need all three). One is stopped; the other three keep producing and
// finalizing blocks and take kernel transactions; the stopped one restarts from its database,
// catches up, and agrees with them on every block, state root included.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k from 'kernel-cli';
import { eventually, nodeBinary, standardAbi, startNode } from './lib/nodes.js';

const NAMES = ['alice', 'bob', 'charlie', 'dave'];
const nodeKey = (n) => `${'0'.repeat(63)}${n}`;

let specDir;
let spec;
let nodes = [];
let apis = [];

/** `local3` with Dave as a fourth Aura and GRANDPA authority. */
function fourValidatorSpec() {
  const json = JSON.parse(execFileSync(nodeBinary, ['build-spec', '--chain', 'local3'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }));
  const patch = json.genesis.runtimeGenesis.patch;
  patch.aura.authorities.push(k.signer('//Dave').address);
  patch.grandpa.authorities.push([k.signer('//Dave', 'ed25519').address, 1]);
  json.id = 'kernel_local_four';
  json.name = 'Kernel Local Testnet (four validators)';
  specDir = mkdtempSync(path.join(os.tmpdir(), 'kernel-spec-'));
  const file = path.join(specDir, 'four.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

async function startValidator(index, bootnodes, basePath) {
  const name = NAMES[index];
  const args = ['--chain', spec, `--${name}`, '--node-key', nodeKey(index + 1)];
  if (bootnodes) args.push('--bootnodes', bootnodes);
  return startNode(name, args, { basePath });
}

const finalized = async (api) => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();

test.before(async () => {
  spec = fourValidatorSpec();
  const first = await startValidator(0);
  const bootnode = `/ip4/127.0.0.1/tcp/${first.p2pPort}/p2p/${first.peerId}`;
  nodes = [first];
  for (let i = 1; i < NAMES.length; i += 1) nodes.push(await startValidator(i, bootnode));
  apis = await Promise.all(nodes.map((n) => k.connect(n.url)));
});

test.after(async () => {
  await Promise.all(apis.map((api) => api?.disconnect()));
  await Promise.all(nodes.map((n) => n?.stop()));
  if (specDir) rmSync(specDir, { recursive: true, force: true });
});

test('three of four validators go on without the fourth, which catches up when it returns', async () => {
  const [alice] = apis;
  assert.equal((await alice.query.aura.authorities()).length, 4);
  await eventually(async () => (await finalized(alice)) >= 2, { what: 'four validators finalizing' });

  // Dave stops, keeping its database.
  const dave = nodes[3];
  await apis[3].disconnect();
  apis[3] = undefined;
  await dave.stop({ keepData: true });
  const stoppedAt = await finalized(alice);

  // The other three produce and finalize blocks without it, and take a kernel transaction.
  const pair = k.signer('//Alice');
  const bob = k.signer('//Bob').address;
  const params = standardAbi('balance').encodeArgs('transfer', [{ Account: bob }, 7]);
  const sent = await k.call(alice, pair, { module: 'balance', fn: 'transfer', params });
  const sentIn = (await alice.rpc.chain.getHeader(sent.blockHash)).number.toNumber();
  await eventually(async () => (await finalized(alice)) >= Math.max(stoppedAt + 3, sentIn), {
    what: 'finality without the fourth validator',
  });
  for (const api of apis.slice(1, 3)) {
    assert.ok((await finalized(api)) >= stoppedAt + 3, 'every remaining validator finalizes');
  }

  // Dave restarts from its database and catches up.
  const bootnode = `/ip4/127.0.0.1/tcp/${nodes[0].p2pPort}/p2p/${nodes[0].peerId}`;
  nodes[3] = await startValidator(3, bootnode, dave.basePath);
  apis[3] = await k.connect(nodes[3].url);
  const target = await finalized(alice);
  await eventually(async () => (await finalized(apis[3])) >= target, { what: 'the returning validator catching up' });

  // It agrees on every block since it left, state roots included, and sees the transfer.
  for (let n = stoppedAt; n <= target; n += 1) {
    const [ours, theirs] = await Promise.all([alice.rpc.chain.getBlockHash(n), apis[3].rpc.chain.getBlockHash(n)]);
    assert.equal(theirs.toHex(), ours.toHex(), `block ${n}`);
    const [a, b] = await Promise.all([alice.rpc.chain.getHeader(ours), apis[3].rpc.chain.getHeader(theirs)]);
    assert.equal(b.stateRoot.toHex(), a.stateRoot.toHex(), `state root of block ${n}`);
  }
  const included = await apis[3].rpc.chain.getBlock(sent.blockHash);
  assert.ok(included.block.header.number.toNumber() === sentIn, 'the transfer is in its chain');
});
