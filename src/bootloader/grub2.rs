//! STUB
use crate::entry::BootMenu;
use crate::root::SysRoot;
use anyhow::Result;
pub fn read(_root: &SysRoot) -> Result<Option<BootMenu>> {
    Ok(None)
}
pub fn looked_for(_root: &SysRoot) -> String {
    String::new()
}
