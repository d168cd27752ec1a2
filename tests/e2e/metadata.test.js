// Module metadata from polkadot.js: the standard modules' documents (written by the workspace
// build next to their Wasm) round-trip every function's types, match the code the chain runs,
// and drive `balance`, `staking` and `democracy` by name on a dev node, every event decoded.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as k from 'kernel-cli';
import { kernelCli, root, withDevNode } from './lib/nodes.js';

const dist = path.join(root, 'target', 'modules', 'dist');
const STANDARD = { balance: 'balance', democracy: 'democracy', staking: 'staking', 'secret-sharing': 'secret_sharing' };
const alice = k.signer('//Alice');
const bob = k.signer('//Bob');
const charlie = k.signer('//Charlie');

function document(name) {
  return readFileSync(path.join(dist, `${STANDARD[name]}.json`), 'utf8');
}

let node;
let api;
withDevNode((connected, started) => {
  api = connected;
  node = started;
});

test("every standard module's metadata round-trips each function's parameters and output", () => {
  for (const name of Object.keys(STANDARD)) {
    const abi = new k.ModuleAbi(document(name));
    assert.equal(abi.name, name);
    assert.ok(abi.functions.length > 3, `${name} describes its functions`);
    const ids = abi.functions.flatMap((f) => [f.args, f.returns]);
    for (const id of [...ids, abi.json.init, abi.json.capability, abi.json.request, abi.json.event]) {
      if (id == null) continue;
      // A default value of the type encodes, and the bytes decode to exactly that value.
      const bytes = abi.createType(id).toU8a();
      const back = abi.decodeType(id, bytes);
      assert.deepEqual(back.toU8a(), bytes, `${name}: ${abi.typeName(id)}`);
    }
    assert.throws(() => abi.decodeType(abi.function(abi.functions[0].name, abi.functions[0].capabilities?.[0]).args, '0x00ffffffff'));
  }
  const balance = new k.ModuleAbi(document('balance'));
  // Accounts are the runtime's AccountId32: they take and show addresses.
  const params = balance.encodeArgs('transfer', [{ Account: bob.address }, 5]);
  assert.equal(params, k.u8aToHex(new Uint8Array([0, ...bob.publicKey, 5, ...new Uint8Array(15)])));
  assert.throws(() => balance.function('slash'), /no public function slash .*transfer/);
  assert.equal(balance.function('slash', 'Slashable').name, 'slash');
});

test('the metadata matches the code on chain; a document of other code is refused', async () => {
  for (const name of Object.keys(STANDARD)) {
    const info = await k.moduleInfo(api, name);
    assert.equal(info.metadataHash, new k.ModuleAbi(document(name)).hash, `${name}'s code records its metadata`);
  }
  const staking = path.join(dist, 'staking.json');
  await assert.rejects(k.moduleAbi(api, 'balance', { file: staking }), /is not the metadata of the code module balance runs/);
});

test('balance, staking and democracy by name from polkadot.js, every event decoded', async () => {
  const balance = await k.ModuleClient.at(api, 'balance');
  const staking = await k.ModuleClient.at(api, 'staking');
  const democracy = await k.ModuleClient.at(api, 'democracy');

  const before = await balance.query(alice.address, 'account', { Account: charlie.address });
  const sent = await balance.call(alice, 'transfer', [{ Account: charlie.address }, 4_321]);
  assert.deepEqual(
    sent.moduleEvents.map((e) => e.event.toJSON()),
    [{ transferred: { from: { account: alice.address }, to: { account: charlie.address }, amount: 4_321 } }],
  );
  const after = await balance.query(alice.address, 'account', { Account: charlie.address });
  assert.equal(after.free.toBigInt() - before.free.toBigInt(), 4_321n);

  // Charlie bonds: a Slashable capability requested from balance, passed to staking.
  const bonded = await staking.call(charlie, 'bond', undefined, {
    caps: [{ Request: 0 }],
    requests: [balance.request({ Slashable: { account: charlie.address, amount: 1_000 } })],
  });
  const events = bonded.moduleEvents.map((e) => (e.module === balance.id ? balance : staking).abi.decodeEvent(e.data).toJSON());
  assert.deepEqual(events, [
    { locked: { account: charlie.address, amount: 1_000 } },
    { bonded: { account: charlie.address, amount: 1_000 } },
  ]);
  assert.deepEqual(bonded.moduleEvents.map((e) => e.event.toJSON()), events, 'each decoded by its own module');
  const stake = (await staking.query(alice.address, 'stake', charlie.address)).unwrap();
  assert.equal(stake.amount.toNumber(), 1_000);
  assert.deepEqual((await balance.capability(stake.cap.toBigInt())).toJSON(), { slashable: { account: charlie.address, amount: 1_000 } });
  assert.equal(await balance.kindOf(stake.cap.toBigInt()), 'Slashable');

  // Democracy: what it governs at genesis, and a vote-less read of a proposal that is not there.
  const governed = (await democracy.query(alice.address, 'governed', 1)).unwrap();
  assert.equal(governed.label.toUtf8(), 'balance: upgrade');
  assert.ok((await democracy.query(alice.address, 'proposal', 999)).isNone);
  // A vote on a proposal that does not exist is refused with the module's reason.
  await assert.rejects(
    democracy.call(charlie, 'vote', { proposal: 999, aye: true }, {
      caps: [{ Request: 0 }],
      requests: [balance.request({ Locked: { account: charlie.address, amount: 10 } })],
    }),
    (error) => error instanceof k.DispatchFailed && /no such proposal/.test(error.message),
  );
});

test('the CLI calls, queries and describes by name, and decodes capability data', async () => {
  const described = kernelCli(node.url, 'describe', 'balance');
  assert.equal(described.module, 'balance');
  assert.ok(described.functions.some((f) => f.function.startsWith('transfer((Holder, Balance))')), JSON.stringify(described.functions));
  assert.ok(described.invoked.some((f) => f.function.startsWith('slash(') && f.on === 'Slashable'));
  assert.deepEqual(kernelCli(node.url, 'describe', path.join(dist, 'balance.json')).functions, described.functions);

  const sent = kernelCli(node.url, 'call', 'balance', 'transfer', '--args', '[{"Account":"//Dave"},77]');
  const dave = k.signer('//Dave').address;
  assert.deepEqual(sent.moduleEvents, [
    { module: 1, event: { Transferred: { from: { Account: alice.address }, to: { Account: dave }, amount: '77' } } },
  ]);
  const account = kernelCli(node.url, 'query', 'balance', 'account', '--args', '{"Account":"//Dave"}');
  assert.ok(Number(String(account.value.free).replace(/,/g, '')) >= 77, JSON.stringify(account));

  const granted = kernelCli(
    node.url, 'call', 'balance', 'total_issuance',
    '--request', `balance:${new k.ModuleAbi(document('balance')).encodeRequest({ Transferable: { account: alice.address, amount: 50 } })}`,
  );
  const [cap] = granted.events.filter((e) => e.method === 'CapabilityMinted').map((e) => e.data.id.replace(/,/g, ''));
  const shown = kernelCli(node.url, 'cap', cap);
  assert.equal(shown.kind, 'Transferable');
  assert.deepEqual(shown.value, { Transferable: { account: alice.address, amount: '50' } });
  const paid = kernelCli(node.url, 'invoke', cap, 'transfer', '--args', '[{"Account":"//Dave"},20]');
  assert.deepEqual(paid.moduleEvents.map((e) => Object.keys(e.event)[0]), ['Transferred']);
  assert.equal(kernelCli(node.url, 'cap', String(paid.caps[0])).value.Transferable.amount, '30', 'the remainder');
});
