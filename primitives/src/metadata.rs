//! Where a module's metadata hash lives: in its code.
//!
//! `kernel build` (and the bundle's build, for the standard modules) writes a module's metadata,
//! a JSON document (see the `kernel-metadata` crate), next to its `.wasm` and records the
//! document's BLAKE2b-256 in the code as a custom section named [`HASH_SECTION`]. The hash is
//! then part of the code the chain stores and of its code hash: nobody can attach other
//! metadata to the code later, and a client holding a document checks it against the code that
//! runs (the kernel's `module` runtime API reports [`embedded_hash`]). Custom sections do not
//! change what the code does; the kernel's Wasm engine skips them.

use crate::leb128;
use alloc::vec::Vec;

/// The custom section holding the metadata hash (32 bytes).
pub const HASH_SECTION: &[u8] = b"kernel.metadata_hash";

/// The Wasm preamble: magic number and version 1.
const PREAMBLE: &[u8; 8] = b"\0asm\x01\0\0\0";

/// The id of a custom section.
const CUSTOM: u8 = 0;

/// The metadata hash recorded in `code`: the payload of its [`HASH_SECTION`] custom section, if
/// it has one of 32 bytes. Reads section headers only; bytes that are not a Wasm module yield
/// `None`.
pub fn embedded_hash(code: &[u8]) -> Option<[u8; 32]> {
	sections(code)?
		.find_map(|section| section.ok().and_then(hash_payload))
		.and_then(|payload| payload.try_into().ok())
}

/// `code` with its metadata hash set to `hash`: any [`HASH_SECTION`] it had is dropped and a new
/// one appended. `None` if `code` is not a well-formed sequence of Wasm sections.
pub fn with_hash(code: &[u8], hash: &[u8; 32]) -> Option<Vec<u8>> {
	let mut out = PREAMBLE.to_vec();
	for section in sections(code)? {
		let section = section.ok()?;
		if hash_payload(section).is_none() {
			out.extend_from_slice(section.raw);
		}
	}
	let mut body = Vec::new();
	leb128::write(&mut body, HASH_SECTION.len() as u32);
	body.extend_from_slice(HASH_SECTION);
	body.extend_from_slice(hash);
	out.push(CUSTOM);
	leb128::write(&mut out, body.len() as u32);
	out.extend_from_slice(&body);
	Some(out)
}

/// One section: its id, its contents and the bytes it takes in the module (header included).
#[derive(Clone, Copy)]
struct Section<'a> {
	id: u8,
	body: &'a [u8],
	raw: &'a [u8],
}

/// The sections of `code`, after the preamble; an `Err` item ends a malformed module.
fn sections(code: &[u8]) -> Option<impl Iterator<Item = Result<Section<'_>, ()>>> {
	let mut rest = code.strip_prefix(PREAMBLE.as_slice())?;
	Some(core::iter::from_fn(move || {
		let start = rest;
		let (&id, after_id) = rest.split_first()?;
		let parsed = leb128::read(after_id).and_then(|(size, after_size)| {
			let body = after_size.get(..size as usize)?;
			let used = start.len() - after_size.len() + body.len();
			Some((body, used))
		});
		match parsed {
			Some((body, used)) => {
				rest = &start[used..];
				Some(Ok(Section { id, body, raw: &start[..used] }))
			},
			None => {
				rest = &[];
				Some(Err(()))
			},
		}
	}))
}

/// The payload of `section` if it is the [`HASH_SECTION`] custom section.
fn hash_payload(section: Section<'_>) -> Option<&[u8]> {
	if section.id != CUSTOM {
		return None;
	}
	let (len, after_len) = leb128::read(section.body)?;
	let name = after_len.get(..len as usize)?;
	(name == HASH_SECTION).then(|| &after_len[name.len()..])
}

#[cfg(test)]
mod tests {
	use super::*;

	/// `(module (func (export "call")))`: a type, a function, an export and a code section.
	const MODULE: &[u8] = &[
		0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 99, 97, 108, 108,
		0, 0, 10, 4, 1, 2, 0, 11,
	];

	#[test]
	fn a_hash_written_is_read_back_and_the_code_is_kept() {
		assert_eq!(embedded_hash(MODULE), None);
		let code = with_hash(MODULE, &[7; 32]).unwrap();
		assert_eq!(embedded_hash(&code), Some([7; 32]));
		assert_eq!(&code[..MODULE.len()], MODULE, "the sections before are unchanged");
	}

	#[test]
	fn writing_again_replaces_the_hash() {
		let once = with_hash(MODULE, &[1; 32]).unwrap();
		let twice = with_hash(&once, &[2; 32]).unwrap();
		assert_eq!(embedded_hash(&twice), Some([2; 32]));
		assert_eq!(twice.len(), once.len(), "one hash section, not two");
	}

	#[test]
	fn malformed_code_has_no_hash_and_gets_none() {
		let code = with_hash(MODULE, &[3; 32]).unwrap();
		assert_eq!(embedded_hash(b"not wasm"), None);
		// Cut anywhere inside the hash section: its size no longer fits.
		for cut in MODULE.len() + 1..code.len() {
			assert_eq!(embedded_hash(&code[..cut]), None, "cut at {cut}");
		}
		// A section size that overruns the code.
		let mut overrun = MODULE.to_vec();
		overrun.extend_from_slice(&[0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
		assert_eq!(embedded_hash(&overrun), None);
		assert_eq!(with_hash(&overrun, &[3; 32]), None);
	}

	#[test]
	fn a_hash_section_of_the_wrong_length_is_no_hash() {
		let mut code = MODULE.to_vec();
		code.extend_from_slice(&[0, 1 + HASH_SECTION.len() as u8 + 3, HASH_SECTION.len() as u8]);
		code.extend_from_slice(HASH_SECTION);
		code.extend_from_slice(&[1, 2, 3]);
		assert_eq!(embedded_hash(&code), None);
	}
}
