//! # kernel-metadata
//!
//! What a process module offers its callers, as one versioned JSON document: its public
//! functions (argument and return types, whether they change state), the data of the
//! capabilities it mints with the functions each kind accepts, what users may request from it,
//! its events and how its revert data reads. Types are described with `scale-info`, in the
//! `PortableRegistry` form that polkadot.js (`@polkadot/types`) and subxt read, so a client
//! encodes calls by name and decodes outputs, events and capability data with no hand-written
//! type table.
//!
//! A module describes itself with a [`Builder`]; the build writes the document next to the
//! `.wasm` and records its hash in the code ([`Metadata::write_beside`]), where the chain keeps
//! it: a client checks a document against the code that runs with [`Metadata::hash`] and the
//! hash the kernel reports (see `kernel_primitives::metadata`).
//!
//! ```
//! use kernel_metadata::Builder;
//!
//! let metadata = Builder::new("counter")
//!     .docs(&["Counts calls per account."])
//!     .call::<(), u64>("bump", &["Adds one to the caller's count; returns it."])
//!     .query::<[u8; 32], u64>("count", &["An account's count."])
//!     .build()
//!     .unwrap();
//! let json = metadata.to_json();
//! assert_eq!(kernel_metadata::Metadata::from_json(&json).unwrap(), metadata);
//! ```

use scale_info::{
	meta_type, Field, Path as TypePath, PortableRegistry, PortableType, Registry, Type, TypeDef,
	TypeDefComposite, TypeDefPrimitive,
};
use serde::{Deserialize, Serialize};
use std::{
	fmt, fs, io,
	path::{Path, PathBuf},
};

/// For `#[derive(TypeInfo)]` in a module crate that depends on `kernel-sdk` alone: add
/// `#[scale_info(crate = kernel_sdk::metadata::scale_info)]`.
pub use scale_info::{self, TypeInfo};

/// The version of the document format this crate writes and reads.
pub const VERSION: u32 = 1;

/// A type in [`Metadata::types`], by id.
pub type TypeId = u32;

/// What a process module offers its callers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
	/// The document format: [`VERSION`].
	pub version: u32,
	/// The module's conventional name (the one it is usually deployed under).
	pub name: String,
	/// What it is for.
	pub docs: Vec<String>,
	/// The parameters of `init` (what `deploy` passes), if it takes any.
	pub init: Option<TypeId>,
	/// Its functions: public ones (`Kernel::call`) and those invoked on its capabilities
	/// (`Kernel::invoke`).
	pub functions: Vec<Function>,
	/// The data of the capabilities it mints.
	pub capability: Option<TypeId>,
	/// What a user may put in a transaction's `requests` to it.
	pub request: Option<TypeId>,
	/// Its events (the data of `Kernel::ModuleEvent`).
	pub event: Option<TypeId>,
	/// How its revert data (the reason a call failed) reads.
	pub revert: Revert,
	/// Every type the ids above name.
	pub types: PortableRegistry,
}

/// One function of a module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
	/// Its name, as `Kernel::call` and `Kernel::invoke` take it.
	pub name: String,
	/// The capability kinds (variants of [`Metadata::capability`]) it is invoked on; empty for
	/// a public function. A name may be both (`balance`'s `transfer`).
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub capabilities: Vec<String>,
	/// Whether it may change state; one that does not answers a dry run as well as a call.
	pub mutates: bool,
	/// Its parameters.
	pub args: TypeId,
	/// Its output value.
	pub returns: TypeId,
	/// The parameters' type as the source spells it (for people; clients decode with `args`).
	pub args_type: String,
	/// The output's type as the source spells it.
	pub returns_type: String,
	/// What it does.
	pub docs: Vec<String>,
}

impl Function {
	/// Whether it is public (called with `Kernel::call`) rather than invoked on a capability.
	pub fn is_public(&self) -> bool {
		self.capabilities.is_empty()
	}
}

/// How a module's revert data reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revert {
	/// UTF-8 text, as the SDK's `Error::revert_data` writes it.
	Text,
}

