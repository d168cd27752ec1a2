// Upgrading `balance` (the constitution) through a democracy vote on a dev node, with
// @polkadot/api: the new code runs and every balance is preserved.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as k from 'kernel-cli';
import { withDevNode, eventually, moduleWasm } from './lib/nodes.js';

/** Governed ids at genesis: democracy's upgrade, balance's upgrade, balance's parameters, ... */
const BALANCE_UPGRADE = 1;
const voters = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((s) => k.signer(s));
const [alice, bob] = voters;
let api;
withDevNode((connected) => {
  api = connected;
});

function query(fn, params, type, module = 'balance') {
  return k.query(api, alice.address, { module, fn, params, type });
}

async function proposal(id) {
  const found = await query('proposal', k.encode(api, 'u32', id), 'Option<DemocracyProposal>', 'democracy');
  return found.unwrap();
}

test('a 90 % vote upgrades balance; balances and capabilities carry over', async () => {
  // State before: a transfer, and a slashable capability Bob holds.
  await k.call(api, alice, {
    module: 'balance',
    fn: 'transfer',
    params: k.encode(api, '(ModuleHolder,u128)', [{ Account: bob.address }, 777]),
  });
  const request = k.encode(api, 'BalanceCap', { Slashable: { account: bob.address, amount: 40 } });
  const granted = await k.call(api, bob, { module: 'balance', fn: 'total_issuance', requests: [{ module: 'balance', data: request }] });
  const bobsCap = granted.events.find((e) => api.events.kernel.CapabilityMinted.is(e)).data.id.toBigInt();
  const before = await Promise.all(
    voters.map((v) => query('account', k.encode(api, 'ModuleHolder', { Account: v.address }), 'BalanceAccount')),
  );
  assert.equal((await query('revision', '0x', 'u32')).toNumber(), 1);

  // Stage the new code and propose the upgrade of the constitution.
  const { hash } = await k.uploadCode(api, alice, moduleWasm('balance_v2'));
  const upgrade = k.encode(api, 'KernelUpgradeParams', { code: { Hash: hash }, migrate_params: '0x' });
  const proposed = await k.call(api, alice, {
    module: 'democracy',
    fn: 'propose',
    params: k.encode(api, 'DemocracyProposeArgs', {
      governed: BALANCE_UPGRADE,
      action: { Invoke: { function: k.text('upgrade'), params: upgrade } },
    }),
  });
  const id = k.decode(api, 'u32', proposed.output).toNumber();
  assert.ok((await proposal(id)).status.isVoting);

  // Everyone votes aye: 100 % of the votes, all tokens taking part.
  for (const voter of voters) {
    await k.call(api, voter, {
      module: 'democracy',
      fn: 'vote',
      params: k.encode(api, 'DemocracyVoteArgs', { proposal: id, aye: true }),
    });
  }

  // democracy's on_block tallies after the voting period and enacts after the delay.
  await eventually(async () => (await proposal(id)).status.isEnacted, { timeout: 120_000, what: 'enactment' });

  const module = await k.moduleInfo(api, 'balance');
  assert.equal(module.version, 2);
  assert.equal(module.codeHash, hash);
  assert.equal((await query('revision', '0x', 'u32')).toNumber(), 2, 'the new code answers');
  const after = await Promise.all(
    voters.map((v) => query('account', k.encode(api, 'ModuleHolder', { Account: v.address }), 'BalanceAccount')),
  );
  assert.deepEqual(after.map((a) => a.toJSON()), before.map((b) => b.toJSON()), 'balances preserved');

  // A capability minted by revision 1 still works under revision 2.
  const split = await k.invoke(api, bob, { cap: bobsCap, fn: 'split', params: k.encode(api, 'u128', 15) });
  assert.equal(split.caps.length, 2);
});
