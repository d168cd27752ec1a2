// A thin client for the capability-kernel chain, on top of @polkadot/api.
//
// Everything here goes through the chain's metadata (extrinsics, events, errors, runtime APIs)
// and the modules' own metadata documents (`metadata.js`: calls by name, decoded outputs, events
// and capability data); the few hand-declared types are in `moduleTypes`.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { hexToString, hexToU8a, isHex, u8aToHex, stringToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ModuleAbi } from './metadata.js';
import { modulesDir, wasmOptFlags } from './scaffold.js';

export { METADATA_VERSION, ModuleAbi } from './metadata.js';

/**
 * SCALE types clients need that no module's metadata describes (see `metadata.js` for the
 * modules' own types): the holder of a capability, the parameters of the kernel's
 * `system::upgradable` capability, and the payloads the KMS client hashes and signs for the
 * engines' HTTP gateway (not calls: `secret_sharing::commitment_preimage` and
 * `signing_payload`). Named with a prefix so they never shadow the runtime's own types.
 */
export const moduleTypes = {
  ModuleHolder: { _enum: { Account: 'AccountId32', Module: 'u32' } },
  KernelSystemCap: { _enum: { Upgradable: 'u32', Destroy: 'u32' } },
  KernelCodeSource: { _enum: { Code: 'Bytes', Hash: '[u8; 32]' } },
  KernelUpgradeParams: { code: 'KernelCodeSource', migrate_params: 'Bytes' },
  KmsSigningPayload: {
    domain: 'Bytes',
    engine: '[u8; 32]',
    module: 'Bytes',
    method: 'Bytes',
    path: 'Bytes',
    body_hash: '[u8; 32]',
    timestamp: 'u64',
  },
  KmsCommitmentPayload: { domain: 'Bytes', owner: '[u8; 32]', nonce: 'u64', engine: '[u8; 32]', salt: '[u8; 32]', share: 'Bytes' },
};

/** A weight limit large enough for ordinary calls: 0.5 s and 5 MiB of proof. */
export const DEFAULT_WEIGHT_LIMIT = { refTime: 500_000_000_000n, proofSize: 5n * 1024n * 1024n };

/** No node answered at the endpoint in time. */
export class NodeUnreachable extends Error {}

/**
 * Connects to a node, waiting at most `timeoutMs` for it to answer (`NodeUnreachable` after
 * that). Once connected, the connection is re-established if it drops.
 */
export async function connect(url = 'ws://127.0.0.1:9944', { timeoutMs = 10_000 } = {}) {
  await cryptoWaitReady();
  const provider = new WsProvider(url, 1_000);
  let lastError;
  provider.on('error', (error) => { lastError = error; });
  const api = new ApiPromise({
    provider,
    types: moduleTypes,
    // The kernel's extension signs nothing extra (see `pallet_kernel::ReportFailures`).
    signedExtensions: { KernelReportFailures: { extrinsic: {}, payload: {} } },
    noInitWarn: true,
  });
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
  });
  try {
    await Promise.race([api.isReadyOrError, deadline]);
  } catch (error) {
    await api.disconnect().catch(() => {});
    const reason = lastError?.message || lastError?.type || error.message;
    throw new NodeUnreachable(`no node answers at ${url} within ${timeoutMs / 1000} s (${reason})`);
  } finally {
    clearTimeout(timer);
  }
  return api;
}

/** A key pair from a secret URI such as `//Alice`: sr25519, or `ed25519` for engine keys. */
export function signer(suri = '//Alice', scheme = 'sr25519') {
  return new Keyring({ type: scheme, ss58Format: 42 }).addFromUri(suri);
}

/** The address for an account argument: a secret URI (`//Bob`) or an address. */
export function address(account) {
  return account.startsWith('//') ? signer(account).address : account;
}

/** Replaces every string `//Name` in a JSON value by that dev account's address. */
export function resolveAccounts(value) {
  if (typeof value === 'string') return value.startsWith('//') ? signer(value).address : value;
  if (Array.isArray(value)) return value.map(resolveAccounts);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveAccounts(v)]));
  }
  return value;
}

/** SCALE-encodes `value` as `type` (a runtime or module type, e.g. `(ModuleHolder,u128)`). */
export function encode(api, type, value) {
  return u8aToHex(api.createType(type, resolveAccounts(value)).toU8a());
}

/** Decodes SCALE `bytes` (hex or bytes) as `type`. */
export function decode(api, type, bytes) {
  return api.createType(type, typeof bytes === 'string' ? hexToU8a(bytes) : bytes);
}

