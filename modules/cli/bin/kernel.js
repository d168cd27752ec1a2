#!/usr/bin/env node
// kernel: the command-line client of the capability-kernel chain.
//
// A module's parameters are given as JSON, typed by the module's metadata (`--args
// '[{"Account":"//Bob"},100]'`; the metadata is found by the module's name or given with
// `--metadata`), and outputs and events come back decoded. Raw bytes work for any module: hex
// (`--params 0x...`), a file (`--params-file path`), or SCALE built from JSON (`--type
// '(ModuleHolder,u128)' --json ...`). Strings like `//Bob` in JSON become dev account addresses.

import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import * as k from '../lib/client.js';
import * as kmsLib from '../lib/kms.js';

const program = new Command();
program
  .name('kernel')
  .description('Drive the capability-kernel chain: modules, calls, capabilities.')
  .addOption(new Option('--url <url>', 'node WebSocket endpoint').default('ws://127.0.0.1:9944').env('KERNEL_URL'))
  .addOption(new Option('--suri <suri>', 'signer secret URI').default('//Alice').env('KERNEL_SURI'))
  .addOption(new Option('--scheme <scheme>', 'signer key scheme').choices(['sr25519', 'ed25519']).default('sr25519'))
  .addOption(new Option('--timeout <seconds>', 'give up when no node answers within this time').default('10').env('KERNEL_TIMEOUT'))
  .option('--json', 'print results as JSON (default: human-readable)')
  .option('--quiet', 'no progress messages on stderr')
  .option('--no-preflight', 'submit even when a dry run fails (the transaction then fails on chain, paying its fee)')
  .option('--ref-time <ps>', 'weight limit: ref time in picoseconds (default: twice a dry run)')
  .option('--proof-size <bytes>', 'weight limit: proof size')
  .option('--storage-deposit-limit <amount>', 'most to pay in storage deposits, net (default: what a dry run charges)')
  // Options of `kernel` itself come before the command, so that a command's own options can
  // share their names: `kernel --json call counter increment --type u64 --json 5` prints JSON
  // and encodes 5.
  .enablePositionalOptions();

// Progress (transactions, builds) goes to stderr for every command, unless --quiet.
program.hook('preAction', () => {
  k.setProgress(program.opts().quiet ? () => {} : (message) => console.error(message));
});

function bytesOptions(command, prefix = 'params') {
  return command
    .option(`--${prefix} <hex>`, 'SCALE bytes as hex')
    .option(`--${prefix}-file <path>`, 'bytes from a file')
    .option('--type <type>', 'encode --json as this SCALE type')
    .option('--json <json>', 'the value to encode with --type');
}

function typedOptions(command) {
  return command
    .option('--args <json>', "the parameters as JSON, encoded with the module's metadata")
    .option('--metadata <file>', "the module's metadata document (default: found by the module's name; see KERNEL_METADATA_PATH)");
}

/**
 * The metadata a typed command uses (`find` looks it up): required, and checked, when `--args`
 * or `--metadata` asks for it; otherwise only to decode the answer, so a document that does not
 * match the code leaves a raw `--params` call undecoded instead of refusing it.
 */
async function metadataFor(opts, find) {
  if (opts.args !== undefined || opts.metadata !== undefined) return find();
  return find().catch(() => ({}));
}

/** `abi`, or an error saying how to get one, for `--args`. */
function requireAbi(abi, what) {
  if (!abi) {
    throw new Error(`no metadata for ${what}: pass --metadata <file> (kernel build writes it next to the .wasm), or give --params as hex`);
  }
  return abi;
}

/** The params of a typed command: `--args` through the metadata, else the raw bytes options. */
function paramsOf(api, opts, encodeArgs) {
  if (opts.args !== undefined) return encodeArgs(k.resolveAccounts(k.parseJson(opts.args)));
  return k.bytesArg(api, { hex: opts.params, file: opts.paramsFile, type: opts.type, json: opts.json });
}

/** The output decoded with the function's metadata, when there is metadata for it. */
function decodedValue(abi, fn, output, kind) {
  if (!abi || output === undefined) return {};
  try {
    return { value: abi.decodeReturn(fn, output, kind).toHuman() };
  } catch (error) {
    return { valueError: error.message };
  }
}

function capOptions(command) {
  return command
    .option('--cap <ref...>', 'pass capabilities: an id you hold, or rN for the N-th request')
    .option('--request <module:data...>', "request a capability from a module (name or id): data as hex, or JSON typed by the module's metadata");
}