/// Why a document could not be built or read.
#[derive(Debug)]
pub enum Error {
	/// Two functions of the same name on the same side (public, or one capability kind).
	DuplicateFunction(String),
	/// A function is invoked on a capability kind that the capability data does not have, or
	/// the module mints no capability at all.
	UnknownKind {
		/// The function.
		function: String,
		/// The kind it names.
		kind: String,
	},
	/// A document of another format version.
	Version(u32),
	/// Not a metadata document.
	Json(serde_json::Error),
	/// The code is not a well-formed Wasm module.
	NotWasm,
	/// Reading or writing a file.
	Io(io::Error),
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Error::DuplicateFunction(name) => write!(f, "function `{name}` is declared twice"),
			Error::UnknownKind { function, kind } => write!(
				f,
				"function `{function}` is invoked on `{kind}`, which is not a kind of the \
				 module's capability data"
			),
			Error::Version(version) => {
				write!(f, "metadata format {version}; this tool reads format {VERSION}")
			},
			Error::Json(error) => write!(f, "not a module metadata document: {error}"),
			Error::NotWasm => write!(f, "not a well-formed Wasm module"),
			Error::Io(error) => write!(f, "{error}"),
		}
	}
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
	fn from(error: io::Error) -> Self {
		Error::Io(error)
	}
}

impl Metadata {
	/// The document, as the build writes it (pretty-printed JSON).
	pub fn to_json(&self) -> String {
		serde_json::to_string_pretty(self).expect("metadata is plain data; it always serializes")
	}

	/// Reads a document, refusing other format versions.
	pub fn from_json(json: &str) -> Result<Self, Error> {
		#[derive(Deserialize)]
		struct Versioned {
			version: u32,
		}
		let Versioned { version } = serde_json::from_str(json).map_err(Error::Json)?;
		if version != VERSION {
			return Err(Error::Version(version));
		}
		serde_json::from_str(json).map_err(Error::Json)
	}

	/// The hash code records for a document: BLAKE2b-256 of its bytes exactly as written.
	pub fn hash(json: &str) -> [u8; 32] {
		use blake2::{digest::consts::U32, Blake2b, Digest};
		Blake2b::<U32>::digest(json.as_bytes()).into()
	}

	/// Writes the document next to `wasm` (`name.wasm` → `name.json`) and records its hash in
	/// the code (see `kernel_primitives::metadata`), replacing any hash recorded before.
	/// Returns the document's path.
	pub fn write_beside(&self, wasm: &Path) -> Result<PathBuf, Error> {
		let json = self.to_json();
		let code = fs::read(wasm)?;
		let code = kernel_primitives::metadata::with_hash(&code, &Self::hash(&json))
			.ok_or(Error::NotWasm)?;
		let path = wasm.with_extension("json");
		fs::write(&path, &json)?;
		fs::write(wasm, code)?;
		Ok(path)
	}

	/// The function `name`: the public one, or, given a capability kind, the one invoked on it.
	pub fn function(&self, name: &str, kind: Option<&str>) -> Option<&Function> {
		self.functions.iter().find(|f| {
			f.name == name && kind.map_or(f.is_public(), |k| f.capabilities.iter().any(|c| c == k))
		})
	}
}

/// Describes a module, one part at a time; [`Builder::build`] checks the parts fit.
pub struct Builder {
	registry: Registry,
	name: String,
	docs: Vec<String>,
	init: Option<TypeId>,
	capability: Option<TypeId>,
	request: Option<TypeId>,
	event: Option<TypeId>,
	functions: Vec<Function>,
}

impl Builder {
	/// A module conventionally deployed as `name`.
	pub fn new(name: &str) -> Self {
		Self {
			registry: Registry::new(),
			name: name.into(),
			docs: Vec::new(),
			init: None,
			capability: None,
			request: None,
			event: None,
			functions: Vec::new(),
		}
	}

	/// What the module is for, one line per item.
	pub fn docs(mut self, docs: &[&str]) -> Self {
		self.docs = lines(docs);
		self
	}

