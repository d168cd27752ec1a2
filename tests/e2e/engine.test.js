// Three validators, each an execution engine, on loopback: the secret-sharing KMS end to end.
// Upload with signed requests, confirmation on chain, download by the owner only, refusal of a
// replay, reconstruction from two of three, an engine restarted mid-way, deletion everywhere,
// and no share in clear in an engine's storage.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k from 'kernel-cli';
import * as kms from 'kernel-cli/lib/kms.js';
import { eventually, freePort, startNode } from './lib/nodes.js';

const validators = ['alice', 'bob', 'charlie'];
const owner = k.signer('//Dave');
const stranger = k.signer('//Eve');
const secret = new TextEncoder().encode('correct horse battery staple');
const nodes = {};
const engines = {};
let api;

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'modules', 'cli', 'bin', 'kernel.js');

/** Runs the kernel CLI against `url` and parses its JSON output. */
async function cli(url, ...args) {
  const { stdout } = await promisify(execFile)('node', [cliPath, '--url', url, ...args], { encoding: 'utf8' });
  return JSON.parse(stdout);
}

/** Starts (or restarts, keeping `basePath`) validator `name` as an engine. */
async function startEngine(name, httpPort, basePath, bootnodes) {
  const args = [
    '--chain', 'local3', `--${name}`,
    '--node-key', `000000000000000000000000000000000000000000000000000000000000000${validators.indexOf(name) + 1}`,
    '--engine', '--engine-modules', 'secret-sharing', '--engine-http', `127.0.0.1:${httpPort}`,
    '--rpc-methods', 'unsafe',
    ...(bootnodes ? ['--bootnodes', bootnodes] : []),
  ];
  return startNode(name, args, { basePath });
}

test.before(async () => {
  let bootnodes;
  for (const name of validators) {
    const httpPort = await freePort();
    const node = await startEngine(name, httpPort, undefined, bootnodes);
    bootnodes ??= `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${node.peerId}`;
    nodes[name] = { node, httpPort, bootnodes };
  }
  api = await k.connect(nodes.alice.node.url);

  // Each engine, set up with the CLI commands of docs/execution-engine.md: its key in its
  // node's keystore, funds for fees, registration on chain.
  for (const name of validators) {
    const suri = `//${name}-engine`;
    const { url } = nodes[name].node;
    const endpoint = `http://127.0.0.1:${nodes[name].httpPort}`;
    const key = k.signer(suri, 'ed25519');
    assert.equal((await cli(url, 'insert-engine-key', suri)).engine, key.address);
    await cli(nodes.alice.node.url, 'fund', suri, '1000000000000000', '--to-scheme', 'ed25519');
    await cli(nodes.alice.node.url, '--scheme', 'ed25519', '--suri', suri, 'register-engine', endpoint);
    engines[name] = { key, address: key.address, account: key.publicKey, endpoint };
  }
});

test.after(async () => {
  await api?.disconnect();
  await Promise.all(Object.values(nodes).map(({ node }) => node.stop()));
});

function engineList() {
  return validators.map((name) => engines[name]);
}

async function confirmedUploads(id) {
  const found = await kms.sharing(api, owner.address, id);
  return found ? found.slots.filter((slot) => slot.uploaded.isTrue).length : 0;
}

