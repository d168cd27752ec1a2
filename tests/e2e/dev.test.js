// A dev node driven from @polkadot/api: metadata, genesis modules, deploy, transfers through
// kernel.call, requests, passing, invoking and listing capabilities.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as k from 'kernel-cli';
import { kernelCli, kernelCliPath, withDevNode, moduleWasm, root } from './lib/nodes.js';

const alice = k.signer('//Alice');
const bob = k.signer('//Bob');
let node;
let api;
/** `balance`, driven through its metadata. */
let balance;
withDevNode(async (connected, started) => {
  api = connected;
  node = started;
  balance = await k.ModuleClient.at(api, 'balance');
});

/** `balance.account(holder)` through a dry run (no transaction needed). */
async function balanceOf(who) {
  return (await balance.query(alice.address, 'account', { Account: who })).toJSON();
}

/** `balance.transfer`'s parameters. */
function send(to, amount) {
  return balance.abi.encodeArgs('transfer', [{ Account: to }, amount]);
}

function heldBy(holder) {
  return k.capabilities(api, holder);
}

test('metadata describes the kernel and every type decodes', async () => {
  const calls = Object.keys(api.tx.kernel);
  for (const call of ['deploy', 'call', 'invoke', 'dropCapability', 'transferCapability', 'uploadCode', 'removeCode']) {
    assert.ok(calls.includes(call), `kernel.${call} is in the metadata`);
  }
  for (const method of ['dryRun', 'capabilities', 'capability', 'module', 'moduleId', 'modules']) {
    assert.equal(typeof api.call.kernelApi[method], 'function', `kernelApi.${method} is in the metadata`);
  }
  const { lookup } = api.registry;
  assert.ok(lookup.types.length > 100);
  for (const { id } of lookup.types) {
    // Builds a default value of every type the metadata declares: fails on anything undecodable.
    api.registry.createType(api.registry.createLookupType(id));
  }
  assert.ok(api.errors.kernel.NotHolder.meta.docs.join(' ').length > 0);
});

test('the standard modules are deployed at genesis', async () => {
  const modules = await k.modules(api);
  const balance = modules.find((m) => m.name === 'balance');
  assert.ok(balance, 'balance is deployed');
  assert.equal(balance.id, 1, 'after democracy');
  const names = modules.map((m) => m.name);
  assert.deepEqual(names.slice(0, 3), ['democracy', 'balance', 'staking']);
  assert.equal(balance.version, 1);
  assert.ok(balance.exports.includes('ValidateRequest'));
  assert.deepEqual(await balanceOf(alice.address), { free: 1_000_000, locked: 0 });
});

test('transfer with balance through kernel.call', async () => {
  const before = await balanceOf(bob.address);
  const result = await k.call(api, alice, {
    module: 'balance',
    fn: 'transfer',
    params: send(bob.address, 1_234),
  });
  assert.ok(result.events.some((e) => api.events.kernel.ModuleEvent.is(e)), 'balance emitted its event');
  assert.equal((await balanceOf(bob.address)).free, before.free + 1_234);
});

test('deploy a module, request a slashable capability and pass it in the same call', async () => {
  const deployed = await k.deploy(api, alice, { code: moduleWasm('tester'), name: 'keeper' });
  const keeper = deployed.module;
  assert.ok((await k.modules(api)).some((m) => m.id === keeper && m.name === 'keeper'));

  const result = await k.call(api, alice, {
    module: keeper,
    fn: 'keep',
    caps: [{ Request: 0 }],
    requests: [balance.request({ Slashable: { account: alice.address, amount: 100 } })],
  });
  const minted = result.events.find((e) => api.events.kernel.CapabilityMinted.is(e));
  const id = minted.data.id.toBigInt();
  const moved = result.events.find((e) => api.events.kernel.CapabilityMoved.is(e));
  assert.equal(moved.data.id.toBigInt(), id);
  assert.deepEqual(moved.data.to.toJSON(), { module: keeper });

  assert.deepEqual(await balanceOf(alice.address), { free: 1_000_000 - 1_234 - 100, locked: 100 });
  const keeperCaps = await heldBy({ Module: keeper });
  const listed = keeperCaps.find((c) => c.id === id);
  assert.ok(listed, 'the runtime API lists the capability under its new holder');
  assert.deepEqual(listed.creator, { module: await k.moduleId(api, 'balance') });
  assert.deepEqual(balance.abi.decodeCapability(listed.data).toJSON(), { slashable: { account: alice.address, amount: 100 } });
});

