// The command-line client without a chain: it must fail clearly, not wait forever.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as k from 'kernel-cli';
import { freePort } from './lib/nodes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'modules', 'cli', 'bin', 'kernel.js');

/** Runs the CLI; a run that does not end by itself is killed and reported as such. */
function run(...args) {
  const result = spawnSync('node', [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.signal, null, `the CLI ended by itself:\n${result.stderr}`);
  return result;
}

test('with nothing listening, the CLI exits with a clear error', async () => {
  const port = await freePort();
  const result = run('--url', `ws://127.0.0.1:${port}`, 'modules');
  assert.equal(result.status, 1);
  assert.match(result.stderr, new RegExp(`error: no node answers at ws://127\\.0\\.0\\.1:${port} within 10 s`));
  assert.equal(result.stdout, '');
});

test('with a listener that never answers, the CLI gives up after --timeout', async () => {
  const sockets = [];
  const silent = net.createServer((socket) => sockets.push(socket));
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address();
  try {
    const result = run('--url', `ws://127.0.0.1:${port}`, '--timeout', '3', 'modules');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /error: no node answers at .* within 3 s \(timed out\)/);
  } finally {
    sockets.forEach((socket) => socket.destroy());
    silent.close();
  }
});

test('JSON arguments keep integers above 2^53 without quotes', () => {
  const text = '[340282366920938463463374607431768211455, 42, {"amount": 18446744073709551615, "memo": "9999999999999999999"}]';
  assert.notEqual(String(JSON.parse(text)[0]), '340282366920938463463374607431768211455', 'JSON.parse alone loses digits');
  assert.deepEqual(k.parseJson(text), [
    '340282366920938463463374607431768211455',
    42,
    { amount: '18446744073709551615', memo: '9999999999999999999' },
  ]);
});

test('results print for people as indented key: value lines', () => {
  const text = k.humanReadable({ id: 3n, caps: [1n, 2n], owner: null, events: [{ method: 'Returned', data: { module: 1 } }] });
  assert.equal(text, ['id: 3', 'caps:', '  - 1', '  - 2', 'owner: -', 'events:', '  - method: Returned', '    data:', '      module: 1'].join('\n'));
});