/**
 * `JSON.parse`, except that integers beyond `Number.MAX_SAFE_INTEGER` keep every digit: they
 * become decimal strings, which SCALE integer types accept (a `u128` amount needs no quotes).
 */
export function parseJson(text) {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 1;
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const [number] = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i)) ?? [c];
      const integer = /^-?\d+$/.test(number);
      const unsafe = integer && !Number.isSafeInteger(Number(number));
      out += unsafe ? `"${number}"` : number;
      i += number.length - 1;
    } else {
      out += c;
    }
  }
  return JSON.parse(out);
}

/** Hex bytes from a `0x` string, a file (`@path`) or SCALE (`type` + JSON value). */
export function bytesArg(api, { hex, type, json, file }) {
  if (file) return u8aToHex(readFileSync(file));
  if (type) return encode(api, type, json === undefined ? null : parseJson(json));
  if (hex === undefined || hex === '') return '0x';
  if (!isHex(hex)) throw new Error(`not hex: ${hex}`);
  return hex;
}

/** Raw bytes of a UTF-8 string, as hex: how `Vec<u8>` arguments take text. */
export function text(value) {
  return u8aToHex(stringToU8a(value));
}

/** A module id from an id or a name. */
export async function moduleId(api, idOrName) {
  if (/^\d+$/.test(String(idOrName))) return Number(idOrName);
  const id = await api.call.kernelApi.moduleId(text(idOrName));
  if (id.isNone) throw new Error(`no module named ${idOrName}`);
  return id.unwrap().toNumber();
}

/** `Held(id)` or `Request(index)` from `12` or `r0`. */
export function capRef(text) {
  const request = /^r(\d+)$/.exec(text);
  return request ? { Request: Number(request[1]) } : { Held: BigInt(text) };
}

/** Describes a dispatch error with the pallet's own name and docs. */
export function describeError(api, dispatchError) {
  if (dispatchError.isModule) {
    const meta = api.registry.findMetaError(dispatchError.asModule);
    return { section: meta.section, name: meta.name, docs: meta.docs.join(' ') };
  }
  return { section: 'system', name: dispatchError.type, docs: dispatchError.toString() };
}

/**
 * The error thrown when a transaction fails on chain, with the frames that failed on the way
 * when the kernel reported them (`kernel.ExecutionFailed`).
 */
export class DispatchFailed extends Error {
  constructor(error, events, failedFrames = []) {
    const frames = failedFrames.length ? `; failed frames: ${failedFrames.map(frameText).join(', then ')}` : '';
    super(`${error.section}.${error.name}: ${error.docs}${frames}`);
    this.section = error.section;
    this.errorName = error.name;
    this.events = events;
    this.failedFrames = failedFrames;
  }
}

/** Failed frames as the kernel reports them, for people: module ids with names, errors, data. */
async function describeFrames(api, frames) {
  return Promise.all(
    frames.map(async (frame) => ({
      module: frame.module.toNumber(),
      name: (await moduleInfo(api, frame.module.toNumber()))?.name,
      error: describeError(api, frame.error),
      data: frame.data.toHex(),
    })),
  );
}

let progress = () => {};

/** Sets where `submit` reports a transaction's progress (a function of a message; none by default). */
export function setProgress(report) {
  progress = report;
}

/**
 * `value` as indented `key: value` lines for people: nested objects and lists indented, big
 * integers in full, absent values as `-`.
 */
export function humanReadable(value, indent = '') {
  const scalar = (v) => (v === null || v === undefined ? '-' : typeof v === 'object' ? undefined : String(v));
  if (scalar(value) !== undefined) return `${indent}${scalar(value)}`;
  const entries = Array.isArray(value) ? value.map((v) => ['-', v]) : Object.entries(value);
  if (entries.length === 0) return `${indent}${Array.isArray(value) ? '(none)' : '{}'}`;
  return entries
    .map(([key, v]) => {
      const label = key === '-' ? '-' : `${key}:`;
      const flat = scalar(v);
      if (flat !== undefined) return `${indent}${label} ${flat}`;
      const nested = humanReadable(v, `${indent}  `);
      // A list item starts on the dash's line: `- id: 3`.
      if (key === '-') return `${indent}- ${nested.slice(indent.length + 2)}`;
      return `${indent}${label}\n${nested}`;
    })
    .join('\n');
}

/**
 * Signs and submits `tx`, waits until it is in a block, and returns the block hash, its events
 * and the kernel's `Returned` output. Throws `DispatchFailed` if it failed on chain.
 */
