// Bad input through the real RPC: each fails with the expected error, changes nothing, and the
// node keeps producing blocks.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as k from 'kernel-cli';
import { withDevNode, moduleWasm, standardAbi } from './lib/nodes.js';

const balance = standardAbi('balance');

const alice = k.signer('//Alice');
const bob = k.signer('//Bob');
let api;
withDevNode((connected) => {
  api = connected;
});

async function bestNumber() {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

async function assertStillProducing() {
  const before = await bestNumber();
  // A harmless transaction seals a block at once on the dev node.
  await k.call(api, bob, { module: 'balance', fn: 'total_issuance' });
  assert.ok((await bestNumber()) > before, 'the node produced a block after the bad input');
}

test('a malformed extrinsic is rejected by the RPC', async () => {
  // Sent as raw JSON-RPC: the client library would refuse to encode it in the first place.
  await assert.rejects(api._rpcCore.provider.send('author_submitExtrinsic', ['0x0c040506']), (error) => {
    // 1002: the runtime refused to validate it (it does not decode as an extrinsic).
    assert.match(error.message, /^1002: Verification Error/);
    return true;
  });
  await assertStillProducing();
});

test("invoking someone else's capability fails with NotHolder and leaves it in place", async () => {
  const request = balance.encodeRequest({ Slashable: { account: alice.address, amount: 10 } });
  const granted = await k.call(api, alice, { module: 'balance', fn: 'total_issuance', requests: [{ module: 'balance', data: request }] });
  const minted = granted.events.find((e) => api.events.kernel.CapabilityMinted.is(e));
  const cap = minted.data.id.toBigInt();

  await assert.rejects(
    k.invoke(api, bob, { cap, fn: 'slash', params: balance.encodeArgs('slash', { amount: 10, beneficiary: { Account: bob.address } }, 'Slashable') }),
    (error) => error instanceof k.DispatchFailed && error.section === 'kernel' && error.errorName === 'NotHolder',
  );
  const held = await api.call.kernelApi.capability(cap);
  assert.equal(held.unwrap().holder.asAccount.toString(), alice.address, 'Alice still holds it');
  await assertStillProducing();
});

test('deploying invalid Wasm fails with InvalidCode', async () => {
  const before = (await k.modules(api)).length;
  await assert.rejects(
    k.deploy(api, alice, { code: new TextEncoder().encode('not wasm at all'), name: 'junk' }),
    (error) => error instanceof k.DispatchFailed && error.errorName === 'InvalidCode',
  );
  assert.equal((await k.modules(api)).length, before, 'nothing was deployed');
  await assertStillProducing();
});

test('an infinite loop runs out of fuel and the chain goes on', async () => {
  const { module } = await k.deploy(api, alice, { code: moduleWasm('tester'), name: 'spinner' });
  await assert.rejects(
    k.call(api, alice, { module, fn: 'spin', weightLimit: { refTime: 5_000_000_000n, proofSize: 1_000_000n } }),
    (error) => error instanceof k.DispatchFailed && error.errorName === 'OutOfFuel',
  );
  await assertStillProducing();
});
