//! The public interfaces of the standard process modules.
//!
//! Function names, parameter and return types, capability data and events, in one place: the
//! modules implement them, other modules call them, clients and tests encode them. Everything is
//! SCALE; accounts are 32-byte public keys.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod balance;
pub mod democracy;
pub mod secret_sharing;
pub mod staking;
pub mod tester;

pub use kernel_primitives::{AccountIdBytes as AccountId, CapId, ModuleId};

/// A holder as modules see it.
pub type Holder = kernel_primitives::Holder<AccountId>;
