// The client side of the `secret-sharing` KMS: Shamir splitting and combining, salted
// commitments, shares sealed to each engine's key, signed HTTP requests to execution engines,
// the check of every downloaded share, and the on-chain steps (register, open a download window,
// delete). See modules/interfaces/src/secret_sharing/ for the scheme.

import { split, combine } from 'shamir-secret-sharing';
import { chacha20poly1305 } from '@noble/ciphers/chacha';
import { randomBytes } from '@noble/ciphers/webcrypto';
import { x25519 } from '@noble/curves/ed25519';
import { hkdf } from '@noble/hashes/hkdf';
import { sha256 } from '@noble/hashes/sha2';
import { u8aConcat, u8aEq, u8aToHex, hexToU8a, stringToU8a } from '@polkadot/util';
import { blake2AsU8a, decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import * as k from './client.js';

/** The module's name. */
export const MODULE = 'secret-sharing';

/** The module, driven through its metadata (one `ModuleClient` per connection). */
const clients = new WeakMap();
async function kmsModule(api) {
  if (!clients.has(api)) clients.set(api, k.ModuleClient.at(api, MODULE));
  return clients.get(api);
}

/** Who reads the KMS's public state when nobody in particular asks. */
const ANYONE = encodeAddress(new Uint8Array(32));

/** Splits `secret` (bytes) into `shares` shares of which `threshold` rebuild it. */
export function splitSecret(secret, shares, threshold) {
  return split(secret, shares, threshold);
}

/** Rebuilds a secret from at least `threshold` shares. */
export function combineShares(shares) {
  return combine(shares);
}

// ---- sealed boxes (the same construction as module_interfaces::secret_sharing::sealed) ----

const SEAL_INFO = stringToU8a('kernel-kms-seal-v1');
const ZERO_NONCE = new Uint8Array(12);

function sealKey(shared, ephemeralPublic, recipient) {
  return hkdf(sha256, shared, u8aConcat(ephemeralPublic, recipient), SEAL_INFO, 32);
}

/** A fresh X25519 secret key. */
export function boxSecret() {
  return x25519.utils.randomSecretKey();
}

/** The X25519 public key of `secret`. */
export function boxPublicKey(secret) {
  return x25519.getPublicKey(secret);
}

/** Seals `message` to the X25519 key `recipient`; `ephemeral` is for test vectors only. */
export function seal(recipient, message, ephemeral = boxSecret()) {
  const ephemeralPublic = x25519.getPublicKey(ephemeral);
  // Throws for a small-order `recipient`, whose shared secret would be zero.
  const shared = x25519.getSharedSecret(ephemeral, recipient);
  const sealed = chacha20poly1305(sealKey(shared, ephemeralPublic, recipient), ZERO_NONCE).encrypt(message);
  return u8aConcat(ephemeralPublic, sealed);
}

/** Opens a box sealed to the public key of `secret`; throws if it was not, or was altered. */
export function open(secret, sealed) {
  if (sealed.length < 48) throw new Error('too short to be a sealed box');
  const ephemeralPublic = sealed.subarray(0, 32);
  const shared = x25519.getSharedSecret(secret, ephemeralPublic);
  const key = sealKey(shared, ephemeralPublic, x25519.getPublicKey(secret));
  return chacha20poly1305(key, ZERO_NONCE).decrypt(sealed.subarray(32));
}

// ---- commitments and signed requests ----

/** A share's commitment: BLAKE2b-256 of the share salted and bound to owner, nonce and engine. */
export function commitment(api, { owner, nonce, engine, salt, share }) {
  const payload = api.createType('KmsCommitmentPayload', {
    domain: u8aToHex(stringToU8a('kernel-kms-share-v1')),
    owner: u8aToHex(owner),
    nonce,
    engine: u8aToHex(engine),
    salt: u8aToHex(salt),
    share: u8aToHex(share),
  });
  return blake2AsU8a(payload.toU8a(), 256);
}

/**
 * A signer for engine requests from a browser wallet: `injected` is the `signer` of an
 * `@polkadot/extension-dapp` injection. Wallets sign `<Bytes>…</Bytes>`-wrapped data, which the
 * engines accept.
 */
export function walletSigner(address, injected) {
  return {
    publicKey: decodeAddress(address),
    async signRaw(bytes) {
      const { signature } = await injected.signRaw({ address, data: u8aToHex(bytes), type: 'bytes' });
      return hexToU8a(signature);
    },
  };
}

async function signWith(signer, bytes) {
  return signer.signRaw ? signer.signRaw(bytes) : signer.sign(bytes);
}

/**
 * The authentication headers of a request `signer` (a keyring pair or a `walletSigner`) signs
 * for `engine` (32-byte account).
 */
export async function signedHeaders(api, signer, engine, method, path, body, timestamp = Date.now()) {
  const payload = api.createType('KmsSigningPayload', {
    domain: u8aToHex(stringToU8a('kernel-http-v1')),
    engine: u8aToHex(engine),
    module: u8aToHex(stringToU8a(MODULE)),
    method: u8aToHex(stringToU8a(method)),
    path: u8aToHex(stringToU8a(path)),
    body_hash: u8aToHex(blake2AsU8a(body, 256)),
    timestamp,
  });
  return {
    'x-kernel-account': u8aToHex(signer.publicKey),
    'x-kernel-timestamp': String(timestamp),
    'x-kernel-signature': u8aToHex(await signWith(signer, payload.toU8a())),
  };
}

// ---- engines ----

/** Registered engines as `{ account (32 bytes), address, endpoint }`. */
export async function registeredEngines(api) {
  const entries = await api.query.kernel.engines.entries();
  return entries.map(([key, info]) => {
    const address = key.args[0].toString();
    return { address, account: decodeAddress(address), endpoint: info.unwrap().endpoint.toUtf8() };
  });
}

/**
 * The engines the KMS trusts, with their endpoints if registered:
 * `{ account, address, endpoint, listed, boxKey }`.
 */
export async function engines(api) {
  const registered = await registeredEngines(api);
  const trusted = await (await kmsModule(api)).query(ANYONE, 'engines');
  return trusted.map((entry) => {
    const account = entry.account.toU8a();
    const found = registered.find((e) => u8aEq(e.account, account));
    return {
      account,
      address: encodeAddress(account),
      endpoint: found?.endpoint,
      listed: entry.listed.isTrue,
      boxKey: entry.boxKey.isSome ? entry.boxKey.unwrap().toU8a() : undefined,
    };
  });
}

/**
 * The engines `kms store` uses unless told otherwise: listed by the KMS's admin, registered,
 * and with a published key. Never every registered engine: registering is free.
 */
export async function defaultEngines(api) {
  return (await engines(api)).filter((e) => e.listed && e.endpoint && e.boxKey);
}

/** Waits until every engine of `accounts` has a key on chain; the engines with their keys. */
async function withKeys(api, accounts, { attempts = 90 } = {}) {
  for (let attempt = 1; ; attempt++) {
    const trusted = await engines(api);
    const found = accounts.map((account) => trusted.find((e) => u8aEq(e.account, account)));
    if (found.every((e) => e?.boxKey && e.endpoint)) return found;
    if (attempt >= attempts) {
      const missing = accounts.filter((_, i) => !found[i]?.boxKey).map((a) => encodeAddress(a));
      throw new Error(`no key published on chain by ${missing.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The sharing `id`, decoded, or undefined. */
export async function sharing(api, origin, id) {
  const found = await (await kmsModule(api)).query(origin, 'sharing', id);
  return found.isSome ? found.unwrap() : undefined;
}

/** Sends a signed request to an engine's `path` (under `/shares/`); returns `{ status, body }`. */
export async function engineRequest(api, signer, engine, method, path, body = new Uint8Array()) {
  const full = `/shares/${path}`;
  const headers = await signedHeaders(api, signer, engine.account, method, full, body);
  const response = await fetch(`${engine.endpoint}/modules/${MODULE}${full}`, {
    method,
    headers,
    body: method === 'GET' ? undefined : body,
  });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
}

/**
 * `engineRequest`, repeated while the engine answers with one of `statuses` (up to `attempts`
 * times, a second apart): an engine on another node may not have imported the block that
 * registered the sharing or opened the window yet. Each attempt is signed anew; `body()` is
 * called for each.
 */
export async function engineRequestWhenSynced(api, signer, engine, method, path, body, { statuses = [403, 404], attempts = 15 } = {}) {
  for (let attempt = 1; ; attempt++) {
    const response = await engineRequest(api, signer, engine, method, path, body());
    if (!statuses.includes(response.status) || attempt >= attempts) return response;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// ---- the owner's steps ----

/**
 * Splits `secret` k-of-n over `engineList` (`{ account }`, default `defaultEngines`), registers
 * the sharing with salted commitments (signed by `pair`), waits for each engine's key on chain,
 * and uploads each share sealed to its engine, the requests signed by `httpSigner` (the
 * owner's keyring pair by default, or a `walletSigner` for the same account). Returns
 * `{ id, shares, engines }`. The engines confirm on chain on their own.
 */
export async function store(api, pair, secret, threshold, engineList, { httpSigner: signer = pair } = {}) {
  const chosen = engineList ?? (await defaultEngines(api));
  if (chosen.length === 0) throw new Error('no engine to store on: none is listed with a key; name some with --engines');
  const owner = signer.publicKey;
  const kmsClient = await kmsModule(api);
  const nonce = (await kmsClient.query(encodeAddress(owner), 'next_nonce', u8aToHex(owner))).toBigInt();
  const shares = await splitSecret(secret, chosen.length, threshold);
  const specs = chosen.map((engine, i) => {
    const salt = randomBytes(32);
    const hash = commitment(api, { owner, nonce, engine: engine.account, salt, share: shares[i] });
    return { engine: u8aToHex(engine.account), salt: u8aToHex(salt), commitment: u8aToHex(hash) };
  });
  const registered = await kmsClient.call(pair, 'register', { threshold, nonce, shares: specs });
  const id = registered.value.toBigInt();
  // Engines named here for the first time publish their key once the registration is final.
  const keyed = await withKeys(api, chosen.map((e) => e.account));
  for (const [i, engine] of keyed.entries()) {
    const upload = () => seal(engine.boxKey, shares[i]);
    const { status, body } = await engineRequestWhenSynced(api, signer, engine, 'PUT', `${id}`, upload);
    if (status !== 200) throw new Error(`engine ${engine.address} refused the upload: ${status} ${Buffer.from(body)}`);
  }
  return { id, shares, engines: keyed.map((e) => e.address) };
}

/** Opens a download window of `blocks` blocks for sharing `id`. */
export async function openDownload(api, pair, id, blocks = 20) {
  return (await kmsModule(api)).call(pair, 'open_download', [id, blocks]);
}

/** Downloads one engine's share of `found` (sharing `id`) and checks it; `{ share }` or `{ bad }`. */
async function downloadShare(api, signer, id, found, slot, engine) {
  const reply = boxSecret();
  const { status, body } = await engineRequestWhenSynced(api, signer, engine, 'POST', `${id}/download`, () => boxPublicKey(reply));
  if (status !== 200) return { bad: `answered ${status}: ${Buffer.from(body)}` };
  let share;
  try {
    share = open(reply, body);
  } catch {
    return { bad: 'the answer is not sealed to the key of this request' };
  }
  const expected = commitment(api, { owner: found.owner.toU8a(), nonce: found.nonce.toBigInt(), engine: slot.engine.toU8a(), salt: slot.salt.toU8a(), share });
  return u8aEq(expected, slot.commitment.toU8a()) ? { share } : { bad: 'the share does not match its commitment on chain' };
}

/**
 * Downloads shares of `id` from its engines with requests `signer` signs (a keyring pair or a
 * `walletSigner`), checks each against its commitment on chain, and rebuilds the secret from
 * the first `threshold` good ones. `engineList` (default: the registered engines) gives the
 * endpoints; engines of the sharing not in it are not asked. Returns
 * `{ secret, bad: [{ engine, reason }] }`; throws naming every bad engine if fewer than
 * `threshold` good shares come back.
 */
export async function fetchSecret(api, signer, id, engineList) {
  const found = await sharing(api, encodeAddress(signer.publicKey), id);
  if (!found) throw new Error(`no sharing ${id}`);
  const threshold = found.threshold.toNumber();
  const endpoints = engineList ?? (await registeredEngines(api));
  const shares = [];
  const bad = [];
  for (const slot of found.slots) {
    const account = slot.engine.toU8a();
    const engine = endpoints.find((e) => u8aEq(e.account, account));
    if (!engine) continue;
    const result = await downloadShare(api, signer, id, found, slot, engine);
    if (result.share) shares.push(result.share);
    else bad.push({ engine: encodeAddress(account), reason: result.bad });
    if (shares.length === threshold) return { secret: await combineShares(shares), bad };
  }
  const reasons = bad.map((b) => `${b.engine}: ${b.reason}`).join('; ');
  throw new Error(`only ${shares.length} of ${threshold} good shares: ${reasons}`);
}

/** Asks the engines to delete the shares of `id`. */
export async function remove(api, pair, id) {
  return (await kmsModule(api)).call(pair, 'delete', id);
}

/** The KMS's admin lists (`listed`) or unlists an engine. */
export async function listEngine(api, pair, address, listed = true) {
  const fn = listed ? 'list_engine' : 'unlist_engine';
  return (await kmsModule(api)).call(pair, fn, u8aToHex(decodeAddress(address)));
}

export { hexToU8a };