export function submit(api, pair, tx) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const what = `${tx.method.section}.${tx.method.method}`;
    progress(`${what}: submitted, waiting for a block…`);
    tx.signAndSend(pair, { nonce: -1 }, (result) => {
      const { status, events, dispatchError } = result;
      if (status.isInBlock) progress(`${what}: in block ${status.asInBlock.toHex()}`);
      // A node that finalizes at once may report `Finalized` without `InBlock` first.
      if (status.isFinalized) progress(`${what}: finalized in block ${status.asFinalized.toHex()}`);
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        unsubscribe();
        reject(new Error(`transaction ${status.type}`));
        return;
      }
      if (!status.isInBlock && !status.isFinalized) return;
      unsubscribe();
      const records = events.map(({ event }) => event);
      if (dispatchError) {
        const reported = records.find((e) => api.events.kernel.ExecutionFailed?.is(e));
        describeFrames(api, reported ? reported.data.failedFrames : [])
          .then((frames) => reject(new DispatchFailed(describeError(api, dispatchError), records, frames)))
          .catch(reject);
        return;
      }
      const returned = records.find((e) => api.events.kernel.Returned.is(e));
      resolve({
        blockHash: (status.isInBlock ? status.asInBlock : status.asFinalized).toHex(),
        events: records,
        output: returned ? returned.data.output.toHex() : undefined,
        caps: returned ? returned.data.caps.map((c) => c.toBigInt()) : [],
      });
    })
      .then((unsub) => { unsubscribe = unsub; })
      .catch(reject);
  });
}

/** Kernel events among `events`, as `{ method, data }` with JSON-friendly data. */
export function kernelEvents(api, events) {
  return events.filter((e) => e.section === 'kernel').map((e) => ({ method: e.method, data: e.data.toHuman() }));
}

/** Requests with their module given by id or name, as the kernel takes them. */
async function requestsArg(api, requests = []) {
  const resolved = [];
  for (const { module, data } of requests) resolved.push({ module: await moduleId(api, module), data });
  return resolved;
}

/** Picks a weight limit: the given one, or twice what a dry run needs. */
export async function weightFor(api, origin, dryRunCall, weightLimit) {
  return (await limitsFor(api, origin, dryRunCall, { weightLimit })).weight;
}

/**
 * Picks a transaction's limits: the weight and storage deposit limits given, or else twice the
 * weight a dry run needs and exactly the deposit it charges (`null`, no limit, when the dry run
 * fails: the transaction then fails on chain with the same error). A weight given without a
 * deposit limit skips the dry run and sets no deposit limit.
 */
export async function limitsFor(api, origin, dryRunCall, { weightLimit, storageDepositLimit } = {}) {
  if (weightLimit) return { weight: weightLimit, deposit: storageDepositLimit ?? null };
  const dry = await api.call.kernelApi.dryRun(origin, dryRunCall, null);
  if (dry.result.isErr) {
    // Let the transaction fail on chain with the same error; give it a modest budget.
    return { weight: DEFAULT_WEIGHT_LIMIT, deposit: storageDepositLimit ?? null };
  }
  const required = dry.weightRequired;
  const charged = dry.storageDeposit.isCharge ? dry.storageDeposit.asCharge.toBigInt() : 0n;
  return {
    weight: {
      refTime: required.refTime.toBigInt() * 2n + 1_000_000_000n,
      proofSize: required.proofSize.toBigInt() * 2n + 64n * 1024n,
    },
    deposit: storageDepositLimit ?? charged,
  };
}

/** Deploys `code` (bytes) as `name`. Returns the new module id with the submission result. */
export async function deploy(api, pair, { code, name, params = '0x', caps = [], requests = [], ...limits }) {
  const codeHex = typeof code === 'string' ? code : u8aToHex(code);
  const reqs = await requestsArg(api, requests);
  const dryRunCall = { Deploy: { code: codeHex, name: text(name), params, caps, requests: reqs } };
  const { weight, deposit } = await limitsFor(api, pair.address, dryRunCall, limits);
  const result = await submit(api, pair, api.tx.kernel.deploy(codeHex, name, params, caps, reqs, weight, deposit));
  const deployed = result.events.find((e) => api.events.kernel.ModuleDeployed.is(e));
  return { ...result, module: deployed.data.module.toNumber() };
}

/** Calls `fn` of `module` (id or name). */
export async function call(api, pair, { module, fn, params = '0x', caps = [], requests = [], ...limits }) {
  const id = await moduleId(api, module);
  const reqs = await requestsArg(api, requests);
  const dryRunCall = { Call: { module: id, function: text(fn), params, caps, requests: reqs } };
  const { weight, deposit } = await limitsFor(api, pair.address, dryRunCall, limits);
  return submit(api, pair, api.tx.kernel.call(id, fn, params, caps, reqs, weight, deposit));
}

