// Module metadata: the JSON document `kernel build` writes next to a module's `.wasm` (the
// `kernel-metadata` crate's format). With it, any polkadot.js app encodes a module's calls by
// name and decodes its outputs, events and capability data, in the manner of
// `@polkadot/api-contract`'s `Abi`; the types come from the document, never from a hand-kept
// table.
//
//   const abi = new ModuleAbi(readFileSync('balance.json', 'utf8'));
//   const params = abi.encodeArgs('transfer', [{ Account: bob.address }, 100]);
//   abi.decodeReturn('account', output).toJSON();   // { free: ..., locked: ... }
//   abi.decodeEvent(event.data.data).toHuman();       // { Transferred: { from, to, amount } }

import { Enum, TypeRegistry } from '@polkadot/types';
import { hexToU8a, isU8a, u8aToHex } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';

/** The document format this library reads. */
export const METADATA_VERSION = 1;

/** A module's interface, read from its metadata document. */
export class ModuleAbi {
  /**
   * `document`: the JSON text (its hash is then known, to check against the chain) or the
   * parsed object.
   */
  constructor(document) {
    const json = typeof document === 'string' ? JSON.parse(document) : document;
    if (json?.version !== METADATA_VERSION) {
      throw new Error(`module metadata format ${json?.version}; this library reads format ${METADATA_VERSION}`);
    }
    this.json = json;
    this.name = json.name;
    this.docs = json.docs ?? [];
    this.functions = json.functions;
    /** BLAKE2b-256 of the document as written: what the module's code records. */
    this.hash = typeof document === 'string' ? blake2AsHex(document, 256) : undefined;
    this.registry = new TypeRegistry();
    this.registry.setLookup(this.registry.createType('PortableRegistry', json.types, true));
  }

  /**
   * The function `name`: the public one, or, with `kind` (a capability kind such as
   * `Slashable`), the one invoked on capabilities of that kind. Throws, naming those there are.
   */
  function(name, kind) {
    const onSide = this.functions.filter((f) => (kind === undefined ? !f.capabilities?.length : f.capabilities?.includes(kind)));
    const found = onSide.find((f) => f.name === name);
    if (found) return found;
    const side = kind === undefined ? 'public' : `on ${kind}`;
    const known = onSide.map((f) => f.name).join(', ') || 'none';
    throw new Error(`${this.name} has no ${side} function ${name} (it has: ${known})`);
  }

  /** A value of type `id` from JSON-like `value` (addresses for accounts, strings for big integers). */
  createType(id, value) {
    return this.registry.createTypeUnsafe(this.registry.createLookupType(id), value === undefined ? [] : [value]);
  }

  /** Decodes SCALE `bytes` (hex or bytes) as type `id`; throws if they are not exactly one value. */
  decodeType(id, bytes) {
    const u8a = isU8a(bytes) ? bytes : hexToU8a(bytes);
    const value = this.registry.createTypeUnsafe(this.registry.createLookupType(id), [u8a]);
    if (value.encodedLength !== u8a.length) {
      throw new Error(`${u8a.length} bytes are not one ${this.typeName(id)} (${value.encodedLength} decoded)`);
    }
    return value;
  }

  /** The SCALE bytes (hex) of function `name`'s parameters, from `value`. */
  encodeArgs(name, value, kind) {
    return u8aToHex(this.createType(this.function(name, kind).args, value).toU8a());
  }

  /** Function `name`'s output value, decoded. */
  decodeReturn(name, bytes, kind) {
    return this.decodeType(this.function(name, kind).returns, bytes);
  }

  /** `init`'s parameters (what `deploy` passes), from `value`. */
  encodeInit(value) {
    if (this.json.init == null) throw new Error(`${this.name} takes no init parameters`);
    return u8aToHex(this.createType(this.json.init, value).toU8a());
  }

  /** The data of a request for one of the module's capabilities, from `value`. */
  encodeRequest(value) {
    if (this.json.request == null) throw new Error(`${this.name} takes no requests`);
    return u8aToHex(this.createType(this.json.request, value).toU8a());
  }

  /** One of the module's events (the data of `Kernel::ModuleEvent`), decoded. */
  decodeEvent(bytes) {
    if (this.json.event == null) throw new Error(`${this.name} emits no events`);
    return this.decodeType(this.json.event, bytes);
  }

  /** The data of a capability the module minted, decoded. */
  decodeCapability(bytes) {
    if (this.json.capability == null) throw new Error(`${this.name} mints no capabilities`);
    return this.decodeType(this.json.capability, bytes);
  }

  /**
   * A capability's kind, as functions name it: the variant of its data (`Slashable`) when the
   * data is an enum, else the data type's own name.
   */
  capabilityKind(bytes) {
    const data = this.decodeCapability(bytes);
    if (data instanceof Enum) return data.type;
    return this.#types.get(this.json.capability)?.path?.at(-1);
  }

  /** The readable name of type `id`: `BalanceCap`, `(Holder, u128)`, `Option<Account>`, `Vec<u8>`. */
  typeName(id) {
    const ty = this.#types.get(id);
    if (!ty) return `#${id}`;
    const { path = [], params = [], def } = ty;
    if (path.length) {
      const args = params.filter((p) => p.type != null).map((p) => this.typeName(p.type));
      return args.length ? `${path.at(-1)}<${args.join(', ')}>` : path.at(-1);
    }
    const [kind, inner] = Object.entries(def)[0];
    switch (kind) {
      case 'primitive': return inner;
      case 'sequence': return `Vec<${this.typeName(inner.type)}>`;
      case 'array': return `[${this.typeName(inner.type)}; ${inner.len}]`;
      case 'tuple': return `(${inner.map((t) => this.typeName(t)).join(', ')})`;
      case 'compact': return `Compact<${this.typeName(inner.type)}>`;
      default: return kind;
    }
  }

  /** The document's types by id. */
  get #types() {
    this.#typesById ??= new Map(this.json.types.types.map((t) => [t.id, t.type]));
    return this.#typesById;
  }

  #typesById;

  /** The interface as people read it: one entry per function, with docs. */
  describe() {
    const signature = (f) => `${f.name}(${f.args_type === '()' ? '' : f.args_type}) -> ${f.returns_type}`;
    const entry = (f) => ({
      function: signature(f),
      ...(f.capabilities?.length ? { on: f.capabilities.join(' | ') } : {}),
      ...(f.mutates ? {} : { reads: 'only' }),
      docs: f.docs.join(' '),
    });
    const optionalType = (id) => (id == null ? '-' : this.typeName(id));
    return {
      module: this.name,
      docs: this.docs.join(' '),
      hash: this.hash,
      init: optionalType(this.json.init),
      functions: this.functions.filter((f) => !f.capabilities?.length).map(entry),
      capability: optionalType(this.json.capability),
      invoked: this.functions.filter((f) => f.capabilities?.length).map(entry),
      request: optionalType(this.json.request),
      event: optionalType(this.json.event),
      revert: this.json.revert,
    };
  }
}
