//! A frame's memory and table limits, counting what instantiation allocates.
//!
//! wasmi charges fuel for `memory.grow` and `table.grow` while a frame runs, but not for the
//! memory and tables a module declares: those are allocated and zeroed when it is
//! instantiated, before any instruction runs. This limiter enforces the kernel's limits and
//! counts those bytes, so the kernel can charge them right after instantiation.

use super::PAGE_SIZE;
use wasmi::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmi_core::LimiterError;

/// Bytes a table element is counted as (wasmi stores an untyped 64-bit cell per element; the
/// double leaves room for its bookkeeping).
pub(crate) const TABLE_ELEMENT_BYTES: usize = 16;

/// Limits of one frame's store.
pub(crate) struct FrameLimits {
	limits: StoreLimits,
	/// Bytes of memory and tables allocated so far (counted until [`Self::stop_counting`]).
	allocated: usize,
	counting: bool,
}

impl FrameLimits {
	/// At most `max_pages` of memory, one memory, 16 tables of 4096 elements each.
	pub(crate) fn new(max_pages: u32) -> Self {
		let limits = StoreLimitsBuilder::new()
			.memory_size(max_pages as usize * PAGE_SIZE)
			.memories(1)
			.instances(1)
			.tables(16)
			.table_elements(4096)
			.build();
		Self { limits, allocated: 0, counting: true }
	}

	/// Ends the count (after instantiation: growth from then on costs fuel in wasmi) and
	/// returns the bytes allocated.
	pub(crate) fn stop_counting(&mut self) -> usize {
		self.counting = false;
		self.allocated
	}

	fn count(&mut self, allowed: bool, bytes: usize) {
		if allowed && self.counting {
			self.allocated = self.allocated.saturating_add(bytes);
		}
	}
}

impl ResourceLimiter for FrameLimits {
	fn memory_growing(
		&mut self,
		current: usize,
		desired: usize,
		maximum: Option<usize>,
	) -> Result<bool, LimiterError> {
		let allowed = self.limits.memory_growing(current, desired, maximum)?;
		self.count(allowed, desired.saturating_sub(current));
		Ok(allowed)
	}

	fn table_growing(
		&mut self,
		current: usize,
		desired: usize,
		maximum: Option<usize>,
	) -> Result<bool, LimiterError> {
		let allowed = self.limits.table_growing(current, desired, maximum)?;
		self.count(allowed, desired.saturating_sub(current).saturating_mul(TABLE_ELEMENT_BYTES));
		Ok(allowed)
	}

	fn instances(&self) -> usize {
		self.limits.instances()
	}

	fn tables(&self) -> usize {
		self.limits.tables()
	}

	fn memories(&self) -> usize {
		self.limits.memories()
	}
}
