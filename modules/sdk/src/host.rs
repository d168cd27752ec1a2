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

/// Off wasm32 there is no kernel: every host function is unavailable. Module crates only build
/// for wasm32; this keeps the SDK's own docs and `cargo check` working on the host.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! declare_unavailable {
	(
		module = $module:literal;
		$( $(#[$meta:meta])* $mode:ident fn $name:ident( $( $arg:ident : $ty:ty ),* ) $( -> $ret:ty )?; )*
	) => {
		$(
			#[allow(unused_variables, clippy::missing_safety_doc)]
			pub unsafe fn $name( $( $arg : $ty ),* ) $( -> $ret )? {
				panic!(concat!("host function `", stringify!($name), "` exists only in a kernel sandbox"))
			}
		)*
	};
}

#[cfg(not(target_arch = "wasm32"))]
kernel_primitives::host_functions!(declare_unavailable);
