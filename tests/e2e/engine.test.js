// Three validators, each an execution engine, on loopback: the secret-sharing KMS end to end.
// The admin lists the engines and each publishes its key; uploads sealed to each engine with
// signed requests, confirmation on chain, download by the owner only and sealed to the request,
// refusal of a replay and of a share in clear, an altered share caught by the client while the
// secret comes back from the others, a wallet's `signRaw` accepted, reconstruction from two of
// three, an engine restarted mid-way, deletion everywhere (read back from each engine's
// storage), and no share in clear in an engine's storage.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
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
  const { stdout } = await promisify(execFile)('node', [cliPath, '--json', '--url', url, ...args], { encoding: 'utf8' });
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
    // Alice deployed the KMS at genesis: she is its admin and lists the engine.
    await cli(nodes.alice.node.url, 'kms', 'list-engine', key.address);
  }
  // Each engine publishes its key from its first on_state_change after being listed.
  await eventually(async () => (await kms.defaultEngines(api)).length === validators.length, {
    timeout: 240_000,
    what: 'every listed engine to publish its key',
  });
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

/** The off-chain storage key of secret `name` of module `moduleId` on `engine`. */
function secretKey(engine, moduleId, name) {
  return k.u8aToHex(new Uint8Array([
    ...new TextEncoder().encode('kernel::secret::'),
    ...engine.account,
    ...new Uint8Array(new Uint32Array([moduleId]).buffer),
    ...new TextEncoder().encode(name),
  ]));
}

/** Reads KMS secret `name` (sealed) from `validator`'s off-chain storage, over its RPC. */
async function storedSecret(validator, name) {
  const nodeApi = await k.connect(nodes[validator].node.url);
  try {
    const moduleId = await k.moduleId(nodeApi, kms.MODULE);
    const stored = await nodeApi.rpc.offchain.localStorageGet('PERSISTENT', secretKey(engines[validator], moduleId, name));
    return stored.isSome ? stored.unwrap() : undefined;
  } finally {
    await nodeApi.disconnect();
  }
}

function contains(haystack, needle) {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
}

let sharingId;
let shares;

test('kms store uses the listed engines, not every registered one, and every engine confirms', async () => {
  // A Sybil registers an engine for free: it is registered, but not listed, so it gets no share.
  const sybil = k.signer('//sybil-engine', 'ed25519');
  await cli(nodes.alice.node.url, 'fund', '//sybil-engine', '1000000000000000', '--to-scheme', 'ed25519');
  await cli(nodes.alice.node.url, '--scheme', 'ed25519', '--suri', '//sybil-engine', 'register-engine', 'http://127.0.0.1:9');
  const registered = (await kms.registeredEngines(api)).map((e) => e.address);
  assert.ok(registered.includes(sybil.address));
  const defaults = (await kms.defaultEngines(api)).map((e) => e.address).sort();
  assert.deepEqual(defaults, engineList().map((e) => e.address).sort());

  let used;
  ({ id: sharingId, shares, engines: used } = await kms.store(api, owner, secret, 2, undefined));
  assert.deepEqual([...used].sort(), defaults);
  await eventually(async () => (await confirmedUploads(sharingId)) === 3, {
    timeout: 180_000,
    what: 'three upload confirmations',
  });
});

test('engines refuse anyone but the owner, a replayed request, and a share in clear', async () => {
  await kms.openDownload(api, owner, sharingId, 200);
  const alice = engines.alice;
  const replyKey = () => kms.boxPublicKey(kms.boxSecret());
  const theirs = await kms.engineRequestWhenSynced(api, stranger, alice, 'POST', `${sharingId}/download`, replyKey, { statuses: [404] });
  assert.equal(theirs.status, 403);

  const path = `/shares/${sharingId}/download`;
  const body = replyKey();
  const headers = await kms.signedHeaders(api, owner, alice.account, 'POST', path, body);
  const url = `${alice.endpoint}/modules/${kms.MODULE}${path}`;
  const first = await fetch(url, { method: 'POST', headers, body });
  assert.equal(first.status, 200);
  const replay = await fetch(url, { method: 'POST', headers, body });
  assert.equal(replay.status, 409, 'the same signed request twice');

  // Eight copies of one signed request at once: the engine runs them one at a time, so exactly
  // one passes the replay check.
  const copyHeaders = await kms.signedHeaders(api, owner, alice.account, 'POST', path, body);
  const copies = await Promise.all(
    Array.from({ length: 8 }, () => fetch(url, { method: 'POST', headers: copyHeaders, body }).then((r) => r.status)),
  );
  assert.deepEqual([...copies].sort(), [200, 409, 409, 409, 409, 409, 409, 409], `statuses ${copies}`);

  const inClear = await kms.engineRequest(api, owner, alice, 'PUT', `${sharingId}`, shares[0]);
  assert.equal(inClear.status, 400, `a share in clear: ${Buffer.from(inClear.body)}`);

  // Malformed requests get a 4xx, and the node goes on.
  assert.equal((await fetch(`${alice.endpoint}/nowhere`)).status, 404);
  assert.equal((await fetch(`${alice.endpoint}/modules/nope/x`)).status, 404);
  const big = await fetch(url, { method: 'PUT', body: new Uint8Array(128 * 1024) });
  assert.equal(big.status, 413);
});