test('a dry run shows the storage deposit, and the signer pays it onto the module, not the deployer', async () => {
  const info = await k.moduleInfo(api, 'balance');
  assert.notEqual(info.deployer, bob.address, 'Bob is a stranger to the module');
  await k.call(api, alice, { module: 'balance', fn: 'transfer', params: send(bob.address, 10) });

  // Bob's transfer to an account the module has never seen adds an entry to its state.
  const fresh = k.signer('//deposit-receiver').address;
  const preview = await k.dryRun(api, bob.address, {
    Call: { module: info.id, function: k.text('transfer'), params: send(fresh, 1), caps: [], requests: [] },
  });
  assert.ok(preview.ok, JSON.stringify(preview.error));
  const charge = preview.storageDeposit.charge;
  assert.ok(charge > 0n, `a new entry is charged: ${JSON.stringify(preview.storageDeposit, (_, v) => String(v))}`);

  const reserved = async (who) => (await api.query.system.account(who)).data.reserved.toBigInt();
  const free = async (who) => (await api.query.system.account(who)).data.free.toBigInt();
  const [moduleBefore, deployerBefore, bobBefore] = [await reserved(info.account), await reserved(info.deployer), await free(bob.address)];
  const result = await k.call(api, bob, { module: 'balance', fn: 'transfer', params: send(fresh, 1) });
  const paid = result.events.find((e) => api.events.transactionPayment.TransactionFeePaid.is(e));
  const fee = paid.data.actualFee.toBigInt();

  assert.equal(await reserved(info.account), moduleBefore + charge, 'held on the module account');
  assert.equal(await reserved(info.deployer), deployerBefore, 'the deployer holds nothing more');
  assert.equal(await free(bob.address), bobBefore - charge - fee, 'Bob paid the deposit and his fee');
});

test('a module runs each block only while its account pays the tick fee, and fund-ticks pays it', async () => {
  const fee = api.consts.kernel.tickFee.toBigInt();
  const ed = api.consts.balances.existentialDeposit.toBigInt();
  assert.ok(fee > 0n, 'the runtime charges for the per-block round');
  const { module } = await k.deploy(api, alice, { code: moduleWasm('tester'), name: 'ticker' });
  const ticking = async () => (await api.query.kernel.tickers()).map((id) => id.toNumber()).includes(module);
  assert.equal(await ticking(), false, 'nobody paid for its runs yet');

  kernelCli(node.url, 'fund-ticks', 'ticker', String(2n * fee + 1n));
  assert.equal(await ticking(), true, 'funded, it joins the round');

  // Two runs burn two fees; the third cannot be paid and the module leaves the round.
  for (let tries = 0; (await ticking()) && tries < 120; tries++) await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await ticking(), false, 'unfunded, it left the round');
  const { account } = await k.moduleInfo(api, 'ticker');
  const free = (await api.query.system.account(account)).data.free.toBigInt();
  assert.equal(free, ed + 1n, 'what is left is less than a run');
});