	/// `init` takes parameters of type `T`.
	pub fn init<T: TypeInfo + 'static>(mut self) -> Self {
		self.init = Some(self.register::<T>());
		self
	}

	/// The capabilities the module mints carry data of type `T`; if `T` is an enum, its
	/// variants are the kinds [`Builder::invoke`] names.
	pub fn capability<T: TypeInfo + 'static>(mut self) -> Self {
		self.capability = Some(self.register::<T>());
		self
	}

	/// Users request capabilities with data of type `T`.
	pub fn request<T: TypeInfo + 'static>(mut self) -> Self {
		self.request = Some(self.register::<T>());
		self
	}

	/// The module emits events of type `T`.
	pub fn event<T: TypeInfo + 'static>(mut self) -> Self {
		self.event = Some(self.register::<T>());
		self
	}

	/// A public function that may change state.
	pub fn call<Args: TypeInfo + 'static, Returns: TypeInfo + 'static>(
		self,
		name: &str,
		docs: &[&str],
	) -> Self {
		self.function::<Args, Returns>(name, &[], true, docs)
	}

	/// A public function that only reads.
	pub fn query<Args: TypeInfo + 'static, Returns: TypeInfo + 'static>(
		self,
		name: &str,
		docs: &[&str],
	) -> Self {
		self.function::<Args, Returns>(name, &[], false, docs)
	}

	/// A function invoked on capabilities of the given kinds (invoking consumes the capability).
	pub fn invoke<Args: TypeInfo + 'static, Returns: TypeInfo + 'static>(
		self,
		kinds: &[&str],
		name: &str,
		docs: &[&str],
	) -> Self {
		self.function::<Args, Returns>(name, kinds, true, docs)
	}

	fn function<Args: TypeInfo + 'static, Returns: TypeInfo + 'static>(
		mut self,
		name: &str,
		kinds: &[&str],
		mutates: bool,
		docs: &[&str],
	) -> Self {
		let args = self.register::<Args>();
		let returns = self.register::<Returns>();
		self.functions.push(Function {
			name: name.into(),
			capabilities: kinds.iter().map(|k| (*k).into()).collect(),
			mutates,
			args,
			returns,
			args_type: std::any::type_name::<Args>().into(),
			returns_type: std::any::type_name::<Returns>().into(),
			docs: lines(docs),
		});
		self
	}

	/// Names the last function's parameter and output types as the source spells them
	/// (`AccountId` rather than `[u8; 32]`): what people read, and how an account argument is
	/// told from other 32 bytes (see [`Builder::build`]).
	pub fn type_names(mut self, args: &str, returns: &str) -> Self {
		if let Some(last) = self.functions.last_mut() {
			last.args_type = args.into();
			last.returns_type = returns.into();
		}
		self
	}

	fn register<T: TypeInfo + 'static>(&mut self) -> TypeId {
		self.registry.register_type(&meta_type::<T>()).id
	}

	/// The document, once every function is unique on its side and every capability kind
	/// named exists. Accounts get a type of their own: every `[u8; 32]` field or argument the
	/// source spells `AccountId` becomes the runtime's `sp_core::crypto::AccountId32` (the same
	/// encoding), so that clients show and take it as an address.
	pub fn build(mut self) -> Result<Metadata, Error> {
		let mut types = PortableRegistry::from(self.registry);
		name_accounts(&mut types, &mut self.functions);
		let kinds = self.capability.map(|id| kinds_of(&types, id));
		for (i, function) in self.functions.iter().enumerate() {
			let clash = self.functions[..i].iter().any(|earlier| {
				earlier.name == function.name
					&& (earlier.is_public() && function.is_public()
						|| earlier.capabilities.iter().any(|k| function.capabilities.contains(k)))
			});
			if clash {
				return Err(Error::DuplicateFunction(function.name.clone()));
			}
			for kind in &function.capabilities {
				if !kinds.as_ref().is_some_and(|known| known.accepts(kind)) {
					return Err(Error::UnknownKind {
						function: function.name.clone(),
						kind: kind.clone(),
					});
				}
			}
		}
		Ok(Metadata {
			version: VERSION,
			name: self.name,
			docs: self.docs,
			init: self.init,
			functions: self.functions,
			capability: self.capability,
			request: self.request,
			event: self.event,
			revert: Revert::Text,
			types,
		})
	}
}

/// The kinds of a capability data type.
enum Kinds {
	/// The variants of an enum.
	Variants(Vec<String>),
	/// Any other type is one kind, named by its type's name.
	One(Option<String>),
}

impl Kinds {
	fn accepts(&self, kind: &str) -> bool {
		match self {
			Kinds::Variants(names) => names.iter().any(|name| name == kind),
			Kinds::One(name) => name.as_deref() == Some(kind),
		}
	}
}

fn kinds_of(types: &PortableRegistry, id: TypeId) -> Kinds {
	match types.resolve(id) {
		Some(ty) => match &ty.type_def {
			TypeDef::Variant(variant) => {
				Kinds::Variants(variant.variants.iter().map(|v| v.name.clone()).collect())
			},
			_ => Kinds::One(ty.path.ident()),
		},
		None => Kinds::One(None),
	}
}