/** Invokes capability `cap` with `fn`. */
export async function invoke(api, pair, { cap, fn, params = '0x', caps = [], requests = [], ...limits }) {
  const reqs = await requestsArg(api, requests);
  const dryRunCall = { Invoke: { cap, function: text(fn), params, caps, requests: reqs } };
  const { weight, deposit } = await limitsFor(api, pair.address, dryRunCall, limits);
  return submit(api, pair, api.tx.kernel.invoke(cap, fn, params, caps, reqs, weight, deposit));
}

/** Drops capability `cap`. */
export async function dropCapability(api, pair, { cap, ...limits }) {
  const { weight, deposit } = await limitsFor(api, pair.address, { Drop: { cap } }, limits);
  return submit(api, pair, api.tx.kernel.dropCapability(cap, weight, deposit));
}

/** Gives capability `cap` to `to` (`{ Account: address }` or `{ Module: id }`). */
export function giveCapability(api, pair, { cap, to }) {
  return submit(api, pair, api.tx.kernel.transferCapability(cap, to));
}

/** Removes capability `cap` without telling its creator (no `on_drop`: what it stands for stays). */
export function forgetCapability(api, pair, { cap }) {
  return submit(api, pair, api.tx.kernel.forgetCapability(cap));
}

/** Pays `amount` (native units) into module `module`'s account for its `on_block` runs. */
export function fundTicks(api, pair, { module, amount }) {
  return submit(api, pair, api.tx.kernel.fundTicks(module, amount));
}

/** Stages code for an upgrade by hash; returns its hash. */
export async function uploadCode(api, pair, code) {
  const result = await submit(api, pair, api.tx.kernel.uploadCode(typeof code === 'string' ? code : u8aToHex(code)));
  const uploaded = result.events.find((e) => api.events.kernel.CodeUploaded.is(e));
  // Positional: every codec value has a `hash` getter of its own, which would shadow the field.
  return { ...result, hash: uploaded.data[0].toHex() };
}

/** Capabilities held by `holder` (`{ Account }` or `{ Module }`), all pages. */
export async function capabilities(api, holder, pageSize = 100) {
  const all = [];
  let startAfter = null;
  for (;;) {
    const page = await api.call.kernelApi.capabilities(holder, startAfter, pageSize);
    for (const [id, cap] of page) all.push({ id: id.toBigInt(), ...cap.toJSON() });
    if (page.length < pageSize) return all;
    startAfter = page[page.length - 1][0];
  }
}

/** One capability by id, or `null` if it does not exist (never minted, or consumed). */
export async function capability(api, id) {
  const found = await api.call.kernelApi.capability(BigInt(id));
  return found.isSome ? { id: BigInt(id), ...found.unwrap().toJSON() } : null;
}

/** The key of `module`'s child trie, as the node's `childstate_*` RPCs take it. */
export function moduleChildKey(api, module) {
  const uniqueId = u8aToHex(new Uint8Array([...stringToU8a('kernel:module:'), ...api.createType('u32', module).toU8a()]));
  return u8aToHex(new Uint8Array([...stringToU8a(':child_storage:default:'), ...hexToU8a(uniqueId)]));
}

/**
 * A module's state: every key and value of its child trie, as the module sees them (without
 * the state namespace byte; the code is left out), in key order, a page of `pageSize` at a time.
 */
export async function moduleStorage(api, idOrName, pageSize = 100) {
  const childKey = moduleChildKey(api, await moduleId(api, idOrName));
  const entries = [];
  let startKey = null;
  for (;;) {
    const keys = await api.rpc.childstate.getKeysPaged(childKey, '0x01', pageSize, startKey);
    for (const key of keys) {
      const value = await api.rpc.childstate.getStorage(childKey, key);
      entries.push({ key: u8aToHex(key.toU8a(true).slice(1)), value: value.isSome ? value.unwrap().toHex() : null });
    }
    if (keys.length < pageSize) return entries;
    startKey = keys[keys.length - 1];
  }
}

/** Removes code the signer staged, returning its deposit. */
export function removeCode(api, pair, hash) {
  return submit(api, pair, api.tx.kernel.removeCode(hash));
}

/** Unregisters the signer's engine. */
export function unregisterEngine(api, pair) {
  return submit(api, pair, api.tx.kernel.unregisterEngine());
}

/** Every module's summary. */
export async function modules(api) {
  const all = [];
  let startAfter = null;
  for (;;) {
    const page = await api.call.kernelApi.modules(startAfter, 100);
    all.push(...page.map(summary));
    if (page.length < 100) return all;
    startAfter = page[page.length - 1].id;
  }
}

