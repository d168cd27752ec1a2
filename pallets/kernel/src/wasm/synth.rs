//! Hand-assembled Wasm modules for the benchmarks and the fuel calibration test.
//!
//! Benchmarks run inside the runtime (`no_std`), where no WAT parser is available, so the few
//! shapes they need are encoded directly: a module exporting `memory`, `init`, `call`, `invoke`
//! and `on_drop`, with a chosen body for `call` and optional padding.

use alloc::{vec, vec::Vec};
use kernel_primitives::leb128;

const I32: u8 = 0x7f;
const I64: u8 = 0x7e;
const FUNC_TYPE: u8 = 0x60;
const EMPTY_BLOCK: u8 = 0x40;

/// A host function the module imports.
struct Import {
	name: &'static str,
	params: &'static [u8],
	results: &'static [u8],
}

/// What the `call` entry does.
pub enum CallBody {
	/// Nothing.
	Empty,
	/// A counting loop of `n` iterations.
	Loop(u32),
	/// `n` calls of the `module_id` host function.
	HostCalls(u32),
	/// One call of `input` copying the call input into memory.
	ReadInput,
	/// `times` calls of the module `target`'s `call` entry (with an empty input), each with an
	/// output buffer of `capacity` bytes.
	CallModule { target: u32, times: u32, capacity: u32 },
	/// One call of the padding function, which returns at once: wasmi translates all of it
	/// (lazily, when it is first called) and executes nothing.
	CallPadding,
	/// One call of the padding function, which executes all of it: `i32.const 0; drop`
	/// throughout, so live code is translated (wasmi only skims code after a `return`).
	CallLivePadding,
	/// One call of the padding function, which is one `br_table` with a target per byte:
	/// translated in full, executed in one step. The shape whose translation costs the most
	/// per byte for the least execution.
	CallBrTable,
}

/// Encodes a module whose `call` does `body`, padded with a never-called function of `padding`
/// bytes of code.
pub fn module(body: CallBody, padding: u32) -> Vec<u8> {
	shaped(body, padding, 1)
}

/// A module whose `call` does nothing and whose memory starts with `pages` pages.
pub fn with_memory(pages: u32) -> Vec<u8> {
	shaped(CallBody::Empty, 0, pages)
}

fn shaped(body: CallBody, padding: u32, pages: u32) -> Vec<u8> {
	let imports = match body {
		CallBody::HostCalls(_) => vec![Import { name: "module_id", params: &[], results: &[I32] }],
		CallBody::ReadInput => vec![Import { name: "input", params: &[I32, I32], results: &[I32] }],
		CallBody::CallModule { .. } => vec![Import {
			name: "call_module",
			params: &[I32, I32, I32, I64, I32, I32],
			results: &[I32],
		}],
		CallBody::Empty
		| CallBody::Loop(_)
		| CallBody::CallPadding
		| CallBody::CallLivePadding
		| CallBody::CallBrTable => Vec::new(),
	};
	let call = match body {
		CallBody::Empty => function(&[], &[]),
		CallBody::Loop(n) => counting_loop(n, &[]),
		// call $import 0; drop
		CallBody::HostCalls(n) => counting_loop(n, &[0x10, 0x00, 0x1a]),
		CallBody::ReadInput => {
			let mut code = Vec::new();
			// i32.store (i32.const 0) (i32.const 65536): the buffer's capacity.
			code.extend([0x41, 0x00]);
			code.push(0x41);
			signed_leb(&mut code, 65_536);
			code.extend([0x36, 0x02, 0x00]);
			// drop (call $input (i32.const 8) (i32.const 0))
			code.extend([0x41, 0x08, 0x41, 0x00, 0x10, 0x00, 0x1a]);
			function(&[], &code)
		},
		CallBody::CallModule { target, times, capacity } => {
			// The output buffer's capacity at 0, the output at 64; the empty `CallInput` is
			// three zero bytes, which memory at 16 is.
			let mut code = vec![0x41, 0x00, 0x41];
			signed_leb(&mut code, capacity as i32);
			code.extend([0x36, 0x02, 0x00]);
			// drop (call $call_module (target) (16) (3) (i64.const 0) (64) (0))
			code.push(0x41);
			signed_leb(&mut code, target as i32);
			code.extend([0x41, 0x10, 0x41, 0x03, 0x42, 0x00, 0x41, 0xc0, 0x00, 0x41, 0x00]);
			code.extend([0x10, 0x00, 0x1a]);
			counting_loop(times, &code)
		},
		// call $padding: the fifth defined function, after the imports.
		CallBody::CallPadding | CallBody::CallLivePadding | CallBody::CallBrTable => {
			function(&[], &[0x10, imports.len() as u8 + 4])
		},
	};
	let padding = function(&[], &padding_code(&body, padding));
	let empty = function(&[], &[]);
	let defined = [
		("init", empty.clone()),
		("call", call),
		("invoke", empty.clone()),
		("on_drop", empty),
		("", padding),
	];
	encode(&imports, &defined, pages)
}

