//! The kernel's host functions, declared from the one definition in `kernel-primitives`.

#[cfg(target_arch = "wasm32")]
macro_rules! declare_imports {
	(
		module = $module:literal;
		$( $(#[$meta:meta])* $mode:ident fn $name:ident( $( $arg:ident : $ty:ty ),* ) $( -> $ret:ty )?; )*
	) => {
		#[link(wasm_import_module = $module)]
		extern "C" {
			$( $(#[$meta])* pub fn $name( $( $arg : $ty ),* ) $( -> $ret )?; )*
		}
	};
}

#[cfg(target_arch = "wasm32")]
kernel_primitives::host_functions!(declare_imports);

/// A `u32` argument of a host function: a Wasm pointer, length or plain value. In Wasm it is
/// the `u32` the ABI says; natively (`cargo test` for the host, see [`crate::testing`]) it is
/// `usize`, so that pointers into the test's memory survive the call.
#[cfg(target_arch = "wasm32")]
pub(crate) type Word = u32;
/// See the Wasm definition.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type Word = usize;

/// The native type of a host function argument: `u32` becomes [`Word`].
#[cfg(not(target_arch = "wasm32"))]
macro_rules! native {
	(u32) => {
		$crate::host::Word
	};
	(u64) => {
		u64
	};
}

/// Off wasm32 there is no kernel: every host function is answered by the thread's test
/// environment ([`crate::testing`]), which implements each one under the same name. The list
/// is the ABI's own, so a host function without a native answer fails to compile.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! declare_native {
	(
		module = $module:literal;
		$( $(#[$meta:meta])* $mode:ident fn $name:ident( $( $arg:ident : $ty:tt ),* ) $( -> $ret:ty )?; )*
	) => {
		$(
			#[allow(clippy::missing_safety_doc, clippy::too_many_arguments)]
			pub unsafe fn $name( $( $arg : native!($ty) ),* ) $( -> $ret )? {
				// SAFETY: the caller's contract is the host function's: the pointers describe
				// memory it owns, as long as the arguments say.
				unsafe { crate::testing::host::$name( $( $arg ),* ) }
			}
		)*
	};
}

#[cfg(not(target_arch = "wasm32"))]
kernel_primitives::host_functions!(declare_native);
