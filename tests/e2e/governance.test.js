// Upgrading `balance` (the constitution) through a democracy vote on a dev node, with
// @polkadot/api and the modules' metadata (calls by name, decoded outputs and events): votes
// weigh locked tokens, the new code runs and every balance is preserved once the voters unlock.

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
let balance;
let democracy;
withDevNode(async (connected) => {
  api = connected;
  balance = await k.ModuleClient.at(api, 'balance');
  democracy = await k.ModuleClient.at(api, 'democracy');
});

/** A request for a `balance::Locked` capability over `amount` of `who`'s tokens. */
function lockRequest(who, amount) {
  return balance.request({ Locked: { account: who.address, amount } });
}

async function proposal(id) {
  return (await democracy.query(alice.address, 'proposal', id)).unwrap();
}

function accountOf(who) {
  return balance.query(alice.address, 'account', { Account: who.address });
}

test('a 90 % vote upgrades balance; balances and capabilities carry over', async () => {
  // State before: a transfer, and a slashable capability Bob holds.
  const sent = await balance.call(alice, 'transfer', [{ Account: bob.address }, 777]);
  assert.deepEqual(sent.moduleEvents.map((e) => e.event.toJSON()), [
    { transferred: { from: { account: alice.address }, to: { account: bob.address }, amount: 777 } },
  ]);
  // The capability belongs to Bob's stash, not a voter: the six voters hold exactly half of all
  // tokens, and every one of them is needed, locked, for the 50 % turnout.
  const granted = await balance.call(stash, 'total_issuance', undefined, {
    requests: [balance.request({ Slashable: { account: stash.address, amount: 40 } })],
  });
  const bobsCap = granted.events.find((e) => api.events.kernel.CapabilityMinted.is(e)).data.id.toBigInt();
  assert.deepEqual(granted.moduleEvents.map((e) => e.event.toJSON()), [{ locked: { account: stash.address, amount: 40 } }]);
  const before = await Promise.all(voters.map(accountOf));
  assert.equal((await balance.query(alice.address, 'revision')).toNumber(), 1);

  // Stage the new code and propose the upgrade of the constitution.
  const { hash } = await k.uploadCode(api, alice, moduleWasm('balance_v2'));
  const upgrade = k.encode(api, 'KernelUpgradeParams', { code: { Hash: hash }, migrate_params: '0x' });
  // Proposing takes the proposal bond, locked: Alice locks all her tokens, which also make
  // up her vote.
  const free = before.map((account) => account.free.toBigInt());
  const proposed = await democracy.call(
    alice,
    'propose',
    { governed: BALANCE_UPGRADE, action: { Invoke: { function: k.text('upgrade'), params: upgrade } } },
    { caps: [{ Request: 0 }], requests: [lockRequest(alice, free[0])] },
  );
  const id = proposed.value.toNumber();
  assert.deepEqual(proposed.moduleEvents.map((e) => Object.keys(e.event.toJSON())[0]), ['locked', 'proposed']);
  assert.ok((await proposal(id)).status.isVoting);

  // Everyone votes aye with all their free tokens locked: 100 % of the votes, nearly all
  // tokens taking part.
  for (const [i, voter] of voters.entries()) {
    const lock = i === 0 ? {} : { caps: [{ Request: 0 }], requests: [lockRequest(voter, free[i])] };
    const voted = await democracy.call(voter, 'vote', { proposal: id, aye: true }, lock);
    const [vote] = voted.moduleEvents.filter((e) => e.module === democracy.id).map((e) => e.event.toJSON());
    assert.deepEqual(vote, { voted: { proposal: id, who: voter.address, aye: true, weight: Number(free[i]) } });
  }
  const tally = (await proposal(id)).ayes.toBigInt();
  assert.equal(tally, free.reduce((a, b) => a + b, 0n), 'the running tally counts every locked token');

  // democracy's on_block tallies after the voting period and enacts after the delay.
  await eventually(async () => (await proposal(id)).status.isEnacted, { timeout: 120_000, what: 'enactment' });

  const module = await k.moduleInfo(api, 'balance');
  assert.equal(module.version, 2);
  assert.equal(module.codeHash, hash);
  assert.equal((await balance.query(alice.address, 'revision')).toNumber(), 2, 'the new code answers');
  assert.equal(module.metadataHash, balance.abi.hash, 'revision 2 has the same interface');
  // The voters take their tokens back.
  for (const [i, voter] of voters.entries()) {
    const unlocked = await democracy.call(voter, 'unlock');
    assert.equal(unlocked.value.toBigInt(), free[i]);
  }
  const after = await Promise.all(voters.map(accountOf));
  assert.deepEqual(after.map((a) => a.toJSON()), before.map((b) => b.toJSON()), 'balances preserved');

  // A capability minted by revision 1 still works under revision 2.
  const split = await balance.invoke(stash, bobsCap, 'split', 15);
  assert.equal(split.caps.length, 2);
  const parts = await Promise.all(split.caps.map((cap) => balance.capability(cap)));
  assert.deepEqual(parts.map((p) => p.asSlashable.amount.toNumber()), [15, 25]);
});
