//! What a `no_std` Wasm module needs from a runtime: an allocator and a panic handler.

/// dlmalloc, as the Rust standard library uses on wasm32: it grows the module's memory on
/// demand (up to the kernel's `MaxMemoryPages`) and reuses freed blocks.
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

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
