// A dev node as an execution engine, attacked the way a stranger would: a module deployed by an
// ordinary account that trusts the engine tries to reach the node's own RPC, loopback services
// and private networks, and to have the engine sign transactions for other modules; HTTP
// clients flood, stall and oversize the gateway; and an engine whose operator named no module
// runs nothing.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k from 'kernel-cli';
import { eventually, freePort, logShows, moduleWasm, startNode } from './lib/nodes.js';

const bob = k.signer('//Bob');
const engineSuri = '//hostile-engine';
const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'modules', 'cli', 'bin', 'kernel.js');

let node;
let api;
let httpPort;
let hostile;
let bystander;
let engine;
// A loopback HTTP service the hostile module must not reach, and what it received.
let service;
let servicePort;
const serviceHits = [];

async function cli(url, ...args) {
  const { stdout } = await promisify(execFile)('node', [cliPath, '--json', '--url', url, ...args], { encoding: 'utf8' });
  return JSON.parse(stdout);
}

function engineArgs(extra) {
  return [
    '--dev', '--dev-block-time', '1000',
    '--engine', '--engine-http', `127.0.0.1:${httpPort}`,
    '--engine-max-concurrent', '1', '--engine-body-timeout', '1000', '--engine-max-body', '4096',
    ...extra,
  ];
}

test.before(async () => {
  service = createServer((req, res) => {
    serviceHits.push(req.url);
    res.end('secret service');
  });
  await new Promise((resolve) => service.listen(0, '127.0.0.1', resolve));
  servicePort = service.address().port;

  httpPort = await freePort();
  // The operator allows one local service, by name and port: nothing else on loopback.
  node = await startNode('engine-dev', engineArgs([
    '--engine-modules', 'hostile', '--engine-http-allow', `localhost:${servicePort}`,
  ]));
  api = await k.connect(node.url);
  engine = k.signer(engineSuri, 'ed25519');
  await cli(node.url, 'insert-engine-key', engineSuri);
  await cli(node.url, 'fund', engineSuri, '1000000000000000', '--to-scheme', 'ed25519');

  // An ordinary account deploys two modules that trust the engine; the operator named one.
  for (const name of ['hostile', 'bystander']) {
    await k.deploy(api, bob, { code: moduleWasm('tester'), name });
    await k.call(api, bob, { module: name, fn: 'trust', params: k.encode(api, 'Vec<[u8; 32]>', [k.u8aToHex(engine.publicKey)]) });
  }
  hostile = await k.moduleId(api, 'hostile');
  bystander = await k.moduleId(api, 'bystander');
});

test.after(async () => {
  await api?.disconnect();
  await node?.stop();
  service?.close();
});

function gateway(module, route, init) {
  return fetch(`http://127.0.0.1:${httpPort}/modules/${module}${route}`, init);
}

/** What the hostile module's `http_fetch` of `url` gives: status and text. */
async function fetchThroughModule(url) {
  const response = await gateway('hostile', '/fetch', { method: 'POST', body: url });
  return { status: response.status, text: await response.text() };
}

test('trusting the engine is not enough: a module its operator did not name is not served', async () => {
  const response = await gateway('bystander', '/echo', { method: 'POST', body: 'hi' });
  assert.equal(response.status, 404);
  assert.match(await response.text(), /does not run the module/);
  const served = await gateway('hostile', '/echo', { method: 'POST', body: 'hi' });
  assert.equal(served.status, 200);
  assert.equal(await served.text(), 'hi');
});

test("a module cannot reach the node's RPC, loopback services or private networks", async () => {
  const rpcPort = new URL(node.url).port;
  const refused = [
    `http://127.0.0.1:${rpcPort}/`,
    `http://localhost:${rpcPort}/`,
    `http://[::1]:${rpcPort}/`,
    `http://[::ffff:127.0.0.1]:${rpcPort}/`,
    `http://127.0.0.1:${servicePort}/steal`,
    `http://localhost:${servicePort + 1}/steal`,
    `http://127.0.0.1:${httpPort}/modules/hostile/echo`,
    'http://10.255.255.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/',
  ];
  for (const url of refused) {
    assert.deepEqual(await fetchThroughModule(url), { status: 502, text: 'Unavailable' }, url);
  }
  assert.deepEqual(serviceHits, [], 'nothing reached the loopback service');

  // What the operator allowed, exactly: that name and port.
  const allowed = await fetchThroughModule(`http://localhost:${servicePort}/allowed`);
  assert.deepEqual(allowed, { status: 200, text: 'secret service' });
  assert.deepEqual(serviceHits, ['/allowed']);
  // The key-insertion attack of the issue: the RPC never saw a request, so no key was added.
  const injected = k.signer('//injected', 'ed25519');
  assert.equal((await api.rpc.author.hasKey(k.u8aToHex(injected.publicKey), 'kern')).isTrue, false);
  await logShows(node, /outbound HTTP to http:\/\/127\.0\.0\.1:\d+\/ refused: 127\.0\.0\.1 is not a public address/);
  await logShows(node, /outbound HTTP to localhost refused: it resolves to/);
});