/** One module's summary, by id or name. */
export async function moduleInfo(api, idOrName) {
  const found = await api.call.kernelApi.module(await moduleId(api, idOrName));
  return found.isSome ? summary(found.unwrap()) : undefined;
}

function summary(module) {
  const json = module.toJSON();
  return { ...json, name: module.name.toUtf8() };
}

/**
 * Where a module's metadata is looked for by its name (`<name>.json`, `-` also as `_`):
 * `$KERNEL_METADATA_PATH` (directories, `:`-separated), then this checkout's standard modules
 * (`target/modules/dist`, written by the workspace build).
 */
export function metadataDirs() {
  const configured = (process.env.KERNEL_METADATA_PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...configured, path.join(modulesDir, '..', 'target', 'modules', 'dist')];
}

/**
 * A deployed module's metadata (`ModuleAbi`): from `file`, or found by the module's name in
 * `metadataDirs()`, and checked against the hash the module's code records, so that metadata of
 * other code is never used to encode a call. `undefined` when none is found by name, or when
 * the one found cannot be checked because the code records no hash; a `file` given for such
 * code is used as given.
 */
export async function moduleAbi(api, idOrName, { file } = {}) {
  const info = await moduleInfo(api, idOrName);
  if (!info) throw new Error(`no module ${idOrName}`);
  const names = [...new Set([info.name, info.name.replace(/-/g, '_')])];
  const candidates = file ? [file] : metadataDirs().flatMap((dir) => names.map((n) => path.join(dir, `${n}.json`)));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    if (file) throw new Error(`no metadata file ${file}`);
    return undefined;
  }
  const abi = new ModuleAbi(readFileSync(found, 'utf8'));
  const recorded = info.metadataHash ?? null;
  if (recorded && abi.hash !== recorded) {
    throw new Error(
      `${found} is not the metadata of the code module ${info.name} runs: the code records ${recorded}, the file hashes to ${abi.hash}`,
    );
  }
  if (!recorded) {
    if (!file) return undefined;
    progress(`${info.name}'s code records no metadata hash: ${file} is used unchecked`);
  }
  return abi;
}

/** The metadata of capability `cap`'s creator and the capability's kind, for typed invokes. */
export async function capabilityAbi(api, cap, { file } = {}) {
  const found = await capability(api, cap);
  if (!found) throw new Error(`no capability ${cap} (never minted, or consumed)`);
  if (found.creator.module === undefined) return { cap: found };
  const abi = await moduleAbi(api, found.creator.module, { file });
  return { cap: found, abi, kind: abi?.capabilityKind(found.data) };
}

/**
 * The module events (`kernel.ModuleEvent`) among `events`: `{ module, data, event }`, with
 * `event` decoded by the module's metadata where it is at hand (`abis` caches it by module id).
 */
export async function moduleEvents(api, events, abis = new Map()) {
  const decoded = [];
  for (const event of events.filter((e) => api.events.kernel.ModuleEvent.is(e))) {
    const module = event.data.module.toNumber();
    if (!abis.has(module)) abis.set(module, await moduleAbi(api, module).catch(() => undefined));
    const data = event.data.data.toHex();
    decoded.push({ module, data, event: abis.get(module)?.decodeEvent(data) });
  }
  return decoded;
}

/**
 * A deployed module driven by name through its metadata, as `@polkadot/api-contract`'s
 * `ContractPromise` drives a contract: `call` and `invoke` encode the parameters and decode the
 * output and the module events; `query` answers from a dry run, with no transaction.
 *
 *   const balance = await ModuleClient.at(api, 'balance');
 *   await balance.call(alice, 'transfer', [{ Account: bob.address }, 100]);
 *   (await balance.query(alice.address, 'account', { Account: bob.address })).free.toBigInt();
 */
export class ModuleClient {
  constructor(api, id, abi) {
    this.api = api;
    this.id = id;
    this.abi = abi;
  }

  /** The module `idOrName`, with its metadata (see `moduleAbi`); throws when there is none. */
  static async at(api, idOrName, { file } = {}) {
    const abi = await moduleAbi(api, idOrName, { file });
    if (!abi) throw new Error(`no metadata for module ${idOrName}: pass { file }`);
    return new ModuleClient(api, await moduleId(api, idOrName), abi);
  }

  /** A request for one of the module's capabilities (a transaction's `requests` entry). */
  request(value) {
    return { module: this.id, data: this.abi.encodeRequest(value) };
  }

  /** Calls public function `fn` with `args`; `options` as `call` takes them (caps, requests, limits). */
  async call(pair, fn, args, options = {}) {
    const params = this.abi.encodeArgs(fn, args);
    return this.#typed(await call(this.api, pair, { ...options, module: this.id, fn, params }), fn);
  }

