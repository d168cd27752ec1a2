// The client side of the `secret-sharing` KMS: Shamir splitting and combining, signed HTTP
// requests to execution engines, and the on-chain steps (register, open a download window,
// delete). See modules/interfaces/src/secret_sharing.rs for the scheme.

import { split, combine } from 'shamir-secret-sharing';
import { u8aToHex, hexToU8a, stringToU8a } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import * as k from './client.js';

/** The module's name. */
export const MODULE = 'secret-sharing';

/** Splits `secret` (bytes) into `shares` shares of which `threshold` rebuild it. */
export function splitSecret(secret, shares, threshold) {
  return split(secret, shares, threshold);
}

/** Rebuilds a secret from at least `threshold` shares. */
export function combineShares(shares) {
  return combine(shares);
}

/** BLAKE2b-256 of `bytes`: a share's commitment, a body's hash. */
export function commitment(bytes) {
  return blake2AsU8a(bytes, 256);
}

/** The authentication headers of a request `pair` signs for `engine` (32-byte account). */
export function signedHeaders(api, pair, engine, method, path, body, timestamp = Date.now()) {
  const payload = api.createType('KmsSigningPayload', {
    domain: u8aToHex(stringToU8a('kernel-http-v1')),
    engine: u8aToHex(engine),
    module: u8aToHex(stringToU8a(MODULE)),
    method: u8aToHex(stringToU8a(method)),
    path: u8aToHex(stringToU8a(path)),
    body_hash: u8aToHex(commitment(body)),
    timestamp,
  });
  return {
    'x-kernel-account': u8aToHex(pair.publicKey),
    'x-kernel-timestamp': String(timestamp),
    'x-kernel-signature': u8aToHex(pair.sign(payload.toU8a())),
  };
}

/** Registered engines as `{ account (32 bytes), address, endpoint }`. */
export async function engines(api) {
  const entries = await api.query.kernel.engines.entries();
  return entries.map(([key, info]) => {
    const address = key.args[0].toString();
    return { address, account: decodeAddress(address), endpoint: info.unwrap().endpoint.toUtf8() };
  });
}

/** The sharing `id`, decoded, or undefined. */
export async function sharing(api, origin, id) {
  const found = await k.query(api, origin, {
    module: MODULE,
    fn: 'sharing',
    params: k.encode(api, 'u64', id),
    type: 'Option<KmsSharing>',
  });
  return found.isSome ? found.unwrap() : undefined;
}

/** Sends a signed request to an engine; returns `{ status, body }`. */
export async function engineRequest(api, pair, engine, method, id, body = new Uint8Array()) {
  const path = `/shares/${id}`;
  const headers = signedHeaders(api, pair, engine.account, method, path, body);
  const response = await fetch(`${engine.endpoint}/modules/${MODULE}${path}`, {
    method,
    headers,
    body: method === 'GET' ? undefined : body,
  });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
}

/**
 * `engineRequest`, repeated while the engine answers with one of `statuses` (up to `attempts`
 * times, a second apart): an engine on another node may not have imported the block that
 * registered the sharing or opened the window yet. Each attempt is signed anew.
 */
export async function engineRequestWhenSynced(api, pair, engine, method, id, body, { statuses = [403, 404], attempts = 15 } = {}) {
  for (let attempt = 1; ; attempt++) {
    const response = await engineRequest(api, pair, engine, method, id, body);
    if (!statuses.includes(response.status) || attempt >= attempts) return response;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Splits `secret` k-of-n over `engineList`, registers the sharing, uploads each share to its
 * engine and returns the sharing id. The engines confirm on chain on their own.
 */
export async function store(api, pair, secret, threshold, engineList) {
  const shares = await splitSecret(secret, engineList.length, threshold);
  const args = k.encode(api, 'KmsRegisterArgs', {
    threshold,
    shares: engineList.map((engine, i) => [u8aToHex(engine.account), u8aToHex(commitment(shares[i]))]),
  });
  const registered = await k.call(api, pair, { module: MODULE, fn: 'register', params: args });
  const id = k.decode(api, 'u64', registered.output).toBigInt();
  for (const [i, engine] of engineList.entries()) {
    const { status, body } = await engineRequestWhenSynced(api, pair, engine, 'PUT', id, shares[i]);
    if (status !== 200) throw new Error(`engine ${engine.address} refused the upload: ${status} ${Buffer.from(body)}`);
  }
  return { id, shares };
}

/** Opens a download window of `blocks` blocks for sharing `id`. */
export async function openDownload(api, pair, id, blocks = 20) {
  return k.call(api, pair, { module: MODULE, fn: 'open_download', params: k.encode(api, '(u64,u64)', [id, blocks]) });
}

/** Downloads shares of `id` from engines until `threshold` are in hand, and rebuilds. */
export async function fetchSecret(api, pair, id, engineList) {
  const found = await sharing(api, pair.address, id);
  if (!found) throw new Error(`no sharing ${id}`);
  const threshold = found.threshold.toNumber();
  const shares = [];
  for (const engine of engineList) {
    const { status, body } = await engineRequestWhenSynced(api, pair, engine, 'GET', id);
    if (status === 200) shares.push(body);
    if (shares.length === threshold) return combineShares(shares);
  }
  throw new Error(`only ${shares.length} of ${threshold} shares could be downloaded`);
}

/** Asks the engines to delete the shares of `id`. */
export async function remove(api, pair, id) {
  return k.call(api, pair, { module: MODULE, fn: 'delete', params: k.encode(api, 'u64', id) });
}

export { hexToU8a };
