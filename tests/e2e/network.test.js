// A two-validator Aura + GRANDPA network on loopback, plus a third node that is only an
// execution engine: blocks finalize, a capability invoked through one node is seen on the
// other, and the engine, stopped while the validators finalize blocks that change a module's
// state, runs the `on_state_change`s it missed after it restarts, exactly once each and oldest
// first.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k from 'kernel-cli';
import { eventually, freePort, moduleWasm, standardAbi, startNode } from './lib/nodes.js';

const alice = k.signer('//Alice');
const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'modules', 'cli', 'bin', 'kernel.js');
let validators = [];
let apis = [];
let engineNode;
let engineArgs;
let engineHttp;

const nodeKey = (n) => `${'0'.repeat(63)}${n}`;

test.before(async () => {
  const first = await startNode('alice', ['--chain', 'local', '--alice', '--node-key', nodeKey(1)]);
  const bootnode = `/ip4/127.0.0.1/tcp/${first.p2pPort}/p2p/${first.peerId}`;
  const second = await startNode('bob', ['--chain', 'local', '--bob', '--node-key', nodeKey(2), '--bootnodes', bootnode]);
  validators = [first, second];
  apis = await Promise.all(validators.map((n) => k.connect(n.url)));
  // Not a validator: stopping it leaves block production and finality to Alice and Bob.
  engineHttp = await freePort();
  engineArgs = [
    '--chain', 'local', '--name', 'engine', '--node-key', nodeKey(3), '--bootnodes', bootnode,
    '--engine', '--engine-modules', 'watcher', '--engine-http', `127.0.0.1:${engineHttp}`, '--rpc-methods', 'unsafe',
  ];
  engineNode = await startNode('engine', engineArgs);
});

test.after(async () => {
  await Promise.all(apis.map((api) => api.disconnect()));
  await Promise.all([...validators, engineNode].filter(Boolean).map((n) => n.stop()));
});