  /** Invokes capability `cap` (minted by this module) with `fn`, as its kind's function. */
  async invoke(pair, cap, fn, args, options = {}) {
    const kind = await this.kindOf(cap);
    const params = this.abi.encodeArgs(fn, args, kind);
    return this.#typed(await invoke(this.api, pair, { ...options, cap: BigInt(cap), fn, params }), fn, kind);
  }

  /** Answers public function `fn` from a dry run as `origin`: the decoded output. */
  async query(origin, fn, args) {
    const params = this.abi.encodeArgs(fn, args);
    const report = await dryRun(this.api, origin, {
      Call: { module: this.id, function: text(fn), params, caps: [], requests: [] },
    });
    if (!report.ok) throw new DryRunFailed(failureReason(report), report);
    return this.abi.decodeReturn(fn, report.output);
  }

  /** The data of capability `cap`, decoded; throws if this module did not mint it. */
  async capability(cap) {
    const found = await capability(this.api, cap);
    if (!found) throw new Error(`no capability ${cap} (never minted, or consumed)`);
    if (found.creator.module !== this.id) throw new Error(`capability ${cap} was not minted by ${this.abi.name}`);
    return this.abi.decodeCapability(found.data);
  }

  /** The kind of capability `cap` (`Slashable`), as its functions are declared. */
  async kindOf(cap) {
    const found = await capability(this.api, cap);
    if (!found) throw new Error(`no capability ${cap} (never minted, or consumed)`);
    return this.abi.capabilityKind(found.data);
  }

  async #typed(result, fn, kind) {
    const abis = new Map([[this.id, this.abi]]);
    return {
      ...result,
      value: result.output === undefined ? undefined : this.abi.decodeReturn(fn, result.output, kind),
      moduleEvents: await moduleEvents(this.api, result.events, abis),
    };
  }
}

/**
 * Calls a module's public function on a copy of the state and decodes the output as `type`:
 * a read that needs no transaction. Throws if the call fails.
 */
export async function query(api, origin, { module, fn, params = '0x', type }) {
  const report = await dryRun(api, origin, {
    Call: { module: await moduleId(api, module), function: text(fn), params, caps: [], requests: [] },
  });
  if (!report.ok) {
    const why = report.revertData ? hexToString(report.revertData) : `${report.error.section}.${report.error.name}`;
    throw new Error(`${module}.${fn} failed: ${why}`);
  }
  return type ? decode(api, type, report.output) : report.output;
}

/** A dry run failed, so the transaction was not submitted; `reason` says why. */
export class DryRunFailed extends Error {
  constructor(reason, report) {
    super(`the dry run failed, nothing was submitted: ${reason}`);
    this.reason = reason;
    this.report = report;
  }
}

/** Bytes (hex) as text when they are printable text, else as hex; `''` for none. */
function textOrHex(hex) {
  if (!hex || hex === '0x') return '';
  const printable = hexToU8a(hex).every((b) => b >= 0x20 || b === 0x0a || b === 0x09);
  return printable ? hexToString(hex) : hex;
}

/** One failed frame of a dry run: which module, its error, its revert data or panic message. */
function frameText({ module, name, error, data }) {
  const who = name ? `${name} (#${module})` : `module #${module}`;
  const why = textOrHex(data);
  return `${who}: ${error.section}.${error.name}${why ? ` (${why})` : ''}`;
}

/**
 * Why a failed dry run failed: the kernel's error, the module's revert data as text when it is
 * text, and the frames that failed on the way, the first (innermost) first.
 */
export function failureReason(report) {
  const error = `${report.error.section}.${report.error.name}`;
  const revert = textOrHex(report.revertData);
  const reason = revert ? `${error}: ${revert}` : error;
  const frames = report.failedFrames ?? [];
  return frames.length ? `${reason}; failed frames: ${frames.map(frameText).join(', then ')}` : reason;
}

/**
 * Dry-runs `dryRunCall` as `origin` before a transaction: the report if it would succeed,
 * `DryRunFailed` with the reason if not.
 */
export async function preflight(api, origin, dryRunCall, weightLimit = null) {
  const report = await dryRun(api, origin, dryRunCall, weightLimit);
  if (!report.ok) throw new DryRunFailed(failureReason(report), report);
  return report;
}

/** A dry run's net deposit: `{ charge }` or `{ refund }`, in the chain's smallest unit. */
function storageDepositOf(deposit) {
  return deposit.isCharge ? { charge: deposit.asCharge.toBigInt() } : { refund: deposit.asRefund.toBigInt() };
}

