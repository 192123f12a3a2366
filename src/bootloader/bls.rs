//! STUB
use crate::entry::BootMenu;
use crate::root::SysRoot;
use anyhow::Result;
pub const ENTRIES_DIR: &str = "/boot/loader/entries";
pub fn read(_root: &SysRoot) -> Result<Option<BootMenu>> {
    Ok(None)
}