/** Files under `dir`, recursively. */
function files(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

function contains(haystack, needle) {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
}

let sharingId;
let shares;

test('the owner stores a 2-of-3 sharing and every engine confirms on chain', async () => {
  const registered = (await kms.engines(api)).map((e) => e.address).sort();
  assert.deepEqual(registered, engineList().map((e) => e.address).sort());

  ({ id: sharingId, shares } = await kms.store(api, owner, secret, 2, engineList()));
  await eventually(async () => (await confirmedUploads(sharingId)) === 3, {
    timeout: 180_000,
    what: 'three upload confirmations',
  });
});

test('engines refuse anyone but the owner, and a replayed request', async () => {
  await kms.openDownload(api, owner, sharingId, 200);
  const alice = engines.alice;
  const theirs = await kms.engineRequest(api, stranger, alice, 'GET', sharingId);
  assert.equal(theirs.status, 403);

  const headers = kms.signedHeaders(api, owner, alice.account, 'GET', `/shares/${sharingId}`, new Uint8Array());
  const url = `${alice.endpoint}/modules/${kms.MODULE}/shares/${sharingId}`;
  const first = await fetch(url, { headers });
  assert.equal(first.status, 200);
  const replay = await fetch(url, { headers });
  assert.equal(replay.status, 409, 'the same signed request twice');

  // Malformed requests get a 4xx, and the node goes on.
  assert.equal((await fetch(`${alice.endpoint}/nowhere`)).status, 404);
  assert.equal((await fetch(`${alice.endpoint}/modules/nope/x`)).status, 404);
  const big = await fetch(url, { method: 'PUT', body: new Uint8Array(128 * 1024) });
  assert.equal(big.status, 413);
});

test("shares are sealed in each engine's storage", async () => {
  for (const name of validators) {
    const nodeApi = await k.connect(nodes[name].node.url);
    const moduleId = await k.moduleId(nodeApi, kms.MODULE);
    const key = new Uint8Array([
      ...new TextEncoder().encode('kernel::secret::'),
      ...engines[name].account,
      ...new Uint8Array(new Uint32Array([moduleId]).buffer),
      ...new TextEncoder().encode(`share/${sharingId}`),
    ]);
    const stored = await nodeApi.rpc.offchain.localStorageGet('PERSISTENT', k.u8aToHex(key));
    assert.ok(stored.isSome, `${name} keeps its share`);
    const sealed = stored.unwrap();
    for (const share of shares) assert.ok(!contains(sealed, share), 'the RPC shows no share in clear');
    await nodeApi.disconnect();
  }
  const dbFiles = files(nodes.bob.node.basePath);
  for (const file of dbFiles) {
    const bytes = readFileSync(file);
    for (const share of shares) assert.ok(!contains(bytes, share), `${file} holds a share in clear`);
  }
});

test('an engine restarted mid-way keeps its share and resumes', async () => {
  const { node, httpPort, bootnodes } = nodes.charlie;
  await node.stop({ keepData: true });
  const restarted = await startEngine('charlie', httpPort, node.basePath, bootnodes);
  nodes.charlie = { node: restarted, httpPort, bootnodes };

  // Download from Bob and the restarted Charlie only: two of three rebuild the secret.
  await eventually(
    async () => (await kms.engineRequest(api, owner, engines.charlie, 'GET', sharingId)).status === 200,
    { timeout: 180_000, what: 'charlie serving again' },
  );
  const rebuilt = await kms.fetchSecret(api, owner, sharingId, [engines.bob, engines.charlie]);
  assert.deepEqual(Buffer.from(rebuilt), Buffer.from(secret));
});

test('deletion is carried out by every engine and confirmed on chain', async () => {
  await kms.remove(api, owner, sharingId);
  await eventually(async () => (await kms.sharing(api, owner.address, sharingId)) === undefined, {
    timeout: 240_000,
    what: 'every engine to delete and confirm',
  });
  for (const name of validators) {
    const response = await kms.engineRequest(api, owner, engines[name], 'GET', sharingId);
    assert.equal(response.status, 404, `${name} no longer knows the sharing`);
  }
});

test('the CLI walkthrough of docs/execution-engine.md: store, fetch and delete as //Dave', async () => {
  const url = nodes.alice.node.url;
  const text = 'the second secret';
  const { id, engines: used } = await cli(url, '--suri', '//Dave', 'kms', 'store', text, '--threshold', '2');
  assert.equal(used.length, 3);
  await eventually(async () => (await confirmedUploads(BigInt(id))) === 3, {
    timeout: 180_000,
    what: 'three upload confirmations',
  });
  assert.equal((await cli(url, '--suri', '//Dave', 'kms', 'fetch', String(id))).text, text);
  await cli(url, '--suri', '//Dave', 'kms', 'delete', String(id));
  await eventually(async () => (await cli(url, '--suri', '//Dave', 'kms', 'show', String(id))) === null, {
    timeout: 240_000,
    what: 'every engine to delete and confirm',
  });
});