async function finalized(api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

test('both validators author and finalize blocks', async () => {
  await eventually(async () => (await Promise.all(apis.map(finalized))).every((n) => n >= 3), {
    timeout: 240_000,
    what: 'finality on both nodes',
  });
  const peers = await apis[0].rpc.system.peers();
  assert.ok(peers.length >= 1, 'alice sees bob');
});

test('a capability invoked through one node is seen on the other', async () => {
  const [viaAlice, viaBob] = apis;
  const request = standardAbi('balance').encodeRequest({ Slashable: { account: alice.address, amount: 40 } });
  const granted = await k.call(viaAlice, alice, { module: 'balance', fn: 'total_issuance', requests: [{ module: 'balance', data: request }] });
  const cap = granted.events.find((e) => viaAlice.events.kernel.CapabilityMinted.is(e)).data.id.toBigInt();

  const split = await k.invoke(viaAlice, alice, { cap, fn: 'split', params: standardAbi('balance').encodeArgs('split', 15, 'Slashable') });
  assert.equal(split.caps.length, 2);

  await eventually(
    async () => {
      const head = await viaBob.rpc.chain.getFinalizedHead();
      const at = await viaBob.at(head);
      const gone = (await at.call.kernelApi.capability(cap)).isNone;
      const parts = await Promise.all(split.caps.map((id) => at.call.kernelApi.capability(id)));
      return gone && parts.every((p) => p.isSome && p.unwrap().parent.unwrap().toBigInt() === cap);
    },
    { timeout: 240_000, what: "bob's finalized state to show the split" },
  );
});

async function cli(url, ...args) {
  const { stdout } = await promisify(execFile)('node', [cliPath, '--json', '--url', url, ...args], { encoding: 'utf8' });
  return JSON.parse(stdout);
}

/**
 * The blocks the watcher's `on_state_change` ran for on the engine, oldest first; `undefined`
 * while the gateway is busy. A request waits for the module's other runs on that engine, so
 * while a restarted engine catches up on missed blocks it may be shed (`503`) or pass its
 * deadline (`504`), as the gateway documents: the caller asks again.
 */
async function stateChangeBlocksOrBusy() {
  const response = await fetch(`http://127.0.0.1:${engineHttp}/modules/watcher/secret/state-change-blocks`);
  if (response.status === 404) return [];
  if (response.status === 503 || response.status === 504) return undefined;
  assert.equal(response.status, 200);
  const blocks = k.decode(apis[0], 'Vec<u64>', new Uint8Array(await response.arrayBuffer()));
  return blocks.map((n) => n.toNumber());
}

/** The blocks the watcher's `on_state_change` ran for, asking again while the gateway is busy. */
async function stateChangeBlocks() {
  let runs;
  await eventually(async () => (runs = await stateChangeBlocksOrBusy()) !== undefined, {
    timeout: 120_000,
    what: 'the engine gateway to answer',
  });
  return runs;
}

/** Changes the watcher's state through Alice's node; the number of the block that did it. */
async function changeWatcher(value) {
  const api = apis[0];
  const params = k.encode(api, '(Bytes, Bytes)', [k.text('k'), k.text(String(value))]);
  const { blockHash } = await k.call(api, alice, { module: 'watcher', fn: 'set', params });
  return (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
}

function assertOncePerBlockOldestFirst(runs) {
  assert.equal(new Set(runs).size, runs.length, `a block ran twice: ${runs}`);
  assert.deepEqual(runs, [...runs].sort((a, b) => a - b), `not oldest first: ${runs}`);
}

test('an engine that was down runs the on_state_change runs it missed, once each', async (t) => {
  const viaAlice = apis[0];
  const engine = k.signer('//watcher-engine', 'ed25519');
  await cli(engineNode.url, 'insert-engine-key', '//watcher-engine');
  await cli(validators[0].url, 'fund', '//watcher-engine', '1000000000000000', '--to-scheme', 'ed25519');
  await k.deploy(viaAlice, alice, { code: moduleWasm('tester'), name: 'watcher' });
  await k.call(viaAlice, alice, { module: 'watcher', fn: 'trust', params: k.encode(viaAlice, 'Vec<[u8; 32]>', [k.u8aToHex(engine.publicKey)]) });

  const first = await changeWatcher(1);
  await eventually(async () => (await stateChangeBlocks()).includes(first), { timeout: 240_000, what: 'the first run' });

  // The engine stops; Alice and Bob go on, and the watcher changes in three blocks that are
  // finalized while the engine is down.
  t.diagnostic(`before the stop, runs for blocks ${await stateChangeBlocks()}`);
  const { basePath } = engineNode;
  await engineNode.stop({ keepData: true });
  engineNode = undefined;
  const missed = [];
  for (const value of [2, 3, 4]) missed.push(await changeWatcher(value));
  await eventually(async () => (await finalized(viaAlice)) >= Math.max(...missed), { timeout: 240_000, what: 'finality of the missed blocks' });
  t.diagnostic(`changed and finalized while the engine was down: blocks ${missed}`);

  // The engine restarts from its database, syncs, and runs the missed blocks' on_state_change.
  engineNode = await startNode('engine', engineArgs, { basePath });
  await eventually(async () => {
    const runs = await stateChangeBlocks();
    return missed.every((n) => runs.includes(n));
  }, { timeout: 300_000, what: 'the missed runs' });
  assertOncePerBlockOldestFirst(await stateChangeBlocks());

  // Exactly once: three more finalized blocks later, no block ran twice.
  const now = await finalized(viaAlice);
  await eventually(async () => (await finalized(viaAlice)) >= now + 3, { timeout: 240_000, what: 'more finality' });
  const runs = await stateChangeBlocks();
  t.diagnostic(`runs for blocks ${runs}`);
  assertOncePerBlockOldestFirst(runs);
  assert.ok(runs.includes(first));
});