/** Dry-runs a `DryRunCall` as `origin`; returns a JSON-friendly report. */
export async function dryRun(api, origin, dryRunCall, weightLimit = null) {
  const result = await api.call.kernelApi.dryRun(origin, dryRunCall, weightLimit);
  const json = result.toHuman();
  return {
    ok: result.result.isOk,
    output: result.result.isOk ? result.result.asOk.data.toHex() : undefined,
    caps: result.result.isOk ? result.result.asOk.caps.map((c) => c.toBigInt()) : [],
    error: result.result.isErr ? describeError(api, result.result.asErr) : undefined,
    revertData: result.revertData.isSome ? result.revertData.unwrap().toHex() : undefined,
    failedFrames: await describeFrames(api, result.failedFrames),
    weightRequired: result.weightRequired.toJSON(),
    fuelUsed: result.fuelUsed.toBigInt(),
    storageDeposit: storageDepositOf(result.storageDeposit),
    events: json.events,
    capabilityFlow: json.capabilityFlow,
  };
}

/**
 * Builds a module crate (of the `modules/` workspace, or one `kernel new` made anywhere) to
 * Wasm, shrinks it with binaryen's `wasm-opt` when it is installed (`WASM_OPT` names another
 * binary), writes its metadata next to it when the crate has a `metadata` feature (recording the
 * document's hash in the code), checks it against the kernel's rules (`checkModule`), and
 * returns `{ wasm, metadata }`: `<target>/kernel/<crate>.wasm` and `.json`.
 */
export function buildModule(crateDir, { release = true } = {}) {
  const manifest = path.resolve(crateDir, 'Cargo.toml');
  const cargoMetadata = JSON.parse(
    execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--manifest-path', manifest], { encoding: 'utf8' }),
  );
  const pkg = cargoMetadata.packages.find((p) => path.resolve(p.manifest_path) === manifest);
  if (!pkg) throw new Error(`no package at ${manifest}`);
  const targetDir = cargoMetadata.target_directory;
  const args = ['build', '--target', 'wasm32-unknown-unknown', '--manifest-path', manifest];
  if (release) args.push('--release');
  progress(`building ${pkg.name}…`);
  execFileSync('cargo', args, {
    // Cargo's progress goes to stderr, keeping stdout for the result.
    stdio: ['ignore', 2, 2],
    cwd: path.dirname(manifest),
    env: { ...process.env, RUSTFLAGS: '-C link-arg=-zstack-size=65536' },
  });
  const dir = path.join(targetDir, 'wasm32-unknown-unknown', release ? 'release' : 'debug');
  const file = `${pkg.name.replace(/-/g, '_')}.wasm`;
  if (!readdirSync(dir).includes(file)) throw new Error(`build produced no ${file} in ${dir}`);
  const out = path.join(targetDir, 'kernel');
  mkdirSync(out, { recursive: true });
  const wasm = path.join(out, file);
  const wasmOpt = process.env.WASM_OPT ?? 'wasm-opt';
  try {
    execFileSync(wasmOpt, [...wasmOptFlags(), path.join(dir, file), '-o', wasm], { stdio: ['ignore', 2, 2] });
    progress(`shrunk with ${wasmOpt}: ${statSync(path.join(dir, file)).size} → ${statSync(wasm).size} bytes`);
  } catch (error) {
    if (error.code !== 'ENOENT') throw new Error(`${wasmOpt} failed on ${path.join(dir, file)}`);
    progress(`${wasmOpt} not found (binaryen): the module is not shrunk, and every call of it loads the larger code`);
    copyFileSync(path.join(dir, file), wasm);
  }
  let metadata;
  if (pkg.features?.metadata) {
    metadata = writeMetadata(pkg, manifest, targetDir, wasm);
  } else {
    progress(`${pkg.name} has no \`metadata\` feature: no metadata written (see docs/writing-a-module.md, "Metadata")`);
  }
  checkModule(wasm);
  return metadata ? { wasm, metadata } : { wasm };
}

/**
 * The program `kernel build` runs natively to write a crate's metadata: it calls the crate's
 * `metadata()` (built with the crate's `metadata` feature) and writes the document next to the
 * `.wasm`, recording its hash in the code (`Metadata::write_beside`).
 */
const METADATA_RUNNER = `// Generated by \`kernel build\`: writes the module's metadata next to its .wasm.
fn main() {
    let wasm = std::env::args().nth(1).expect("the .wasm to describe");
    let written = module::metadata()
        .map_err(|e| e.to_string())
        .and_then(|m| m.write_beside(std::path::Path::new(&wasm)).map_err(|e| e.to_string()));
    match written {
        Ok(path) => println!("{}", path.display()),
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    }
}
`;

