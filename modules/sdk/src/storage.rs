//! The module's own storage: its child trie, nothing else.
//!
//! [`Value`] and [`Map`] give typed access under a key prefix; the raw functions take bytes.
//! Keys must be non-empty and at most the kernel's `MaxKeyLen`; values at most `MaxValueLen`
//! (breaking a limit traps the frame).

use crate::{
	env::with_output,
	host::{self, Word},
	ReturnCode,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use core::marker::PhantomData;

/// The value at `key`.
pub fn get(key: &[u8]) -> Option<Vec<u8>> {
	// SAFETY: the host writes within the buffer it is given.
	with_output(128, |ptr, len| unsafe {
		host::storage_get(key.as_ptr() as Word, key.len() as Word, ptr, len)
	})
	.ok()
}

/// Writes `value` at `key`.
pub fn set(key: &[u8], value: &[u8]) {
	// SAFETY: the pointers describe `key` and `value`.
	unsafe {
		host::storage_set(
			key.as_ptr() as Word,
			key.len() as Word,
			value.as_ptr() as Word,
			value.len() as Word,
		)
	};
}

/// Removes `key`; whether there was a value.
pub fn clear(key: &[u8]) -> bool {
	// SAFETY: the pointer describes `key`.
	let raw = unsafe { host::storage_clear(key.as_ptr() as Word, key.len() as Word) };
	raw == ReturnCode::Success as u32
}

/// The first key after `key` in byte order (`&[]` for the first key).
pub fn next_key(key: &[u8]) -> Option<Vec<u8>> {
	// SAFETY: the host writes within the buffer it is given.
	with_output(64, |ptr, len| unsafe {
		host::storage_next_key(key.as_ptr() as Word, key.len() as Word, ptr, len)
	})
	.ok()
}

/// A single typed value under a fixed key.
pub struct Value<V> {
	key: &'static [u8],
	_value: PhantomData<V>,
}

impl<V: Encode + Decode> Value<V> {
	/// The value stored under `key`.
	pub const fn new(key: &'static [u8]) -> Self {
		Self { key, _value: PhantomData }
	}

	/// The value, if set and decodable.
	pub fn get(&self) -> Option<V> {
		get(self.key).and_then(|bytes| V::decode(&mut &bytes[..]).ok())
	}

	/// Sets the value.
	pub fn set(&self, value: &V) {
		set(self.key, &value.encode())
	}

	/// Removes the value.
	pub fn clear(&self) {
		clear(self.key);
	}

	/// Removes and returns the value.
	pub fn take(&self) -> Option<V> {
		let value = self.get();
		if value.is_some() {
			self.clear();
		}
		value
	}
}

impl<V: Encode + Decode + Default> Value<V> {
	/// The value, or the default when unset.
	pub fn get_or_default(&self) -> V {
		self.get().unwrap_or_default()
	}

	/// Changes the value in place and returns what `f` returns.
	pub fn mutate<R>(&self, f: impl FnOnce(&mut V) -> R) -> R {
		let mut value = self.get_or_default();
		let result = f(&mut value);
		self.set(&value);
		result
	}
}

/// A typed map: entry `k` lives at `prefix ++ SCALE(k)`.
///
/// Give each map a distinct prefix that is not a prefix of another map's (for example by
/// ending each with `/`), so that iteration does not mix them.
pub struct Map<K, V> {
	prefix: &'static [u8],
	_types: PhantomData<(K, V)>,
}

impl<K: Encode + Decode, V: Encode + Decode> Map<K, V> {
	/// The map stored under `prefix`.
	pub const fn new(prefix: &'static [u8]) -> Self {
		Self { prefix, _types: PhantomData }
	}

	fn key(&self, key: &K) -> Vec<u8> {
		let mut full = self.prefix.to_vec();
		key.encode_to(&mut full);
		full
	}

	/// The value at `key`.
	pub fn get(&self, key: &K) -> Option<V> {
		get(&self.key(key)).and_then(|bytes| V::decode(&mut &bytes[..]).ok())
	}

	/// Whether `key` has a value.
	pub fn contains(&self, key: &K) -> bool {
		get(&self.key(key)).is_some()
	}

	/// Sets the value at `key`.
	pub fn insert(&self, key: &K, value: &V) {
		set(&self.key(key), &value.encode())
	}

	/// Removes the value at `key`; whether there was one.
	pub fn remove(&self, key: &K) -> bool {
		clear(&self.key(key))
	}

	/// Removes and returns the value at `key`.
	pub fn take(&self, key: &K) -> Option<V> {
		let value = self.get(key);
		if value.is_some() {
			self.remove(key);
		}
		value
	}

	/// Every entry, in key byte order. Stops at the first key that does not decode.
	pub fn iter(&self) -> MapIter<'_, K, V> {
		MapIter { map: self, cursor: self.prefix.to_vec() }
	}

	/// The entries after `key` (which need not exist), in key byte order: the next page after
	/// the last key of the previous one.
	pub fn iter_after(&self, key: &K) -> MapIter<'_, K, V> {
		MapIter { map: self, cursor: self.key(key) }
	}
}

impl<K: Encode + Decode, V: Encode + Decode + Default> Map<K, V> {
	/// The value at `key`, or the default.
	pub fn get_or_default(&self, key: &K) -> V {
		self.get(key).unwrap_or_default()
	}

	/// Changes the value at `key` in place (starting from the default) and returns what `f`
	/// returns.
	pub fn mutate<R>(&self, key: &K, f: impl FnOnce(&mut V) -> R) -> R {
		let mut value = self.get_or_default(key);
		let result = f(&mut value);
		self.insert(key, &value);
		result
	}
}

/// Iterator over a [`Map`].
pub struct MapIter<'a, K, V> {
	map: &'a Map<K, V>,
	cursor: Vec<u8>,
}

impl<K: Encode + Decode, V: Encode + Decode> Iterator for MapIter<'_, K, V> {
	type Item = (K, V);

	fn next(&mut self) -> Option<(K, V)> {
		let next = next_key(&self.cursor)?;
		let suffix = next.strip_prefix(self.map.prefix)?;
		let key = K::decode(&mut &suffix[..]).ok()?;
		let value = get(&next).and_then(|bytes| V::decode(&mut &bytes[..]).ok())?;
		self.cursor = next;
		Some((key, value))
	}
}