/// How modules spell the account type (`kernel_sdk::AccountId`, `module_interfaces::AccountId`).
const ACCOUNT_TYPE_NAMES: &[&str] = &["AccountId", "AccountIdBytes"];

/// The path polkadot.js and subxt know the runtime's account type by.
const ACCOUNT_PATH: [&str; 3] = ["sp_core", "crypto", "AccountId32"];

/// Points every `[u8; 32]` spelled as an account (a field's type name, a function's parameter
/// or output type) at a new `AccountId32` composite wrapping the `[u8; 32]`.
fn name_accounts(types: &mut PortableRegistry, functions: &mut [Function]) {
	let is_u8 = |types: &PortableRegistry, id: TypeId| {
		types
			.resolve(id)
			.is_some_and(|t| matches!(t.type_def, TypeDef::Primitive(TypeDefPrimitive::U8)))
	};
	let Some(bytes32) = types
		.types
		.iter()
		.find(
			|t| matches!(&t.ty.type_def, TypeDef::Array(a) if a.len == 32 && is_u8(types, a.type_param.id)),
		)
		.map(|t| t.id)
	else {
		return;
	};
	let account = types.types.len() as TypeId;
	let spelled_as_account = |name: &str| ACCOUNT_TYPE_NAMES.contains(&name);
	let mut used = false;
	for ty in &mut types.types {
		// `Holder<AccountId>`'s parameter too, so that its name reads as it is meant.
		for param in &mut ty.ty.type_params {
			if param.ty.as_ref().is_some_and(|t| t.id == bytes32) && spelled_as_account(&param.name)
			{
				param.ty = Some(account.into());
			}
		}
		let fields: Vec<&mut Field<_>> = match &mut ty.ty.type_def {
			TypeDef::Composite(composite) => composite.fields.iter_mut().collect(),
			TypeDef::Variant(variant) => {
				variant.variants.iter_mut().flat_map(|v| v.fields.iter_mut()).collect()
			},
			_ => Vec::new(),
		};
		for field in fields {
			if field.ty.id == bytes32 && field.type_name.as_deref().is_some_and(spelled_as_account)
			{
				field.ty = account.into();
				used = true;
			}
		}
	}
	for function in functions.iter_mut() {
		for (id, name) in [
			(&mut function.args, &function.args_type),
			(&mut function.returns, &function.returns_type),
		] {
			if *id == bytes32 && spelled_as_account(name) {
				*id = account;
				used = true;
			}
		}
	}
	if used {
		let wrapped = Field {
			name: None,
			ty: bytes32.into(),
			type_name: Some("[u8; 32]".into()),
			docs: Vec::new(),
		};
		types.types.push(PortableType {
			id: account,
			ty: Type {
				path: TypePath::from_segments_unchecked(ACCOUNT_PATH.map(String::from)),
				type_params: Vec::new(),
				type_def: TypeDef::Composite(TypeDefComposite { fields: vec![wrapped] }),
				docs: vec!["An account: its 32-byte public key.".into()],
			},
		});
	}
}

