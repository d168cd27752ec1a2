// Starts and stops real kernel-node processes on loopback for the tests.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import { ModuleAbi, connect } from 'kernel-cli';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const root = path.resolve(here, '..', '..', '..');
/** The node binary: $KERNEL_NODE or the debug build. */
export const nodeBinary = process.env.KERNEL_NODE ?? path.join(root, 'target', 'debug', 'kernel-node');

/** The command-line client, `kernel`. */
export const kernelCliPath = path.join(root, 'modules', 'cli', 'bin', 'kernel.js');

/**
 * The `kernel` CLI's JSON answer to `args`, against the node at `url`. A failure throws, its
 * message carrying the CLI's stderr. Waits up to 15 minutes: `kernel build` compiles.
 */
export function kernelCli(url, ...args) {
  const stdout = execFileSync('node', [kernelCliPath, '--json', '--url', url, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 900_000,
  });
  return JSON.parse(stdout);
}

/** A standard module's metadata (`balance`, `secret_sharing`, ...), as `modules/bundle` writes it. */
export function standardAbi(name) {
  return new ModuleAbi(readFileSync(path.join(root, 'target', 'modules', 'dist', `${name}.json`), 'utf8'));
}

/**
 * The Wasm of a standard or test module as `modules/bundle` builds it: shrunk, and recording
 * the hash of its metadata (next to it as `<name>.json`) where it has one.
 */
export function moduleWasm(name) {
  const file = path.join(root, 'target', 'modules', 'dist', `${name}.wasm`);
  if (!existsSync(file)) throw new Error(`${file} is missing: build the workspace first`);
  return readFileSync(file);
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a node with `args` (plus a base path, temporary unless given, and loopback ports) and
 * waits until its RPC answers. Returns `{ url, peerId, p2pPort, basePath, log, stop }`;
 * `stop({ keepData: true })` keeps the base path for a restart.
 */
export async function startNode(name, args, { basePath: existing } = {}) {
  if (!existsSync(nodeBinary)) throw new Error(`${nodeBinary} is missing: cargo build -p kernel-node`);
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const basePath = existing ?? mkdtempSync(path.join(os.tmpdir(), `kernel-${name}-`));
  const child = spawn(
    nodeBinary,
    [
      ...args,
      '--base-path', basePath,
      '--rpc-port', String(rpcPort),
      '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
      '--no-prometheus',
      '--no-telemetry',
      '--no-mdns',
      '--rpc-cors', 'all',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const onData = (chunk) => { log += chunk.toString(); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = false;
  child.on('exit', () => { exited = true; });

  const url = `ws://127.0.0.1:${rpcPort}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited) throw new Error(`${name} exited early:\n${log}`);
    if (/Running JSON-RPC server/.test(log)) break;
    if (Date.now() > deadline) throw new Error(`${name} did not start in time:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const peerId = /Local node identity is: (\w+)/.exec(log)?.[1];
  return {
    name,
    url,
    peerId,
    p2pPort,
    basePath,
    log: () => log,
    async stop({ keepData = false } = {}) {
      if (!exited) {
        child.kill('SIGINT');
        await new Promise((resolve) => {
          const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 10_000);
          child.on('exit', () => { clearTimeout(timer); resolve(); });
        });
      }
      if (!keepData) rmSync(basePath, { recursive: true, force: true });
    },
  };
}

/** A `--dev` node with an API connected to it. */
export async function devNode() {
  const node = await startNode('dev', ['--dev', '--dev-block-time', '1000']);
  const api = await connect(node.url);
  return { node, api };
}

/**
 * Starts a dev node before the file's tests and stops it after them; `ready(api, node)`
 * receives the connected `ApiPromise` and the node.
 */
export function withDevNode(ready) {
  let node;
  let api;
  test.before(async () => {
    ({ node, api } = await devNode());
    await ready(api, node);
  });
  test.after(async () => {
    await api?.disconnect();
    await node?.stop();
  });
}

/** Waits until `condition()` is true, polling. */
export async function eventually(condition, { timeout = 120_000, interval = 500, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Waits until `node`'s log matches `pattern`: a line the node has written may reach the test's
 * pipe a moment after the response that caused it.
 */
export async function logShows(node, pattern, { timeout = 15_000 } = {}) {
  await eventually(async () => pattern.test(node.log()), { timeout, interval: 100, what: `the log to show ${pattern}` });
}
