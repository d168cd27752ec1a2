// A module outside this repository, as `docs/writing-a-module.md` walks a newcomer through it:
// `kernel new` scaffolds a crate in a temporary directory, `kernel test` runs its unit tests
// natively, `kernel build` builds, shrinks and checks it against the kernel's rules, `kernel
// deploy` puts it on a dev chain, and `kernel call` drives it; the output and the module's event
// decode as the scaffold's types say.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k from 'kernel-cli';
import { kernelCli, root, withDevNode } from './lib/nodes.js';

let node;
let api;
withDevNode((a, n) => {
  api = a;
  node = n;
});

const kernel = (...args) => kernelCli(node.url, ...args);

test('a module scaffolded outside the repository builds, deploys and answers', async () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'kernel-new-'));
  try {
    const { crate } = kernel('new', 'counter', '--dir', parent);
    assert.equal(crate, path.join(parent, 'counter'));
    assert.ok(!crate.startsWith(root), 'the crate lives outside the repository');
    assert.match(readFileSync(path.join(crate, 'Cargo.toml'), 'utf8'), /^name = "counter"$/m);
    assert.throws(() => kernel('new', 'counter', '--dir', parent), /exists already/);
    assert.throws(() => kernel('new', 'Not A Name', '--dir', parent), /crate name/);

    // Its unit tests run natively, and fail when the logic they check is broken.
    assert.equal(kernel('test', crate).passed, true);
    const source = path.join(crate, 'src', 'lib.rs');
    const counting = readFileSync(source, 'utf8');
    const saturating = counting.replace('count.checked_add(by)', 'count.checked_add(by).or(Some(u64::MAX))');
    assert.notEqual(saturating, counting, 'the scaffold adds as the test expects');
    writeFileSync(source, saturating);
    assert.throws(() => kernel('test', crate), /the tests of .* failed/);
    writeFileSync(source, counting);

    const { wasm } = kernel('build', crate);
    assert.ok(existsSync(wasm), wasm);
    const built = path.join(crate, 'target', 'wasm32-unknown-unknown', 'release', 'counter.wasm');
    assert.ok(statSync(wasm).size < statSync(built).size, 'wasm-opt shrank the module');

    const deployed = kernel('deploy', wasm, '--name', 'counter');
    assert.equal(typeof deployed.module, 'number');

    const first = kernel('call', 'counter', 'increment', '--type', 'u64', '--json', '5');
    assert.equal(k.decode(api, 'u64', first.output).toNumber(), 5);
    const second = kernel('call', 'counter', 'increment', '--type', 'u64', '--json', '2');
    assert.equal(k.decode(api, 'u64', second.output).toNumber(), 7);
    const events = await (await api.at(second.block)).query.system.events();
    const emitted = events
      .map(({ event }) => event)
      .filter((event) => api.events.kernel.ModuleEvent.is(event) && event.data.module.toNumber() === deployed.module)
      .map((event) => k.decode(api, '(u8, u64, u64)', event.data.data).map((n) => n.toNumber()));
    // `Event::Incremented { by: 2, count: 7 }`: variant 0, then two u64s.
    assert.deepEqual(emitted, [[0, 2, 7]]);

    const now = await k.query(api, k.signer('//Bob').address, { module: 'counter', fn: 'get', type: 'u64' });
    assert.equal(now.toNumber(), 7);
    assert.throws(() => kernel('call', 'counter', 'decrement'), /unknown function/);

    // Code the kernel would refuse fails the build, with the kernel's error, before a deploy.
    const withFloats = counting.replace(
      'let by: u64 = call.args()?;',
      'let by = (call.args::<u64>()? as f64 * 1.5) as u64;',
    );
    assert.notEqual(withFloats, counting, 'the scaffold reads its argument as the test expects');
    writeFileSync(source, withFloats);
    assert.throws(() => kernel('build', crate), /the kernel refuses this code: FloatsNotAllowed: The code uses floating point/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
