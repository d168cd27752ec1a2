// A module outside this repository, as `docs/writing-a-module.md` walks a newcomer through it:
// `kernel new` scaffolds a crate in a temporary directory, `kernel test` runs its unit tests
// natively, `kernel build` builds, shrinks and checks it against the kernel's rules and writes
// its metadata, `kernel deploy` puts it on a dev chain, and `kernel call` drives it by name: the
// output and the module's event decode from the metadata, as polkadot.js decodes them too.

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

    const { wasm, metadata } = kernel('build', crate);
    assert.ok(existsSync(wasm), wasm);
    assert.equal(metadata, wasm.replace(/\.wasm$/, '.json'), 'the metadata lies next to the Wasm');
    const built = path.join(crate, 'target', 'wasm32-unknown-unknown', 'release', 'counter.wasm');
    assert.ok(statSync(wasm).size < statSync(built).size, 'wasm-opt shrank the module');
    const abi = new k.ModuleAbi(readFileSync(metadata, 'utf8'));
    assert.deepEqual(abi.functions.map((f) => [f.name, f.mutates]), [['increment', true], ['get', false]]);

    const deployed = kernel('deploy', wasm, '--name', 'counter');
    assert.equal(typeof deployed.module, 'number');
    assert.equal((await k.moduleInfo(api, 'counter')).metadataHash, abi.hash, 'the code records its metadata');

    // Called by name, with the metadata next to the Wasm: the arguments encode and the output
    // and the event decode.
    const typed = ['--metadata', metadata];
    const first = kernel('call', 'counter', 'increment', '--args', '5', ...typed);
    assert.equal(first.value, '5');
    const second = kernel('call', 'counter', 'increment', '--args', '2', ...typed);
    assert.equal(k.decode(api, 'u64', second.output).toNumber(), 7);
    assert.deepEqual(second.moduleEvents, [{ module: deployed.module, event: { Incremented: { by: '2', count: '7' } } }]);
    const events = await (await api.at(second.block)).query.system.events();
    const emitted = events
      .map(({ event }) => event)
      .filter((event) => api.events.kernel.ModuleEvent.is(event) && event.data.module.toNumber() === deployed.module)
      .map((event) => abi.decodeEvent(event.data.data).toJSON());
    assert.deepEqual(emitted, [{ incremented: { by: 2, count: 7 } }]);
    assert.equal(kernel('query', 'counter', 'get', ...typed).value, '7');
    assert.equal(kernel('describe', metadata).functions[0].function, 'increment(u64) -> u64');

    const now = await k.query(api, k.signer('//Bob').address, { module: 'counter', fn: 'get', type: 'u64' });
    assert.equal(now.toNumber(), 7);
    assert.throws(() => kernel('call', 'counter', 'decrement'), /unknown function/);
    assert.throws(() => kernel('call', 'counter', 'decrement', '--args', '1', ...typed), /counter has no public function decrement/);

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
