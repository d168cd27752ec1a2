// Load with nothing lost: a few thousand kernel transactions from many accounts, some failing
// and some hostile, sent at once to a dev node. Every transaction the pool accepted must be
// included exactly once, each must end as its kind says, and the `balance` module's books must
// match a model of the transfers and still add up to its total issuance, and every module's
// deposit must be what the rules say for its code and state, held on its own account; every
// capability has the one holder the holder index names.
//
// Bounded (SOAK_ACCOUNTS × SOAK_TXS transactions, default 20 × 100) and loopback only; it
// prints transactions per second and per block (see docs/performance.md).

import test from 'node:test';
import assert from 'node:assert/strict';
import * as k from 'kernel-cli';
import { withDevNode, moduleWasm, eventually, standardAbi } from './lib/nodes.js';

const balanceAbi = standardAbi('balance');

const ACCOUNTS = Number(process.env.SOAK_ACCOUNTS ?? 20);
const PER_ACCOUNT = Number(process.env.SOAK_TXS ?? 100);
const ENDOWMENT = 1_000n;
/** More than exists: a transfer of it always fails in the module. */
const OVERSPEND = 10n ** 30n;
/** The `acct/` prefix of `balance`'s account map, as the module sees its keys. */
const ACCOUNT_PREFIX = '0x616363742f';

let api;
withDevNode((connected) => {
  api = connected;
});

const alice = k.signer('//Alice');

/** What the n-th transaction of an account is: mostly transfers, some failing, some hostile. */
function kindOf(n) {
  if (n % 20 === 7) return 'overspend';
  if (n % 20 === 13) return 'spin';
  return 'transfer';
}

function transferParams(to, amount) {
  return balanceAbi.encodeArgs('transfer', [{ Account: to }, amount]);
}

/** Signs and submits `txs` from Alice in order and waits until all are in blocks. */
async function fromAlice(txs) {
  const first = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  for (const [i, tx] of txs.entries()) {
    await tx.signAsync(alice, { nonce: first + i, era: 0 });
    await api.rpc.author.submitExtrinsic(tx);
  }
  await eventually(async () => (await api.query.system.account(alice.address)).nonce.toNumber() >= first + txs.length, {
    what: "Alice's transactions in blocks",
  });
}

/** The `balance` module's accounts, from its state: holder hex → free + locked. */
async function ledger() {
  const entries = await k.moduleStorage(api, 'balance');
  return entries
    .filter(({ key }) => key.startsWith(ACCOUNT_PREFIX))
    .map(({ key, value }) => {
      const account = balanceAbi.decodeReturn('account', value);
      return { holder: `0x${key.slice(ACCOUNT_PREFIX.length)}`, free: account.free.toBigInt(), locked: account.locked.toBigInt() };
    });
}