/// Doc lines as Rust doc comments give them (`/// text` is `" text"`), without the one space.
fn lines(docs: &[&str]) -> Vec<String> {
	docs.iter().map(|line| line.strip_prefix(' ').unwrap_or(line).to_owned()).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[allow(dead_code)]
	#[derive(TypeInfo)]
	enum Cap {
		Spend { amount: u128 },
		Admin,
	}

	fn sample() -> Builder {
		Builder::new("sample")
			.init::<u32>()
			.capability::<Cap>()
			.call::<(u8, u128), ()>("transfer", &[" Moves tokens."])
			.query::<(), u128>("total", &[])
			.invoke::<u128, ()>(&["Spend"], "transfer", &[])
			.invoke::<(), ()>(&["Admin"], "reset", &[])
	}

	#[test]
	fn a_document_reads_back_as_written() {
		let metadata = sample().build().unwrap();
		let json = metadata.to_json();
		assert_eq!(Metadata::from_json(&json).unwrap(), metadata);
		assert_eq!(metadata.function("transfer", None).unwrap().docs, ["Moves tokens."]);
		assert!(metadata.function("transfer", None).unwrap().mutates);
		assert!(!metadata.function("total", None).unwrap().mutates);
		let on_spend = metadata.function("transfer", Some("Spend")).unwrap();
		assert_eq!(on_spend.capabilities, ["Spend"]);
		assert_ne!(on_spend.args, metadata.function("transfer", None).unwrap().args);
		assert!(metadata.function("reset", None).is_none(), "reset is not public");
	}

	#[test]
	fn every_type_id_resolves() {
		let metadata = sample().build().unwrap();
		let ids = metadata
			.functions
			.iter()
			.flat_map(|f| [f.args, f.returns])
			.chain(metadata.init)
			.chain(metadata.capability);
		for id in ids {
			assert!(metadata.types.resolve(id).is_some(), "type {id}");
		}
	}

	#[test]
	fn a_function_declared_twice_on_one_side_is_refused() {
		let twice = sample().query::<(), u8>("total", &[]).build();
		assert!(matches!(twice, Err(Error::DuplicateFunction(name)) if name == "total"));
		let twice_on_kind = sample().invoke::<(), ()>(&["Admin", "Spend"], "reset", &[]).build();
		assert!(matches!(twice_on_kind, Err(Error::DuplicateFunction(name)) if name == "reset"));
	}

	#[test]
	fn a_kind_the_capability_data_lacks_is_refused() {
		let unknown = sample().invoke::<(), ()>(&["Burn"], "burn", &[]).build();
		assert!(matches!(unknown, Err(Error::UnknownKind { kind, .. }) if kind == "Burn"));
		let no_caps = Builder::new("none").invoke::<(), ()>(&["Spend"], "spend", &[]).build();
		assert!(matches!(no_caps, Err(Error::UnknownKind { .. })));
	}

	type AccountId = [u8; 32];

	#[allow(dead_code)]
	#[derive(TypeInfo)]
	struct Grant {
		who: AccountId,
		salt: [u8; 32],
	}

	#[test]
	fn accounts_get_the_runtime_account_type_and_other_bytes_do_not() {
		let metadata = Builder::new("grants")
			.query::<AccountId, Grant>("grant", &[])
			.type_names("AccountId", "Grant")
			.query::<[u8; 32], ()>("by_salt", &[])
			.build()
			.unwrap();
		let path_of = |id| metadata.types.resolve(id).unwrap().path.segments.join("::");
		let grant = metadata.function("grant", None).unwrap();
		assert_eq!(path_of(grant.args), "sp_core::crypto::AccountId32");
		let TypeDef::Composite(fields) = &metadata.types.resolve(grant.returns).unwrap().type_def
		else {
			panic!("Grant is a struct")
		};
		assert_eq!(path_of(fields.fields[0].ty.id), "sp_core::crypto::AccountId32", "who");
		let salt = metadata.types.resolve(fields.fields[1].ty.id).unwrap();
		assert!(matches!(salt.type_def, TypeDef::Array(_)), "salt stays bytes");
		let by_salt = metadata.function("by_salt", None).unwrap();
		assert!(matches!(
			metadata.types.resolve(by_salt.args).unwrap().type_def,
			TypeDef::Array(_)
		));
	}

	#[test]
	fn another_format_version_is_refused() {
		let json = sample().build().unwrap().to_json().replace("\"version\": 1", "\"version\": 9");
		assert!(matches!(Metadata::from_json(&json), Err(Error::Version(9))));
		assert!(matches!(Metadata::from_json("{}"), Err(Error::Json(_))));
	}

	#[test]
	fn the_code_records_the_hash_of_the_document_beside_it() {
		let dir = std::env::temp_dir().join(format!("kernel-metadata-{}", std::process::id()));
		fs::create_dir_all(&dir).unwrap();
		let wasm = dir.join("sample.wasm");
		fs::write(&wasm, b"\0asm\x01\0\0\0").unwrap();
		let metadata = sample().build().unwrap();
		let json_path = metadata.write_beside(&wasm).unwrap();
		assert_eq!(json_path, dir.join("sample.json"));
		let json = fs::read_to_string(&json_path).unwrap();
		let code = fs::read(&wasm).unwrap();
		assert_eq!(kernel_primitives::metadata::embedded_hash(&code), Some(Metadata::hash(&json)));
		fs::write(&wasm, b"not wasm").unwrap();
		assert!(matches!(metadata.write_beside(&wasm), Err(Error::NotWasm)));
		fs::remove_dir_all(&dir).unwrap();
	}
}