function weightLimit() {
  const { refTime, proofSize } = program.opts();
  if (!refTime && !proofSize) return undefined;
  return {
    refTime: BigInt(refTime ?? k.DEFAULT_WEIGHT_LIMIT.refTime),
    proofSize: BigInt(proofSize ?? k.DEFAULT_WEIGHT_LIMIT.proofSize),
  };
}

function storageDepositLimit() {
  const { storageDepositLimit: limit } = program.opts();
  return limit === undefined ? undefined : BigInt(limit);
}

/**
 * `--request module:data` items: `data` is hex, or JSON encoded with the module's request type
 * from its metadata (`balance:'{"Slashable":{"account":"//Alice","amount":50}}'`).
 */
async function requests(api, list = []) {
  const out = [];
  for (const item of list) {
    const split = item.indexOf(':');
    if (split < 0) throw new Error(`--request wants module:hex or module:json, got ${item}`);
    const [module, data] = [item.slice(0, split), item.slice(split + 1)];
    const typed = !/^0x[0-9a-fA-F]*$/.test(data);
    const encoded = typed
      ? requireAbi(await k.moduleAbi(api, module), module).encodeRequest(k.resolveAccounts(k.parseJson(data)))
      : data;
    out.push({ module: await k.moduleId(api, module), data: encoded });
  }
  return out;
}

/** Stops before submitting when a dry run of `dryRunCall` fails (unless --no-preflight). */
async function preflight(api, pair, dryRunCall) {
  if (program.opts().preflight === false) return;
  await k.preflight(api, pair.address, dryRunCall, weightLimit() ?? null);
}