test('invoke a capability: split returns two, dropping unlocks', async () => {
  const before = await balanceOf(alice.address);
  const request = balance.request({ Slashable: { account: alice.address, amount: 50 } });
  await k.call(api, alice, { module: 'balance', fn: 'total_issuance', requests: [request] });
  const balanceId = await k.moduleId(api, 'balance');
  const [held] = (await heldBy({ Account: alice.address })).filter((c) => c.creator.module === balanceId);
  assert.ok(held, 'the unused requested capability stays with Alice');

  // Preview, then do it.
  const preview = await k.dryRun(api, alice.address, {
    Invoke: { cap: held.id, function: k.text('split'), params: balance.abi.encodeArgs('split', 20, 'Slashable'), caps: [], requests: [] },
  });
  assert.ok(preview.ok, JSON.stringify(preview, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  assert.equal(preview.capabilityFlow.invoked.length, 1);
  assert.equal(preview.capabilityFlow.minted.length, 2);

  const result = await balance.invoke(alice, held.id, 'split', 20);
  assert.equal(result.caps.length, 2);
  assert.ok(result.events.some((e) => api.events.kernel.CapabilityInvoked.is(e) && e.data.id.toBigInt() === held.id));
  const mine = await heldBy({ Account: alice.address });
  assert.ok(!mine.some((c) => c.id === held.id), 'the invoked capability is gone');
  const amounts = mine
    .filter((c) => result.caps.includes(c.id))
    .map((c) => balance.abi.decodeCapability(c.data).asSlashable.amount.toNumber())
    .sort((a, b) => a - b);
  assert.deepEqual(amounts, [20, 30]);

  for (const id of result.caps) await k.dropCapability(api, alice, { cap: id });
  assert.deepEqual(await balanceOf(alice.address), before, 'dropping both parts unlocked everything');
});

test('the owner revokes an allowance it gave Bob: the dry run shows it, then Bob finds it gone', async () => {
  const before = await balanceOf(alice.address);
  const balanceId = await k.moduleId(api, 'balance');
  const request = balance.request({ Transferable: { account: alice.address, amount: 40 } });
  const granted = await k.call(api, alice, { module: 'balance', fn: 'total_issuance', requests: [request] });
  const allowance = granted.events.find((e) => api.events.kernel.CapabilityMinted.is(e)).data.id.toBigInt();
  await k.giveCapability(api, alice, { cap: allowance, to: { Account: bob.address } });
  assert.ok((await heldBy({ Account: bob.address })).some((c) => c.id === allowance), 'Bob holds it');

  const revoke = { module: balanceId, function: k.text('revoke'), params: balance.abi.encodeArgs('revoke', allowance), caps: [], requests: [] };
  const preview = await k.dryRun(api, alice.address, { Call: revoke });
  assert.ok(preview.ok, JSON.stringify(preview.error));
  const number = (human) => BigInt(String(human).replaceAll(',', ''));
  assert.deepEqual(
    preview.capabilityFlow.revoked.map(([id, by]) => [number(id), Number(number(by))]),
    [[allowance, balanceId]],
    'the dry run lists what would be revoked, and by whom',
  );
  assert.ok((await heldBy({ Account: bob.address })).some((c) => c.id === allowance), 'a dry run changes nothing');

  const bobBefore = await balanceOf(bob.address);
  const result = await balance.call(alice, 'revoke', allowance);
  assert.deepEqual(result.value.toJSON(), [1, 40], 'one capability revoked, 40 unlocked');
  const revoked = result.events.find((e) => api.events.kernel.CapabilitiesRevoked.is(e));
  assert.ok(revoked, 'CapabilitiesRevoked is emitted');
  assert.deepEqual(revoked.data.ids.map((id) => id.toBigInt()), [allowance]);
  assert.equal(revoked.data.complete.isTrue, true);
  assert.ok(!(await heldBy({ Account: bob.address })).some((c) => c.id === allowance), 'Bob no longer holds it');
  assert.deepEqual(await balanceOf(alice.address), before, 'the allowance is unlocked');

  // Bob's attempt to spend it fails before anything is submitted.
  const spend = send(bob.address, 1);
  await assert.rejects(k.invoke(api, bob, { cap: allowance, fn: 'transfer', params: spend }), /CapabilityNotFound/);
  assert.deepEqual(await balanceOf(bob.address), bobBefore);
});

test('the command-line client lists modules and capabilities', async () => {
  const run = (...args) => kernelCli(node.url, ...args);
  const modules = run('modules');
  assert.ok(modules.some((m) => m.name === 'balance'));
  const shown = run('module', 'balance');
  assert.equal(shown.id, 1);
  const caps = run('caps', 'module:keeper');
  assert.ok(caps.length >= 3, 'keeper holds its system capabilities and the slashable one');
  const encoded = run('encode', '(ModuleHolder,u128)', '[{"Account":"//Bob"},5]');
  assert.match(encoded.hex, /^0x00[0-9a-f]{64}05000000000000000000000000000000$/);
});

test('the command-line client shows one capability and a module state, dry-runs a deploy, and removes code', async () => {
  const run = (...args) => kernelCli(node.url, ...args);

  const [held] = run('caps', 'module:keeper');
  const shown = run('cap', String(held.id));
  assert.deepEqual(shown.holder, { module: await k.moduleId(api, 'keeper') });
  assert.throws(() => run('cap', '999999'), /no capability 999999/);

  // `balance` keeps one entry per account: Alice's is among its state.
  const state = run('storage', 'balance');
  assert.ok(state.length > 0);
  assert.ok(state.every((entry) => entry.key.startsWith('0x') && entry.value.startsWith('0x')));
  assert.ok(!state.some((entry) => entry.key === '0x636f6465'), 'the code is not listed as state');

  const wasm = path.join(root, 'target', 'modules', 'dist', 'tester.wasm');
  const modulesBefore = run('modules').length;
  const dry = run('dry-run', 'deploy', wasm, 'dry-tester');
  assert.equal(dry.ok, true, JSON.stringify(dry.error));
  assert.equal(run('modules').length, modulesBefore, 'a dry run deploys nothing');

  const staged = run('upload', wasm);
  assert.ok((await api.query.kernel.codeStore(staged.hash)).isSome);
  run('remove-code', staged.hash);
  assert.ok((await api.query.kernel.codeStore(staged.hash)).isNone, 'the staged code is gone');

  const engine = k.signer('//cli-engine', 'ed25519').address;
  run('fund', '//cli-engine', '1000000000000000', '--to-scheme', 'ed25519');
  const asEngine = ['--scheme', 'ed25519', '--suri', '//cli-engine'];
  run(...asEngine, 'register-engine', 'http://127.0.0.1:9');
  assert.ok((await api.query.kernel.engines(engine)).isSome);
  run(...asEngine, 'unregister-engine');
  assert.ok((await api.query.kernel.engines(engine)).isNone, 'the engine is unregistered');
});

test('the command-line client prints for people unless told --json, with progress on stderr', async () => {
  const cli = kernelCliPath;
  const human = spawnSync('node', [cli, '--url', node.url, 'module', 'balance'], { encoding: 'utf8' });
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /^id: 1$/m);
  assert.match(human.stdout, /^name: balance$/m);

  const params = send(bob.address, 1);
  const sent = spawnSync('node', [cli, '--json', '--url', node.url, 'call', 'balance', 'transfer', '--params', params], {
    encoding: 'utf8',
  });
  assert.equal(sent.status, 0, sent.stderr);
  assert.match(sent.stderr, /kernel\.call: submitted, waiting for a block/);
  assert.match(sent.stderr, /kernel\.call: (in|finalized in) block 0x[0-9a-f]{64}/);
  assert.match(JSON.parse(sent.stdout).block, /^0x[0-9a-f]{64}$/, 'stdout holds only the JSON result');

  // A call that would fail is not submitted: the reason comes from the dry run.
  const nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  const overspend = send(bob.address, 10n ** 30n);
  const refused = spawnSync('node', [cli, '--url', node.url, 'call', 'balance', 'transfer', '--params', overspend], { encoding: 'utf8' });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /error: the dry run failed, nothing was submitted: kernel\.ModuleReverted: .+/);
  assert.equal((await api.rpc.system.accountNextIndex(alice.address)).toNumber(), nonce, 'nothing was submitted');
  const forced = spawnSync('node', [cli, '--url', node.url, '--no-preflight', 'call', 'balance', 'transfer', '--params', overspend], {
    encoding: 'utf8',
  });
  assert.equal(forced.status, 1);
  assert.match(forced.stderr, /failed on chain: kernel\.ModuleReverted/);
});

test('a panicking module is named with its message before submitting, and its trap kind on chain', async () => {
  const cli = kernelCliPath;
  const { module } = await k.deploy(api, alice, { code: moduleWasm('tester'), name: 'panicker' });
  const refused = spawnSync('node', [cli, '--url', node.url, 'call', 'panicker', 'panic'], { encoding: 'utf8' });
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    new RegExp(`nothing was submitted: kernel\\.ModulePanicked; failed frames: panicker \\(#${module}\\): kernel\\.ModulePanicked \\(the tester panicked on purpose\\)`),
  );
  const forced = spawnSync('node', [cli, '--url', node.url, '--no-preflight', 'call', 'panicker', 'panic'], { encoding: 'utf8' });
  assert.equal(forced.status, 1);
  assert.match(
    forced.stderr,
    new RegExp(`failed on chain: kernel\\.ModulePanicked: .*; failed frames: panicker \\(#${module}\\): kernel\\.ModulePanicked \\(the tester panicked on purpose\\)`),
  );
});