test('thousands of kernel transactions, some failing and hostile: each included once, books balanced', async () => {
  const balance = await k.moduleId(api, 'balance');
  const { module: spinner } = await k.deploy(api, alice, { code: moduleWasm('tester'), name: 'soak-spinner' });
  const senders = Array.from({ length: ACCOUNTS }, (_, i) => k.signer(`//soak/${i}`));

  // Fees in native tokens, and `ENDOWMENT` balance tokens each.
  await fromAlice(senders.map((s) => api.tx.balances.transferKeepAlive(s.address, 10n ** 15n)));
  const transferLimit = await k.weightFor(api, alice.address, {
    Call: { module: balance, function: k.text('transfer'), params: transferParams(senders[0].address, 1), caps: [], requests: [] },
  });
  await fromAlice(
    senders.map((s) => api.tx.kernel.call(balance, 'transfer', transferParams(s.address, ENDOWMENT), [], [], transferLimit, null)),
  );

  // Sign everything first, so that submitting is all the node sees.
  const expected = new Map(senders.map((s) => [s.address, ENDOWMENT]));
  const sent = [];
  for (const [i, sender] of senders.entries()) {
    const nonce = (await api.rpc.system.accountNextIndex(sender.address)).toNumber();
    for (let n = 0; n < PER_ACCOUNT; n += 1) {
      const kind = kindOf(n);
      const to = senders[(i + n + 1) % ACCOUNTS].address;
      const tx =
        kind === 'spin'
          ? api.tx.kernel.call(spinner, 'spin', '0x', [], [], { refTime: 2_000_000_000n, proofSize: 1024n * 1024n }, null)
          : api.tx.kernel.call(balance, 'transfer', transferParams(to, kind === 'overspend' ? OVERSPEND : 1n), [], [], transferLimit, null);
      await tx.signAsync(sender, { nonce: nonce + n, era: 0 });
      sent.push({ hash: tx.hash.toHex(), tx, kind });
      if (kind === 'transfer') {
        expected.set(sender.address, expected.get(sender.address) - 1n);
        expected.set(to, expected.get(to) + 1n);
      }
    }
  }

  const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
  const started = Date.now();
  const accepted = new Map();
  const refused = [];
  for (let i = 0; i < sent.length; i += 200) {
    const batch = sent.slice(i, i + 200);
    const results = await Promise.allSettled(batch.map(({ tx }) => api.rpc.author.submitExtrinsic(tx)));
    results.forEach((result, j) => {
      if (result.status === 'fulfilled') accepted.set(batch[j].hash, batch[j]);
      else refused.push(result.reason.message);
    });
  }
  assert.deepEqual(refused, [], 'the pool accepts every transaction');

  // Scan every block from the start until each accepted transaction was seen.
  const seen = new Map();
  const perBlock = [];
  let next = startBlock + 1;
  let finished;
  const deadline = Date.now() + 15 * 60_000;
  while (seen.size < accepted.size) {
    assert.ok(Date.now() < deadline, `${accepted.size - seen.size} transactions never included`);
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    if (next > best) {
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const hash = await api.rpc.chain.getBlockHash(next);
    const [block, events] = await Promise.all([api.rpc.chain.getBlock(hash), api.query.system.events.at(hash)]);
    let ours = 0;
    block.block.extrinsics.forEach((extrinsic, index) => {
      const txHash = extrinsic.hash.toHex();
      if (!accepted.has(txHash)) return;
      ours += 1;
      const outcome = events.find(
        ({ phase, event }) =>
          phase.isApplyExtrinsic &&
          phase.asApplyExtrinsic.toNumber() === index &&
          (api.events.system.ExtrinsicSuccess.is(event) || api.events.system.ExtrinsicFailed.is(event)),
      );
      const occurrences = seen.get(txHash)?.occurrences ?? 0;
      seen.set(txHash, { occurrences: occurrences + 1, ok: api.events.system.ExtrinsicSuccess.is(outcome.event) });
    });
    if (ours > 0) {
      perBlock.push(ours);
      finished = Date.now();
    }
    next += 1;
  }
  // A few more blocks: nothing is included twice later on.
  const settled = (await api.rpc.chain.getHeader()).number.toNumber();
  for (let n = next; n <= settled; n += 1) {
    const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(n));
    for (const extrinsic of block.block.extrinsics) {
      assert.ok(!accepted.has(extrinsic.hash.toHex()), 'a transaction included a second time');
    }
  }

  for (const [hash, { kind }] of accepted) {
    const { occurrences, ok } = seen.get(hash);
    assert.equal(occurrences, 1, `${kind} ${hash} included once`);
    assert.equal(ok, kind === 'transfer', `${kind} ${hash} ends as its kind says`);
  }

  const books = await ledger();
  const byHolder = new Map(books.map((entry) => [entry.holder, entry]));
  for (const sender of senders) {
    const holder = k.encode(api, 'ModuleHolder', { Account: sender.address });
    assert.equal(byHolder.get(holder)?.free, expected.get(sender.address), `${sender.address}'s balance`);
  }
  const issuance = (await k.query(api, alice.address, { module: 'balance', fn: 'total_issuance', type: 'u128' })).toBigInt();
  const held = books.reduce((sum, entry) => sum + entry.free + entry.locked, 0n);
  assert.equal(held, issuance, 'every token is held by someone');

  // Deposits: each module's is what the rules say for its code, state and capabilities, held on the module's
  // own account (the senders paid for the entries their transfers created), none on a deployer.
  const perByte = api.consts.kernel.depositPerByte.toBigInt();
  const perItem = api.consts.kernel.depositPerItem.toBigInt();
  const perCap = api.consts.kernel.capabilityDeposit.toBigInt();
  const moduleDeposit = async (who) => {
    const holds = (await api.query.balances.holds(who)).toJSON();
    return holds.filter(({ id }) => id.kernel === 'ModuleDeposit').reduce((all, { amount }) => all + BigInt(amount), 0n);
  };
  for (const module of await k.modules(api)) {
    const rule =
      perByte * BigInt(module.codeLen + module.storageBytes) +
      perItem * BigInt(module.storageItems + 1) +
      perCap * BigInt(module.capabilities);
    assert.equal(BigInt(module.deposit), rule, `${module.name}'s deposit`);
    assert.equal(await moduleDeposit(module.account), rule, `${module.name}'s account holds its deposit`);
    assert.equal(await moduleDeposit(module.deployer), 0n, `${module.deployer} holds no module deposit`);
  }

  // Capabilities: each has exactly one holder, and the holder index says the same.
  const records = await api.query.kernel.capabilities.entries();
  const index = await api.query.kernel.heldBy.entries();
  const fromRecords = records.map(([key, cap]) => `${cap.unwrap().holder.toHex()}/${key.args[0].toString()}`).sort();
  const fromIndex = index.map(([key]) => `${key.args[0].toHex()}/${key.args[1].toString()}`).sort();
  assert.ok(fromRecords.length > 0);
  assert.deepEqual(fromIndex, fromRecords, 'every capability is held by its one holder, as the index says');

  const seconds = (finished - started) / 1000;
  console.log(
    `soak: ${accepted.size} transactions (${ACCOUNTS} accounts; ` +
      `${sent.filter((s) => s.kind !== 'transfer').length} failing or hostile) in ${seconds.toFixed(1)} s: ` +
      `${(accepted.size / seconds).toFixed(1)} tx/s, ${perBlock.length} blocks, ` +
      `${(accepted.size / perBlock.length).toFixed(1)} per block on average, at most ${Math.max(...perBlock)}`,
  );
});
