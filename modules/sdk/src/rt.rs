//! What a `no_std` Wasm module needs from a runtime: an allocator and a panic handler.

use core::{
	alloc::{GlobalAlloc, Layout},
	arch::wasm32,
	ptr,
};

/// Bytes per Wasm page.
const PAGE_SIZE: usize = 64 * 1024;

/// A bump allocator: every frame instantiates its module afresh and lives for one entry point,
/// so memory never needs to be reused across frames, and a general-purpose allocator
/// (dlmalloc is about 6 KiB of Wasm that every frame loads and translates) buys nothing.
///
/// Allocations take the next free bytes above the data and stack (`__heap_base`) and grow the
/// memory on demand, up to the kernel's `MaxMemoryPages`; past that `alloc` fails and the frame
/// traps. Freeing or resizing the most recent allocation is done in place, so the common
/// pattern of a temporary buffer (a nested call's output buffer, a growing `Vec`) gives its
/// bytes back; anything else is released when the frame ends.
struct Bump;

/// The first free byte; 0 until the first allocation. A module is single-threaded, and each
/// frame has its own instance, so a plain static is enough.
static mut NEXT: usize = 0;

extern "C" {
	/// The end of the data and stack, set by the linker.
	static __heap_base: u8;
}

/// The first free byte.
///
/// # Safety
/// Single-threaded access to [`NEXT`].
unsafe fn next() -> usize {
	match NEXT {
		0 => ptr::addr_of!(__heap_base) as usize,
		next => next,
	}
}

/// Grows memory so that it covers `end`; false if the kernel refuses.
fn cover(end: usize) -> bool {
	let size = wasm32::memory_size(0) * PAGE_SIZE;
	if end <= size {
		return true;
	}
	wasm32::memory_grow(0, (end - size).div_ceil(PAGE_SIZE)) != usize::MAX
}

/// Moves the first free byte to `end` if memory can cover it.
///
/// # Safety
/// Single-threaded access to [`NEXT`].
unsafe fn bump_to(end: usize) -> bool {
	if !cover(end) {
		return false;
	}
	NEXT = end;
	true
}

unsafe impl GlobalAlloc for Bump {
	unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
		let start = next().next_multiple_of(layout.align());
		match start.checked_add(layout.size()) {
			Some(end) if bump_to(end) => start as *mut u8,
			_ => ptr::null_mut(),
		}
	}

	unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
		if ptr as usize + layout.size() == next() {
			NEXT = ptr as usize;
		}
	}

	unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
		let start = ptr as usize;
		if start + layout.size() == next() {
			// The most recent allocation grows or shrinks where it is.
			return match start.checked_add(new_size) {
				Some(end) if bump_to(end) => ptr,
				_ => ptr::null_mut(),
			};
		}
		if new_size <= layout.size() {
			return ptr;
		}
		let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
		if !new.is_null() {
			ptr::copy_nonoverlapping(ptr, new, layout.size());
		}
		new
	}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump;

/// A panic ends the frame as trapped: every effect is undone, a calling module sees
/// `CalleeTrapped` and a user `ModulePanicked`, with the message in the dry run.
///
/// Only a literal message (`panic!("...")`, `unreachable!("...")`) is passed on: formatting
/// one with arguments would link `core::fmt` into every module.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
	let message = info.message().as_str().unwrap_or("module panicked");
	crate::entry::panic(message.as_bytes())
}