/** Resolves when a block holds `module`'s `ModuleEvent` with `data` (hex). */
function moduleEvent(module, data) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no event ${data} from module ${module}`)), 60_000);
    let unsubscribe;
    api.query.system.events((records) => {
      const found = records.some(({ event }) => api.events.kernel.ModuleEvent.is(event) &&
        event.data.module.toNumber() === module && event.data.data.toHex() === data);
      if (!found) return;
      clearTimeout(timer);
      unsubscribe?.();
      resolve();
    }).then((unsub) => { unsubscribe = unsub; });
  });
}

/** SCALE `EngineCall::Call { module, function, params }`. */
function engineCall(module, fn, params = '0x') {
  return api.createType('(u8, u32, Bytes, Bytes)', [0, module, k.text(fn), params]).toU8a();
}

/** SCALE `EngineCall::Invoke { cap, function, params }`. */
function engineInvoke(cap, fn) {
  return api.createType('(u8, u64, Bytes, Bytes)', [1, cap, k.text(fn), '0x']).toU8a();
}

test('the engine key signs only calls of the module that asks', async () => {
  const balance = await k.moduleId(api, 'balance');
  const submitAny = async (call) => {
    const response = await gateway('hostile', '/submit-any', { method: 'POST', body: call });
    return { status: response.status, text: await response.text() };
  };
  // The engine's own transactions (the testers' on_state_change) come and go; none may call
  // anything but the module that asked for it.
  const foreign = async () => (await api.rpc.author.pendingExtrinsics()).filter((xt) => {
    const { section, method, args } = xt.method;
    return section === 'kernel' && (method !== 'call' || args[0].toNumber() !== hostile);
  });
  const transfer = k.encode(api, '(ModuleHolder, u128)', [{ Account: bob.address }, 1]);
  for (const call of [
    engineCall(balance, 'transfer', transfer),
    engineCall(bystander, 'set'),
    engineInvoke(0, 'slash'),
  ]) {
    assert.deepEqual(await submitAny(call), { status: 403, text: 'NotAllowed' });
  }
  assert.deepEqual(await foreign(), [], 'nothing was signed for another module');
  await logShows(node, /asked the engine to sign a call that is not its own: refused/);

  // Its own call goes through, and lands signed by the engine.
  const landed = moduleEvent(hostile, '0x0102');
  const own = await submitAny(engineCall(hostile, 'emit', k.encode(api, 'Bytes', '0x0102')));
  assert.equal(own.status, 202);
  await landed;
});

/** Opens a connection, sends `head`, and keeps it open; returns the socket and its reply. */
function holdOpen(head) {
  const socket = net.connect(httpPort, '127.0.0.1');
  const reply = new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  socket.write(head);
  return { socket, reply };
}

test('the gateway sheds, times out and refuses oversized requests, and the node stays up', async () => {
  // A request whose body never comes holds the only slot...
  const stalled = holdOpen(`POST /modules/hostile/echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nab`);
  await new Promise((r) => setTimeout(r, 200));
  // ...so the next one is shed at once,
  assert.equal((await gateway('hostile', '/echo', { method: 'POST', body: 'x' })).status, 503);
  // and the stalled one gets a timeout.
  assert.match(await stalled.reply, /^HTTP\/1\.1 408/);
  stalled.socket.destroy();

  assert.equal((await gateway('hostile', '/echo', { method: 'POST', body: new Uint8Array(8192) })).status, 413);
  assert.equal((await api.rpc.system.health()).isSyncing.isFalse, true, 'the node answers its RPC');
  const after = await gateway('hostile', '/echo', { method: 'POST', body: 'still here' });
  assert.equal(after.status, 200);
});

test('an engine whose operator named no module runs none', async () => {
  await api.disconnect();
  await node.stop({ keepData: true });
  node = await startNode('engine-dev', engineArgs([]), { basePath: node.basePath });
  api = await k.connect(node.url);
  const response = await gateway('hostile', '/echo', { method: 'POST', body: 'hi' });
  assert.equal(response.status, 404);
  assert.match(node.log(), /--engine without --engine-modules: this engine runs no module's off-chain code/);
});
