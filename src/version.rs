//! RPM version order (`rpmvercmp`), used to find the newest installed kernel.
//!
//! STUB: being written.

use std::cmp::Ordering;

/// Compares two version strings (`2.6.32-754.el6.x86_64`) the way rpm does.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    a.cmp(b)
}
