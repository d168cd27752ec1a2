//! The public interfaces of the standard process modules.
//!
//! Function names, parameter and return types, capability data and events, in one place: the
//! modules implement them, other modules call them, clients and tests encode them. Everything is
//! SCALE; accounts are 32-byte public keys.
//!
//! With the `metadata` feature, every type derives `scale_info::TypeInfo` and each module's
//! `metadata()` describes it as a `kernel_metadata::Metadata` document, the one its build
//! writes next to its `.wasm` (see `docs/writing-a-module.md`, "Metadata").

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

/// Declares a module's functions once: the name constants in `pub mod function`, with their
/// docs, and, with the `metadata` feature, their argument and return types for the module's
/// metadata (`fn functions(Builder) -> Builder`), so names, docs and types cannot drift apart.
///
/// One line per name: its docs; `call` (public, may change state), `query` (public, reads
/// only) or `invoke(Kind, ...)` (invoked on capabilities of those kinds), joined by `&` when a
/// name is both; the constant; `= "name": Args => Returns;`.
macro_rules! functions {
	($(
		$(#[doc = $doc:literal])*
		$($side:ident $(($($kind:ident),+))?)&+ $constant:ident = $name:literal: $args:ty => $returns:ty;
	)*) => {
		/// Function names.
		pub mod function {
			$( $(#[doc = $doc])* pub const $constant: &str = $name; )*
		}

		#[cfg(feature = "metadata")]
		fn functions(mut builder: kernel_metadata::Builder) -> kernel_metadata::Builder {
			$({
				let docs: &[&str] = &[$($doc),*];
				$(
					builder = function_entry!(builder, $side $(($($kind),+))?, $name, $args, $returns, docs)
						.type_names(stringify!($args), stringify!($returns));
				)+
			})*
			builder
		}
	};
}

/// One [`functions!`] entry for the metadata builder.
#[cfg(feature = "metadata")]
macro_rules! function_entry {
	($builder:ident, call, $name:literal, $args:ty, $returns:ty, $docs:ident) => {
		$builder.call::<$args, $returns>($name, $docs)
	};
	($builder:ident, query, $name:literal, $args:ty, $returns:ty, $docs:ident) => {
		$builder.query::<$args, $returns>($name, $docs)
	};
	($builder:ident, invoke($($kind:ident),+), $name:literal, $args:ty, $returns:ty, $docs:ident) => {
		$builder.invoke::<$args, $returns>(&[$(stringify!($kind)),+], $name, $docs)
	};
}

pub mod balance;
pub mod democracy;
pub mod secret_sharing;
pub mod staking;
pub mod tester;

pub use kernel_primitives::{AccountIdBytes as AccountId, CapId, ModuleId};

/// A holder as modules see it.
pub type Holder = kernel_primitives::Holder<AccountId>;

#[cfg(all(test, feature = "metadata"))]
mod metadata_tests {
	use kernel_metadata::Metadata;

	fn standard() -> [(Metadata, &'static [&'static str]); 4] {
		use crate::*;
		[
			(
				balance::metadata().unwrap(),
				&[
					balance::function::TRANSFER,
					balance::function::ACCOUNT,
					balance::function::ACCOUNTS,
					balance::function::TOTAL_ISSUANCE,
					balance::function::DESCRIBE,
					balance::function::SLASH,
					balance::function::SPLIT,
					balance::function::PARAMETERS,
					balance::function::SET_PARAMETERS,
					balance::function::REVISION,
					balance::function::REVOKE,
				],
			),
			(
				democracy::metadata().unwrap(),
				&[
					democracy::function::PUSH,
					democracy::function::PROPOSE,
					democracy::function::VOTE,
					democracy::function::UNLOCK,
					democracy::function::LOCK,
					democracy::function::TIGHTEN,
					democracy::function::CLOSE,
					democracy::function::ENACT,
					democracy::function::GOVERNED,
					democracy::function::PROPOSAL,
				],
			),
			(
				staking::metadata().unwrap(),
				&[
					staking::function::BOND,
					staking::function::UNBOND,
					staking::function::WITHDRAW,
					staking::function::STAKE,
					staking::function::STAKERS,
					staking::function::SLASH,
				],
			),
			(
				secret_sharing::metadata().unwrap(),
				&[
					secret_sharing::function::REGISTER,
					secret_sharing::function::OPEN_DOWNLOAD,
					secret_sharing::function::DELETE,
					secret_sharing::function::CONFIRM_UPLOAD,
					secret_sharing::function::CONFIRM_DELETE,
					secret_sharing::function::SHARING,
					secret_sharing::function::NEXT_NONCE,
					secret_sharing::function::LIST_ENGINE,
					secret_sharing::function::UNLIST_ENGINE,
					secret_sharing::function::PUBLISH_KEY,
					secret_sharing::function::ENGINES,
				],
			),
		]
	}

	#[test]
	fn each_standard_module_describes_every_function_it_names() {
		for (metadata, names) in standard() {
			let described: Vec<&str> = metadata.functions.iter().map(|f| f.name.as_str()).collect();
			for name in names {
				assert!(described.contains(name), "{}: {name} is not described", metadata.name);
			}
			for function in &metadata.functions {
				assert!(
					!function.docs.is_empty(),
					"{}: {} has no docs",
					metadata.name,
					function.name
				);
				for id in [function.args, function.returns] {
					assert!(metadata.types.resolve(id).is_some(), "{}: type {id}", metadata.name);
				}
			}
		}
	}

	#[test]
	fn each_standard_module_document_reads_back_as_written() {
		for (metadata, _) in standard() {
			assert_eq!(Metadata::from_json(&metadata.to_json()).unwrap(), metadata);
		}
	}

	#[test]
	fn a_name_on_both_sides_is_described_on_both() {
		let balance = crate::balance::metadata().unwrap();
		let public = balance.function("transfer", None).unwrap();
		let allowance = balance.function("transfer", Some("Transferable")).unwrap();
		assert_eq!(public.args, allowance.args);
		assert!(balance.function("slash", None).is_none(), "slash is only invoked");
		assert!(balance.function("slash", Some("Slashable")).is_some());
	}
}
