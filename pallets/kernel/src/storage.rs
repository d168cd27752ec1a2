//! Each module's child trie: its code and its state.
//!
//! Keys are split in two namespaces by their first byte, so a module can never read or
//! overwrite its own code through the storage host functions:
//!
//! | first byte | what |
//! | --- | --- |
//! | [`KERNEL_PREFIX`] | kernel-owned entries (the code) |
//! | [`STATE_PREFIX`] | the module's state; the module sees keys without this byte |

use alloc::vec::Vec;
use codec::Encode;
use kernel_primitives::ModuleId;
use polkadot_sdk::{
	frame_support::storage::child::{self, ChildInfo},
	sp_io,
};

/// First byte of kernel-owned keys.
pub const KERNEL_PREFIX: u8 = 0;
/// First byte of module state keys.
pub const STATE_PREFIX: u8 = 1;
/// Kernel key of the module's Wasm code.
pub(crate) const CODE_KEY: &[u8] = &[KERNEL_PREFIX, b'c', b'o', b'd', b'e'];
/// Prefix of every module child trie's unique id.
const TRIE_ID_PREFIX: &[u8] = b"kernel:module:";

/// The child trie of one module.
pub struct ModuleStorage {
	child: ChildInfo,
}

/// Result of one bounded step of deleting a module's trie.
pub struct ClearProgress {
	/// Whether the trie is now empty.
	pub done: bool,
	/// Keys removed in this step.
	pub removed: u32,
}

impl ModuleStorage {
	/// The child trie of `module`.
	pub fn new(module: ModuleId) -> Self {
		let mut id = TRIE_ID_PREFIX.to_vec();
		module.encode_to(&mut id);
		Self { child: ChildInfo::new_default(&id) }
	}

	/// The module's code.
	pub fn code(&self) -> Option<Vec<u8>> {
		child::get_raw(&self.child, CODE_KEY)
	}

	/// Stores the module's code.
	pub fn set_code(&self, code: &[u8]) {
		child::put_raw(&self.child, CODE_KEY, code)
	}

	/// Reads a state value.
	pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
		child::get_raw(&self.child, &state_key(key))
	}

	/// Length of a state value, without reading it.
	pub fn len(&self, key: &[u8]) -> Option<u32> {
		child::len(&self.child, &state_key(key))
	}

	/// Writes a state value.
	pub fn set(&self, key: &[u8], value: &[u8]) {
		child::put_raw(&self.child, &state_key(key), value)
	}

	/// Removes a state value.
	pub fn clear(&self, key: &[u8]) {
		child::kill(&self.child, &state_key(key))
	}

	/// The first state key strictly after `key`, without the namespace byte.
	pub fn next_key(&self, key: &[u8]) -> Option<Vec<u8>> {
		let start = state_key(key);
		// An empty key means "from the start": the namespace byte alone sorts before every
		// state key, and `next_key` is strictly greater, so it finds the first one.
		let next = sp_io::default_child_storage::next_key(self.child.storage_key(), &start)?;
		match next.split_first() {
			Some((&STATE_PREFIX, rest)) => Some(rest.to_vec()),
			_ => None,
		}
	}

	/// Deletes up to `limit` keys of the trie (code included); call again, in a later block,
	/// until `done`. Only the first call in a block makes progress: the node's host function
	/// walks the trie from its start again and counts the keys deleted earlier in the block
	/// (still in the block's overlay) against the limit again.
	pub fn clear_all(&self, limit: u32) -> ClearProgress {
		let result = child::clear_storage(&self.child, Some(limit), None);
		ClearProgress { done: result.maybe_cursor.is_none(), removed: result.unique }
	}
}

fn state_key(key: &[u8]) -> Vec<u8> {
	let mut full = Vec::with_capacity(key.len() + 1);
	full.push(STATE_PREFIX);
	full.extend_from_slice(key);
	full
}
