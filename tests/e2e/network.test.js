// A two-validator Aura + GRANDPA network on loopback: blocks finalize, and a capability invoked
// through one node is seen on the other.

import test from 'node:test';
import assert from 'node:assert/strict';
import * as k from 'kernel-cli';
import { eventually, startNode } from './lib/nodes.js';

const alice = k.signer('//Alice');
let nodes = [];
let apis = [];

test.before(async () => {
  const first = await startNode('alice', ['--chain', 'local', '--alice', '--node-key', '0000000000000000000000000000000000000000000000000000000000000001']);
  const bootnode = `/ip4/127.0.0.1/tcp/${first.p2pPort}/p2p/${first.peerId}`;
  const second = await startNode('bob', ['--chain', 'local', '--bob', '--node-key', '0000000000000000000000000000000000000000000000000000000000000002', '--bootnodes', bootnode]);
  nodes = [first, second];
  apis = await Promise.all(nodes.map((n) => k.connect(n.url)));
});

test.after(async () => {
  await Promise.all(apis.map((api) => api.disconnect()));
  await Promise.all(nodes.map((n) => n.stop()));
});

async function finalized(api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

test('both validators author and finalize blocks', async () => {
  await eventually(async () => (await Promise.all(apis.map(finalized))).every((n) => n >= 3), {
    timeout: 240_000,
    what: 'finality on both nodes',
  });
  const peers = await apis[0].rpc.system.peers();
  assert.ok(peers.length >= 1, 'alice sees bob');
});

test('a capability invoked through one node is seen on the other', async () => {
  const [viaAlice, viaBob] = apis;
  const request = k.encode(viaAlice, 'BalanceCap', { Slashable: { account: alice.address, amount: 40 } });
  const granted = await k.call(viaAlice, alice, { module: 'balance', fn: 'total_issuance', requests: [{ module: 'balance', data: request }] });
  const cap = granted.events.find((e) => viaAlice.events.kernel.CapabilityMinted.is(e)).data.id.toBigInt();

  const split = await k.invoke(viaAlice, alice, { cap, fn: 'split', params: k.encode(viaAlice, 'u128', 15) });
  assert.equal(split.caps.length, 2);

  await eventually(
    async () => {
      const head = await viaBob.rpc.chain.getFinalizedHead();
      const at = await viaBob.at(head);
      const gone = (await at.call.kernelApi.capability(cap)).isNone;
      const parts = await Promise.all(split.caps.map((id) => at.call.kernelApi.capability(id)));
      return gone && parts.every((p) => p.isSome && p.unwrap().parent.unwrap().toBigInt() === cap);
    },
    { timeout: 240_000, what: "bob's finalized state to show the split" },
  );
});