function print(value) {
  if (program.opts().json) {
    console.log(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  } else {
    console.log(k.humanReadable(value));
  }
}

/** Connects, runs `action`, prints its result, disconnects; reports failures clearly. */
function withApi(action) {
  return async (...args) => {
    const { url, suri, scheme, timeout, quiet } = program.opts();
    k.setProgress(quiet ? () => {} : (message) => console.error(message));
    let api;
    try {
      api = await k.connect(url, { timeoutMs: Number(timeout) * 1000 });
    } catch (error) {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    try {
      print(await action(api, k.signer(suri, scheme), ...args));
    } catch (error) {
      if (error instanceof k.DispatchFailed) {
        console.error(`failed on chain: ${error.message}`);
      } else {
        console.error(`error: ${error.message}`);
      }
      process.exitCode = 1;
    } finally {
      await api.disconnect();
    }
  };
}

/** What a transaction did; `abis` (module id → metadata) decodes those modules' events. */
async function report(api, result, abis = new Map()) {
  const moduleEvents = (await k.moduleEvents(api, result.events, abis)).map(({ module, data, event }) =>
    event ? { module, event: event.toHuman() } : { module, data },
  );
  return {
    block: result.blockHash,
    output: result.output,
    caps: result.caps,
    events: k.kernelEvents(api, result.events),
    ...(moduleEvents.length ? { moduleEvents } : {}),
  };
}

program
  .command('new')
  .description('scaffold a process module crate of its own (a counter to grow into yours) and print its directory')
  .argument('<name>', 'the crate name')
  .option('--dir <parent>', 'where to create it', '.')
  .action((name, opts) => print({ crate: k.newModule(name, opts.dir) }));

program
  .command('test')
  .description("run a module crate's unit tests natively (cargo test for the host, not Wasm)")
  .argument('<crate-dir>', 'the module crate')
  .action((crateDir) => print(k.testModule(crateDir)));

program
  .command('build')
  .description("build a module crate to Wasm, shrink it with wasm-opt, write its metadata next to it, check it against the kernel's rules, and print both paths")
  .argument('<crate-dir>', 'the module crate')
  .action((crateDir) => print(k.buildModule(crateDir)));

program
  .command('describe')
  .description("print a module's interface from its metadata: functions, capabilities, requests, events")
  .argument('<module>', 'a deployed module (name or id), or a metadata .json file')
  .option('--metadata <file>', "the module's metadata document (default: found by the module's name)")
  .action(async (module, opts) => {
    if (module.endsWith('.json') && existsSync(module)) {
      print(new k.ModuleAbi(readFileSync(module, 'utf8')).describe());
      return;
    }
    await withApi(async (api) => requireAbi(await k.moduleAbi(api, module, { file: opts.metadata }), module).describe())();
  });

bytesOptions(
  capOptions(
    program
      .command('deploy')
      .description('deploy a module from a .wasm file')
      .argument('<wasm>', 'the Wasm file')
      .requiredOption('--name <name>', 'unique module name')
      .option('--init <json>', "init's parameters as JSON, encoded with the metadata next to the .wasm (or --metadata)")
      .option('--metadata <file>', 'the metadata document (default: the .json next to the .wasm)'),
  ),
).action(
  withApi(async (api, pair, wasm, opts) => {
    const initParams = () => {
      const file = opts.metadata ?? wasm.replace(/\.wasm$/, '.json');
      if (!existsSync(file)) throw new Error(`no metadata at ${file} for --init: pass --metadata <file>, or give --params as hex`);
      return new k.ModuleAbi(readFileSync(file, 'utf8')).encodeInit(k.resolveAccounts(k.parseJson(opts.init)));
    };
    const args = {
      code: readFileSync(wasm),
      name: opts.name,
      params: opts.init !== undefined
        ? initParams()
        : k.bytesArg(api, { hex: opts.params, file: opts.paramsFile, type: opts.type, json: opts.json }),
      caps: (opts.cap ?? []).map(k.capRef),
      requests: await requests(api, opts.request),
      weightLimit: weightLimit(),
      storageDepositLimit: storageDepositLimit(),
    };
    const { code, name, params, caps, requests: reqs } = args;
    await preflight(api, pair, { Deploy: { code: k.u8aToHex(code), name: k.text(name), params, caps, requests: reqs } });
    const result = await k.deploy(api, pair, args);
    return { module: result.module, ...(await report(api, result)) };
  }),
);

typedOptions(bytesOptions(
  capOptions(
    program
      .command('call')
      .description("call a module's public function")
      .argument('<module>', 'module name or id')
      .argument('<function>', 'function name'),
  ),
)).action(
  withApi(async (api, pair, module, fn, opts) => {
    const { abi } = await metadataFor(opts, async () => ({ abi: await k.moduleAbi(api, module, { file: opts.metadata }) }));
    const args = {
      module,
      fn,
      params: paramsOf(api, opts, (value) => requireAbi(abi, module).encodeArgs(fn, value)),
      caps: (opts.cap ?? []).map(k.capRef),
      requests: await requests(api, opts.request),
      weightLimit: weightLimit(),
      storageDepositLimit: storageDepositLimit(),
    };
    const id = await k.moduleId(api, module);
    await preflight(api, pair, { Call: { module: id, function: k.text(fn), params: args.params, caps: args.caps, requests: args.requests } });
    const result = await k.call(api, pair, args);
    return { ...decodedValue(abi, fn, result.output), ...(await report(api, result, new Map(abi ? [[id, abi]] : []))) };
  }),
);

typedOptions(bytesOptions(
  capOptions(
    program
      .command('invoke')
      .description('invoke (and consume) a capability you hold')
      .argument('<cap>', 'capability id')
      .argument('<function>', 'function name'),
  ),
)).action(
  withApi(async (api, pair, cap, fn, opts) => {
    const { cap: found, abi, kind } = await metadataFor(opts, () => k.capabilityAbi(api, BigInt(cap), { file: opts.metadata }));
    const args = {
      cap: BigInt(cap),
      fn,
      params: paramsOf(api, opts, (value) => requireAbi(abi, `capability ${cap}`).encodeArgs(fn, value, kind)),
      caps: (opts.cap ?? []).map(k.capRef),
      requests: await requests(api, opts.request),
      weightLimit: weightLimit(),
      storageDepositLimit: storageDepositLimit(),
    };
    await preflight(api, pair, { Invoke: { cap: args.cap, function: k.text(fn), params: args.params, caps: args.caps, requests: args.requests } });
    const result = await k.invoke(api, pair, args);
    const abis = new Map(abi ? [[found.creator.module, abi]] : []);
    return { ...decodedValue(abi, fn, result.output, kind), ...(await report(api, result, abis)) };
  }),
);

program
  .command('drop')
  .description('drop a capability you hold (its creator is told)')
  .argument('<cap>', 'capability id')
  .action(
    withApi(async (api, pair, cap) => {
      await preflight(api, pair, { Drop: { cap: BigInt(cap) } });
      return report(api, await k.dropCapability(api, pair, { cap: BigInt(cap), weightLimit: weightLimit(), storageDepositLimit: storageDepositLimit() }));
    }),
  );

program
  .command('forget')
  .description("remove a capability you hold without its creator's on_drop (what it stands for, locked funds say, stays)")
  .argument('<cap>', 'capability id')
  .action(withApi(async (api, pair, cap) => report(api, await k.forgetCapability(api, pair, { cap: BigInt(cap) }))));

program
  .command('fund-ticks')
  .description("pay into a module's account for its on_block runs (TickFee each); it rejoins the per-block round if it can pay one")
  .argument('<module>', 'module id or name')
  .argument('<amount>', 'native units')
  .action(
    withApi(async (api, pair, module, amount) =>
      report(api, await k.fundTicks(api, pair, { module: await k.moduleId(api, module), amount: BigInt(amount) })),
    ),
  );

program
  .command('give')
  .description('give a capability you hold to an account (address or //Name) or a module (module:<id|name>)')
  .argument('<cap>', 'capability id')
  .argument('<to>', 'recipient')
  .action(
    withApi(async (api, pair, cap, to) => {
      const holder = to.startsWith('module:')
        ? { Module: await k.moduleId(api, to.slice('module:'.length)) }
        : { Account: k.address(to) };
      return report(api, await k.giveCapability(api, pair, { cap: BigInt(cap), to: holder }));
    }),
  );

program
  .command('caps')
  .description('list the capabilities a holder holds (default: the signer)')
  .argument('[holder]', 'an address, //Name, or module:<id|name>')
  .action(
    withApi(async (api, pair, holder) => {
      const target = !holder
        ? { Account: pair.address }
        : holder.startsWith('module:')
          ? { Module: await k.moduleId(api, holder.slice('module:'.length)) }
          : { Account: k.address(holder) };
      return k.capabilities(api, target);
    }),
  );

program
  .command('cap')
  .description("show one capability by id: holder, creator, data (decoded with the creator's metadata), parent")
  .argument('<id>', 'capability id')
  .option('--metadata <file>', "the creator's metadata document (default: found by the creator's name)")
  .action(
    withApi(async (api, pair, id, opts) => {
      const { cap, abi, kind } = await k.capabilityAbi(api, BigInt(id), { file: opts.metadata });
      return abi ? { ...cap, kind, value: abi.decodeCapability(cap.data).toHuman() } : cap;
    }),
  );

typedOptions(
  program
    .command('query')
    .description("ask a module's public function without a transaction (a dry run) and print the answer, decoded")
    .argument('<module>', 'module name or id')
    .argument('<function>', 'function name')
    .option('--params <hex>', 'SCALE bytes as hex'),
).action(
  withApi(async (api, pair, module, fn, opts) => {
    const { abi } = await metadataFor(opts, async () => ({ abi: await k.moduleAbi(api, module, { file: opts.metadata }) }));
    const params = paramsOf(api, opts, (value) => requireAbi(abi, module).encodeArgs(fn, value));
    const call = { module: await k.moduleId(api, module), function: k.text(fn), params, caps: [], requests: [] };
    const report = await k.dryRun(api, pair.address, { Call: call });
    if (!report.ok) throw new Error(`${module}.${fn} failed: ${k.failureReason(report)}`);
    return abi ? decodedValue(abi, fn, report.output) : { output: report.output };
  }),
);

program
  .command('storage')
  .description("list a module's state: its keys and values, as the module sees them")
  .argument('<module>', 'name or id')
  .action(withApi(async (api, pair, module) => k.moduleStorage(api, module)));

program
  .command('modules')
  .description('list the deployed modules')
  .action(withApi(async (api) => k.modules(api)));

program
  .command('module')
  .description('show one module')
  .argument('<module>', 'name or id')
  .action(withApi(async (api, pair, module) => k.moduleInfo(api, module)));

program
  .command('upload')
  .description('stage code for an upgrade by hash')
  .argument('<wasm>', 'the Wasm file')
  .action(withApi(async (api, pair, wasm) => {
    const result = await k.uploadCode(api, pair, readFileSync(wasm));
    return { hash: result.hash, block: result.blockHash };
  }));

program
  .command('remove-code')
  .description('remove code you staged and get its deposit back')
  .argument('<hash>', 'the code hash upload printed')
  .action(withApi(async (api, pair, hash) => report(api, await k.removeCode(api, pair, hash))));

program
  .command('encode')
  .description('print the SCALE encoding of a JSON value')
  .argument('<type>', 'a runtime type, e.g. "(ModuleHolder,u128)" (module types: see --args and describe)')
  .argument('<json>', 'the value')
  .action(withApi(async (api, pair, type, json) => ({ hex: k.encode(api, type, k.parseJson(json)) })));

typedOptions(bytesOptions(
  capOptions(
    program
      .command('dry-run')
      .description('run a call, invoke, drop or deploy on a copy of the state and show output, weight and capability flow')
      .argument('<kind>', 'call | invoke | drop | deploy')
      .argument('<target>', 'module (for call), capability id, or the .wasm file (for deploy)')
      .argument('[function]', 'function name (for deploy: the module name)')
      .option('--decode <type>', 'decode the output as this SCALE type (default: with the metadata, when there is one)'),
  ),
)).action(
  withApi(async (api, pair, kind, target, fn, opts) => {
    // The metadata that types `--args` and decodes the output: the module's, the capability
    // creator's, or the one next to the .wasm to deploy.
    const typed = {
      call: async () => ({ abi: await k.moduleAbi(api, target, { file: opts.metadata }) }),
      invoke: async () => k.capabilityAbi(api, BigInt(target), { file: opts.metadata }),
      drop: async () => ({}),
      deploy: async () => {
        const file = opts.metadata ?? target.replace(/\.wasm$/, '.json');
        return existsSync(file) ? { abi: new k.ModuleAbi(readFileSync(file, 'utf8')), init: true } : {};
      },
    };
    if (!typed[kind]) throw new Error('kind must be call, invoke, drop or deploy');
    const { abi, kind: capKind, init } = await metadataFor(opts, typed[kind]);
    const params = paramsOf(api, opts, (value) =>
      init ? requireAbi(abi, target).encodeInit(value) : requireAbi(abi, target).encodeArgs(fn, value, capKind),
    );
    const caps = (opts.cap ?? []).map(k.capRef);
    const reqs = await requests(api, opts.request);
    const calls = {
      call: async () => ({ Call: { module: await k.moduleId(api, target), function: k.text(fn), params, caps, requests: reqs } }),
      invoke: async () => ({ Invoke: { cap: BigInt(target), function: k.text(fn), params, caps, requests: reqs } }),
      drop: async () => ({ Drop: { cap: BigInt(target) } }),
      deploy: async () => {
        if (!fn) throw new Error('dry-run deploy wants <wasm> <name>');
        return { Deploy: { code: k.u8aToHex(readFileSync(target)), name: k.text(fn), params, caps, requests: reqs } };
      },
    };
    const report = await k.dryRun(api, pair.address, await calls[kind](), weightLimit() ?? null);
    if (opts.decode && report.ok) report.decoded = k.decode(api, opts.decode, report.output).toHuman();
    else if (report.ok && abi && !init && kind !== 'drop') Object.assign(report, decodedValue(abi, fn, report.output, capKind));
    if (!report.ok) report.reason = k.failureReason(report);
    return report;
  }),
);

const kms = program.command('kms').description('the secret-sharing key-management service');

kms
  .command('engines')
  .description('list the engines the KMS trusts: endpoint, listed by its admin, key published')
  .action(
    withApi(async (api) =>
      (await kmsLib.engines(api)).map(({ address, endpoint, listed, boxKey }) => ({
        address,
        endpoint: endpoint ?? null,
        listed,
        key: boxKey ? k.u8aToHex(boxKey) : null,
      })),
    ),
  );

kms
  .command('list-engine')
  .description("the KMS's admin: make a registered engine one of the default engines")
  .argument('<address>', 'the engine account')
  .option('--unlist', 'remove it from the default engines instead')
  .action(withApi(async (api, pair, address, opts) => report(api, await kmsLib.listEngine(api, pair, address, !opts.unlist))));

kms
  .command('store')
  .description('split a secret k-of-n over engines, register it on chain and upload each share sealed to its engine')
  .argument('<secret>', 'the secret, as text or 0x hex')
  .requiredOption('--threshold <k>', 'shares needed to rebuild it', Number)
  .option('--engines <addresses>', 'comma-separated registered engine addresses (default: the listed engines with a key)')
  .action(
    withApi(async (api, pair, secret, opts) => {
      let chosen;
      if (opts.engines) {
        const wanted = opts.engines.split(',');
        chosen = (await kmsLib.registeredEngines(api)).filter((e) => wanted.includes(e.address));
        if (chosen.length !== wanted.length) throw new Error('every engine in --engines must be registered');
      }
      const bytes = secret.startsWith('0x') ? kmsLib.hexToU8a(secret) : new TextEncoder().encode(secret);
      const { id, engines } = await kmsLib.store(api, pair, bytes, opts.threshold, chosen);
      return { id, engines };
    }),
  );

kms
  .command('fetch')
  .description('open a download window, download the shares sealed to this request, check each against its commitment and rebuild the secret')
  .argument('<id>', 'the sharing id')
  .option('--blocks <n>', 'length of the download window', Number, 20)
  .action(
    withApi(async (api, pair, id, opts) => {
      await kmsLib.openDownload(api, pair, BigInt(id), opts.blocks);
      const { secret, bad } = await kmsLib.fetchSecret(api, pair, BigInt(id));
      return { hex: k.u8aToHex(secret), text: new TextDecoder().decode(secret), badEngines: bad };
    }),
  );

kms
  .command('delete')
  .description("ask the engines to delete a sharing's shares")
  .argument('<id>', 'the sharing id')
  .action(withApi(async (api, pair, id) => report(api, await kmsLib.remove(api, pair, BigInt(id)))));

kms
  .command('show')
  .description('show a sharing as registered on chain')
  .argument('<id>', 'the sharing id')
  .action(withApi(async (api, pair, id) => (await kmsLib.sharing(api, pair.address, BigInt(id)))?.toHuman() ?? null));

kms
  .command('split')
  .description('split a secret k-of-n locally (Shamir) and print the shares')
  .argument('<secret>', 'the secret, as text or 0x hex')
  .requiredOption('--threshold <k>', 'shares needed', Number)
  .requiredOption('--shares <n>', 'shares to make', Number)
  .action(async (secret, opts) => {
    const bytes = secret.startsWith('0x') ? kmsLib.hexToU8a(secret) : new TextEncoder().encode(secret);
    print((await kmsLib.splitSecret(bytes, opts.shares, opts.threshold)).map((s) => k.u8aToHex(s)));
  });

kms
  .command('combine')
  .description('rebuild a secret from shares')
  .argument('<shares...>', 'hex shares')
  .action(async (shares) => {
    const secret = await kmsLib.combineShares(shares.map((s) => kmsLib.hexToU8a(s)));
    print({ hex: k.u8aToHex(secret), text: new TextDecoder().decode(secret) });
  });

program
  .command('insert-engine-key')
  .description("put an ed25519 engine key (key type kern) into the node's keystore (needs --rpc-methods unsafe)")
  .argument('<suri>', 'the secret URI of the engine key')
  .action(
    withApi(async (api, pair, suri) => {
      const key = k.signer(suri, 'ed25519');
      await api.rpc.author.insertKey('kern', suri, k.u8aToHex(key.publicKey));
      return { engine: key.address };
    }),
  );

program
  .command('fund')
  .description('transfer native tokens (in plancks) from the signer, e.g. to pay an engine\'s fees')
  .argument('<to>', 'address or //Name (add --to-scheme ed25519 for an engine key)')
  .argument('<amount>', 'amount in plancks')
  .option('--to-scheme <scheme>', 'key scheme of a //Name recipient', 'sr25519')
  .action(
    withApi(async (api, pair, to, amount, opts) => {
      const dest = to.startsWith('//') ? k.signer(to, opts.toScheme).address : to;
      return report(api, await k.submit(api, pair, api.tx.balances.transferKeepAlive(dest, BigInt(amount))));
    }),
  );

program
  .command('register-engine')
  .description('register the engine whose ed25519 key is --suri (with --scheme ed25519) at an endpoint')
  .argument('<endpoint>', 'e.g. http://127.0.0.1:8080')
  .action(
    withApi(async (api, pair, endpoint) => report(api, await k.submit(api, pair, api.tx.kernel.registerEngine(endpoint)))),
  );

program
  .command('unregister-engine')
  .description('unregister the engine whose ed25519 key is --suri (with --scheme ed25519)')
  .action(withApi(async (api, pair) => report(api, await k.unregisterEngine(api, pair))));

program.parseAsync().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