/// The code of the padding function, about `padding` bytes.
fn padding_code(body: &CallBody, padding: u32) -> Vec<u8> {
	let mut code = Vec::new();
	match body {
		CallBody::CallBrTable => {
			// `block (br_table 0 0 … 0 (i32.const 0)) end`, a target of one byte each, in
			// blocks of at most `BR_TABLE_TARGETS` targets (wasmparser's limit is 128 Ki).
			const BR_TABLE_TARGETS: u32 = 64 * 1024;
			let mut left = padding;
			while left > 16 {
				let targets = (left - 16).min(BR_TABLE_TARGETS);
				code.extend([0x02, EMPTY_BLOCK, 0x41, 0x00, 0x0e]);
				leb128::write(&mut code, targets);
				code.extend(core::iter::repeat_n(0x00, targets as usize + 1));
				code.push(0x0b);
				left = left.saturating_sub(targets + 16);
			}
		},
		_ => {
			if matches!(body, CallBody::CallPadding) {
				code.push(0x0f); // return
			}
			// `i32.const 0; drop` repeated: three bytes each.
			code.extend([0x41, 0x00, 0x1a].repeat((padding / 3) as usize));
		},
	}
	code
}

/// A function body with `locals` (one i32 each) and `code`.
fn function(locals: &[u8], code: &[u8]) -> Vec<u8> {
	let mut body = Vec::new();
	if locals.is_empty() {
		leb128::write(&mut body, 0);
	} else {
		leb128::write(&mut body, 1);
		leb128::write(&mut body, locals.len() as u32);
		body.push(I32);
	}
	body.extend_from_slice(code);
	body.push(0x0b);
	body
}

/// `n` iterations of `extra` in a loop counting a local down to zero.
fn counting_loop(n: u32, extra: &[u8]) -> Vec<u8> {
	let mut code = Vec::new();
	// local.set 0 (i32.const n)
	code.push(0x41);
	signed_leb(&mut code, n as i32);
	code.extend([0x21, 0x00]);
	// block loop
	code.extend([0x02, EMPTY_BLOCK, 0x03, EMPTY_BLOCK]);
	// br_if 1 (i32.eqz (local.get 0))
	code.extend([0x20, 0x00, 0x45, 0x0d, 0x01]);
	code.extend_from_slice(extra);
	// local.set 0 (i32.sub (local.get 0) (i32.const 1)); br 0
	code.extend([0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00]);
	// end end
	code.extend([0x0b, 0x0b]);
	function(&[I32], &code)
}

/// Encodes the module: type 0 is `() -> ()` for every defined function; each import gets its
/// own type. Functions with an empty name are not exported.
fn encode(imports: &[Import], defined: &[(&str, Vec<u8>)], pages: u32) -> Vec<u8> {
	let mut module = vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

	let mut types = Vec::new();
	leb128::write(&mut types, 1 + imports.len() as u32);
	types.extend([FUNC_TYPE, 0x00, 0x00]);
	for import in imports {
		types.push(FUNC_TYPE);
		bytes(&mut types, import.params);
		bytes(&mut types, import.results);
	}
	section(&mut module, 1, &types);

	if !imports.is_empty() {
		let mut section_body = Vec::new();
		leb128::write(&mut section_body, imports.len() as u32);
		for (i, import) in imports.iter().enumerate() {
			bytes(&mut section_body, b"kernel");
			bytes(&mut section_body, import.name.as_bytes());
			section_body.push(0x00);
			leb128::write(&mut section_body, 1 + i as u32);
		}
		section(&mut module, 2, &section_body);
	}

	let mut functions = Vec::new();
	leb128::write(&mut functions, defined.len() as u32);
	functions.extend(core::iter::repeat_n(0x00, defined.len()));
	section(&mut module, 3, &functions);

	// One memory of `pages` pages, with no maximum.
	let mut memory = vec![0x01, 0x00];
	leb128::write(&mut memory, pages);
	section(&mut module, 5, &memory);

	let exported: Vec<_> =
		defined.iter().enumerate().filter(|(_, (name, _))| !name.is_empty()).collect();
	let mut exports = Vec::new();
	leb128::write(&mut exports, exported.len() as u32 + 1);
	bytes(&mut exports, b"memory");
	exports.extend([0x02, 0x00]);
	for (i, (name, _)) in exported {
		bytes(&mut exports, name.as_bytes());
		exports.push(0x00);
		leb128::write(&mut exports, (imports.len() + i) as u32);
	}
	section(&mut module, 7, &exports);

	let mut code = Vec::new();
	leb128::write(&mut code, defined.len() as u32);
	for (_, body) in defined {
		bytes(&mut code, body);
	}
	section(&mut module, 10, &code);
	module
}

fn section(module: &mut Vec<u8>, id: u8, body: &[u8]) {
	module.push(id);
	bytes(module, body);
}

/// A length-prefixed byte string (also a Wasm `vec(byte)`).
fn bytes(out: &mut Vec<u8>, data: &[u8]) {
	leb128::write(out, data.len() as u32);
	out.extend_from_slice(data);
}

fn signed_leb(out: &mut Vec<u8>, mut value: i32) {
	loop {
		let byte = (value & 0x7f) as u8;
		value >>= 7;
		let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
		if done {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}
