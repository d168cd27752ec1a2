//! What a `no_std` Wasm module needs from a runtime: an allocator and a panic handler.

/// dlmalloc, as the Rust standard library uses on wasm32: it grows the module's memory on
/// demand (up to the kernel's `MaxMemoryPages`) and reuses freed blocks.
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// A panic reverts the frame: every effect is undone and the caller sees this message.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
	crate::entry::revert(b"module panicked")
}