test("shares are sealed in each engine's storage", async () => {
  for (const name of validators) {
    const sealed = await storedSecret(name, `share/${sharingId}`);
    assert.ok(sealed, `${name} keeps its share`);
    for (const share of shares) assert.ok(!contains(sealed, share), 'the RPC shows no share in clear');
  }
  const dbFiles = files(nodes.bob.node.basePath);
  for (const file of dbFiles) {
    const bytes = readFileSync(file);
    for (const share of shares) assert.ok(!contains(bytes, share), `${file} holds a share in clear`);
  }
});

/**
 * A stand-in for Bob's engine that answers every download with a share of its own making,
 * sealed to the key of the request (which it can read), as a dishonest engine would.
 */
async function dishonestEngine() {
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const replyKey = new Uint8Array(Buffer.concat(chunks));
      const forged = shares[1].slice();
      forged[forged.length - 1] ^= 1;
      response.writeHead(200).end(Buffer.from(kms.seal(replyKey, forged)));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${server.address().port}` };
}

test('a share altered by one engine is caught, and the secret comes back from the others', async () => {
  const { server, endpoint } = await dishonestEngine();
  try {
    const list = [{ ...engines.bob, endpoint }, engines.alice, engines.charlie];
    const { secret: rebuilt, bad } = await kms.fetchSecret(api, owner, sharingId, list);
    assert.deepEqual(Buffer.from(rebuilt), Buffer.from(secret));
    assert.deepEqual(bad.map((b) => b.engine), [engines.bob.address]);
    assert.match(bad[0].reason, /does not match its commitment/);
  } finally {
    server.close();
  }
});

test("a browser wallet's signRaw signs the owner's requests", async () => {
  // What @polkadot/extension-dapp's signer does: sign the data wrapped in <Bytes>…</Bytes>.
  const injected = {
    async signRaw({ data }) {
      const wrapped = Buffer.concat([Buffer.from('<Bytes>'), Buffer.from(data.slice(2), 'hex'), Buffer.from('</Bytes>')]);
      return { signature: k.u8aToHex(owner.sign(wrapped)) };
    },
  };
  const wallet = kms.walletSigner(owner.address, injected);
  const { secret: rebuilt, bad } = await kms.fetchSecret(api, wallet, sharingId);
  assert.deepEqual(Buffer.from(rebuilt), Buffer.from(secret));
  assert.deepEqual(bad, []);
});

test('an engine restarted mid-way keeps its share and resumes', async () => {
  const { node, httpPort, bootnodes } = nodes.charlie;
  await node.stop({ keepData: true });
  const restarted = await startEngine('charlie', httpPort, node.basePath, bootnodes);
  nodes.charlie = { node: restarted, httpPort, bootnodes };

  // Download from Bob and the restarted Charlie only: two of three rebuild the secret.
  const download = () => kms.engineRequest(api, owner, engines.charlie, 'POST', `${sharingId}/download`, kms.boxPublicKey(kms.boxSecret()));
  await eventually(async () => (await download()).status === 200, { timeout: 180_000, what: 'charlie serving again' });
  const { secret: rebuilt, bad } = await kms.fetchSecret(api, owner, sharingId, [engines.bob, engines.charlie]);
  assert.deepEqual(Buffer.from(rebuilt), Buffer.from(secret));
  assert.deepEqual(bad, []);
});

test('deletion is carried out by every engine and confirmed on chain', async () => {
  await kms.remove(api, owner, sharingId);
  await eventually(async () => (await kms.sharing(api, owner.address, sharingId)) === undefined, {
    timeout: 240_000,
    what: 'every engine to delete and confirm',
  });
  const keys = await kms.engines(api);
  for (const name of validators) {
    assert.equal(await storedSecret(name, `share/${sharingId}`), undefined, `${name} deleted its share`);
    assert.ok(await storedSecret(name, `deleted/${sharingId}`), `${name} keeps a tombstone against a late upload`);
    const late = await kms.engineRequest(api, owner, engines[name], 'PUT', `${sharingId}`, kms.seal(keys.find((e) => e.address === engines[name].address).boxKey, shares[0]));
    assert.notEqual(late.status, 200, `${name} takes no upload for a deleted sharing`);
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
  const fetched = await cli(url, '--suri', '//Dave', 'kms', 'fetch', String(id));
  assert.equal(fetched.text, text);
  assert.deepEqual(fetched.badEngines, []);
  await cli(url, '--suri', '//Dave', 'kms', 'delete', String(id));
  await eventually(async () => (await cli(url, '--suri', '//Dave', 'kms', 'show', String(id))) === null, {
    timeout: 240_000,
    what: 'every engine to delete and confirm',
  });
});