/** Runs `METADATA_RUNNER` for the crate (natively, in its target directory); returns the document's path. */
function writeMetadata(pkg, manifest, targetDir, wasm) {
  const runner = path.join(targetDir, 'kernel', 'metadata-runner');
  mkdirSync(path.join(runner, 'src'), { recursive: true });
  const crate = path.dirname(manifest).split(path.sep).join('/');
  const runnerManifest = [
    "# Generated by `kernel build`: runs the module crate's `metadata()` natively.",
    '[package]',
    'name = "kernel-metadata-runner"',
    'version = "0.0.0"',
    'edition = "2021"',
    'publish = false',
    '',
    '[dependencies]',
    `module = { package = "${pkg.name}", path = "${crate}", features = ["metadata"] }`,
    '',
    '[workspace]',
    '',
  ].join('\n');
  writeFileSync(path.join(runner, 'Cargo.toml'), runnerManifest);
  writeFileSync(path.join(runner, 'src', 'main.rs'), METADATA_RUNNER);
  // The module's own lock, so the runner builds with the versions the module builds with.
  const lock = path.join(path.dirname(manifest), 'Cargo.lock');
  if (existsSync(lock) && !existsSync(path.join(runner, 'Cargo.lock'))) copyFileSync(lock, path.join(runner, 'Cargo.lock'));
  progress(`writing the metadata of ${pkg.name}…`);
  try {
    const args = ['run', '--quiet', '--target', hostTarget(), '--manifest-path', path.join(runner, 'Cargo.toml'), '--target-dir', targetDir, '--', wasm];
    return execFileSync('cargo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 2], cwd: runner }).trim();
  } catch (error) {
    if (error.code === 'ENOENT') throw new Error('cargo not found: install Rust (rustup.rs)');
    throw new Error(`writing the metadata of ${pkg.name} failed (cargo's output is above)`);
  }
}

/** The host's target triple, as `rustc -vV` names it. */
function hostTarget() {
  const host = /^host: (.+)$/m.exec(execFileSync('rustc', ['-vV'], { encoding: 'utf8' }))?.[1];
  if (!host) throw new Error('rustc -vV names no host target');
  return host;
}

/**
 * Runs a module crate's unit tests natively: `cargo test` for the host instead of the Wasm
 * target its `.cargo/config.toml` names. Cargo's output goes to stderr; throws when a test
 * fails. Natively the SDK's test kernel (`kernel_sdk::testing::TestEnv`) answers the host
 * functions, so tests reach the module's entry points as well as its plain logic.
 */
export function testModule(crateDir) {
  const manifest = path.resolve(crateDir, 'Cargo.toml');
  const host = hostTarget();
  progress(`testing ${path.dirname(manifest)} on ${host}…`);
  try {
    execFileSync('cargo', ['test', '--target', host, '--manifest-path', manifest], {
      stdio: ['ignore', 2, 2],
      cwd: path.dirname(manifest),
    });
  } catch (error) {
    if (error.code === 'ENOENT') throw new Error('cargo not found: install Rust (rustup.rs)');
    throw new Error(`the tests of ${path.dirname(manifest)} failed (cargo's output is above)`);
  }
  return { passed: true, target: host };
}

/**
 * The node binary whose kernel rules `kernel build` checks modules with: `$KERNEL_NODE`, else
 * the newer of this checkout's release and debug builds, else `kernel-node` on the `PATH`.
 */
function nodeBinary() {
  if (process.env.KERNEL_NODE) return process.env.KERNEL_NODE;
  const built = ['release', 'debug']
    .map((profile) => path.join(modulesDir, '..', 'target', profile, 'kernel-node'))
    .filter((binary) => existsSync(binary))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return built[0] ?? 'kernel-node';
}

/**
 * Checks built code against the kernel's rules (`kernel-node check-module`: the check `deploy`
 * runs, with the limits of the node's runtime) and throws the kernel's refusal: floats, an
 * import that is not a host function, a missing entry point, code too large. Without a node
 * binary it says so and leaves the check to the deploy's dry run.
 */
function checkModule(wasm) {
  const node = nodeBinary();
  try {
    progress(execFileSync(node, ['check-module', wasm], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
  } catch (error) {
    if (error.code === 'ENOENT') {
      progress(`${node} not found: the kernel's rules are checked when the module is deployed (set KERNEL_NODE to check them now)`);
      return;
    }
    throw new Error(error.stderr?.trim() || `${node} check-module failed on ${wasm}`);
  }
}

export { hexToU8a, u8aToHex };
export { newModule } from './scaffold.js';
