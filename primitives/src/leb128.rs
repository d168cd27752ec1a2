//! Unsigned LEB128, the variable-length integers of the Wasm binary format: section sizes,
//! name lengths, vector lengths. Used where the kernel's crates read or write Wasm by hand
//! (the metadata hash section, the benchmarks' synthesised modules).

use alloc::vec::Vec;

/// Appends `value` to `out`.
pub fn write(out: &mut Vec<u8>, mut value: u32) {
	loop {
		let byte = (value & 0x7f) as u8;
		value >>= 7;
		if value == 0 {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}

/// The `u32` at the start of `bytes` and what follows it; `None` if it is cut short or does not
/// fit a `u32`.
pub fn read(bytes: &[u8]) -> Option<(u32, &[u8])> {
	let mut value = 0u32;
	for (i, &byte) in bytes.iter().enumerate().take(5) {
		value |= u32::from(byte & 0x7f).checked_shl(7 * i as u32)?;
		if byte & 0x80 == 0 {
			return Some((value, &bytes[i + 1..]));
		}
	}
	None
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn what_is_written_reads_back() {
		for value in [0, 1, 127, 128, 300, 16_384, u32::MAX] {
			let mut out = Vec::new();
			write(&mut out, value);
			out.push(0xaa);
			assert_eq!(read(&out), Some((value, &[0xaa][..])), "{value}");
		}
		assert_eq!(read(&[0x80]), None, "cut short");
		assert_eq!(read(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), None, "too long for a u32");
	}
}
