// The KMS client's cryptography against the engine's: the sealed-box construction of
// module_interfaces::secret_sharing::sealed (the same vector as its Rust test), and the
// refusals a client relies on. No node needed.

import test from 'node:test';
import assert from 'node:assert/strict';
import { u8aToHex } from 'kernel-cli';
import * as kms from 'kernel-cli/lib/kms.js';

const stringToU8a = (text) => new TextEncoder().encode(text);

const engineSecret = new Uint8Array(32).fill(7);
const ephemeral = new Uint8Array(32).fill(9);

test('a sealed box is byte for byte what the engine makes and opens', () => {
  const engineKey = kms.boxPublicKey(engineSecret);
  assert.equal(u8aToHex(engineKey), '0x13be4feaeaf204c7fd3358fc9c00721881d174278128227ec674f37f7fe97b6d');
  const sealed = kms.seal(engineKey, stringToU8a('kernel'), ephemeral);
  assert.equal(
    u8aToHex(sealed),
    '0x57db4b359f23ae5e146e4e2512056704722506348c150c14753d0c933d04d4214d29c399fc5d6f05b5f4b1a667933b127a7cb3fc4766',
  );
  assert.deepEqual(kms.open(engineSecret, sealed), stringToU8a('kernel'));
});

test('a box opens only with its key and unaltered', () => {
  const sealed = kms.seal(kms.boxPublicKey(engineSecret), stringToU8a('a share'));
  assert.throws(() => kms.open(new Uint8Array(32).fill(8), sealed), 'another key');
  const altered = sealed.slice();
  altered[altered.length - 1] ^= 1;
  assert.throws(() => kms.open(engineSecret, altered), 'altered');
  assert.throws(() => kms.open(engineSecret, sealed.subarray(0, 47)), /too short/);
  assert.throws(() => kms.seal(new Uint8Array(32), stringToU8a('x')), 'a small-order key');
});
