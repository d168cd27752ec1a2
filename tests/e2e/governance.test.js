// Upgrading `balance` (the constitution) through a democracy vote on a dev node, with
// @polkadot/api: votes weigh locked tokens, the new code runs and every balance is preserved
// once the voters unlock.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as k from 'kernel-cli';
import { withDevNode, eventually, moduleWasm } from './lib/nodes.js';

/** Governed ids at genesis: democracy's upgrade, balance's upgrade, balance's parameters, ... */
const BALANCE_UPGRADE = 1;
const voters = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((s) => k.signer(s));
const [alice, bob] = voters;
const stash = k.signer('//Bob//stash');
let api;
withDevNode((connected) => {
  api = connected;
});

function query(fn, params, type, module = 'balance') {
  return k.query(api, alice.address, { module, fn, params, type });
}

/** A request for a `balance::Locked` capability over `amount` of `who`'s tokens. */
function lockRequest(who, amount) {
  return { module: 'balance', data: k.encode(api, 'BalanceCap', { Locked: { account: who.address, amount } }) };
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
  // The capability belongs to Bob's stash, not a voter: the six voters hold exactly half of all
  // tokens, and every one of them is needed, locked, for the 50 % turnout.
  const request = k.encode(api, 'BalanceCap', { Slashable: { account: stash.address, amount: 40 } });
  const granted = await k.call(api, stash, { module: 'balance', fn: 'total_issuance', requests: [{ module: 'balance', data: request }] });
  const bobsCap = granted.events.find((e) => api.events.kernel.CapabilityMinted.is(e)).data.id.toBigInt();
  const before = await Promise.all(
    voters.map((v) => query('account', k.encode(api, 'ModuleHolder', { Account: v.address }), 'BalanceAccount')),
  );
  assert.equal((await query('revision', '0x', 'u32')).toNumber(), 1);

  // Stage the new code and propose the upgrade of the constitution.
  const { hash } = await k.uploadCode(api, alice, moduleWasm('balance_v2'));
  const upgrade = k.encode(api, 'KernelUpgradeParams', { code: { Hash: hash }, migrate_params: '0x' });
  // Proposing takes the proposal bond, locked: Alice locks all her tokens, which also make
  // up her vote.
  const free = before.map((account) => account.free.toBigInt());
  const proposed = await k.call(api, alice, {
    module: 'democracy',
    fn: 'propose',
    params: k.encode(api, 'DemocracyProposeArgs', {
      governed: BALANCE_UPGRADE,
      action: { Invoke: { function: k.text('upgrade'), params: upgrade } },
    }),
    caps: [{ Request: 0 }],
    requests: [lockRequest(alice, free[0])],
  });
  const id = k.decode(api, 'u32', proposed.output).toNumber();
  assert.ok((await proposal(id)).status.isVoting);

  // Everyone votes aye with all their free tokens locked: 100 % of the votes, nearly all
  // tokens taking part.
  for (const [i, voter] of voters.entries()) {
    const lock = i === 0 ? {} : { caps: [{ Request: 0 }], requests: [lockRequest(voter, free[i])] };
    await k.call(api, voter, {
      module: 'democracy',
      fn: 'vote',
      params: k.encode(api, 'DemocracyVoteArgs', { proposal: id, aye: true }),
      ...lock,
    });
  }
  const tally = (await proposal(id)).ayes.toBigInt();
  assert.equal(tally, free.reduce((a, b) => a + b, 0n), 'the running tally counts every locked token');

  // democracy's on_block tallies after the voting period and enacts after the delay.
  await eventually(async () => (await proposal(id)).status.isEnacted, { timeout: 120_000, what: 'enactment' });

  const module = await k.moduleInfo(api, 'balance');
  assert.equal(module.version, 2);
  assert.equal(module.codeHash, hash);
  assert.equal((await query('revision', '0x', 'u32')).toNumber(), 2, 'the new code answers');
  // The voters take their tokens back.
  for (const voter of voters) {
    await k.call(api, voter, { module: 'democracy', fn: 'unlock' });
  }
  const after = await Promise.all(
    voters.map((v) => query('account', k.encode(api, 'ModuleHolder', { Account: v.address }), 'BalanceAccount')),
  );
  assert.deepEqual(after.map((a) => a.toJSON()), before.map((b) => b.toJSON()), 'balances preserved');

  // A capability minted by revision 1 still works under revision 2.
  const split = await k.invoke(api, stash, { cap: bobsCap, fn: 'split', params: k.encode(api, 'u128', 15) });
  assert.equal(split.caps.length, 2);
});
