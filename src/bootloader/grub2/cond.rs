//! GRUB 2's `[ … ]` and `test`: the conditions of grub.cfg's `if`, evaluated three-valued
//! (true, false, or "cannot tell", which the runner then runs both ways).

use crate::bootloader::paths::strip_device;

/// The value of a `[ … ]`/`test` expression, `None` when we cannot tell.
///
/// Evaluated without recursion, so no input can exhaust the stack: `-o` binds looser than
/// `-a`, both three-valued (unknown stays unknown unless another operand decides), and a run
/// of leading `!` inverts once per `!`.
pub(super) fn test(args: &[String], exists: &dyn Fn(&str) -> bool, prefix: &str) -> Option<bool> {
    let mut any = Some(false);
    for group in args.split(|a| a == "-o") {
        let mut all = Some(true);
        for operand in group.split(|a| a == "-a") {
            match (all, operand_value(operand, exists, prefix)) {
                (_, Some(false)) => {
                    all = Some(false);
                    break;
                }
                (Some(true), None) => all = None,
                _ => {}
            }
        }
        match (any, all) {
            (_, Some(true)) => return Some(true),
            (Some(false), None) => any = None,
            _ => {}
        }
    }
    any
}

/// One operand of `test`: leading `!`s, then a unary or binary test (or a lone string).
fn operand_value(args: &[String], exists: &dyn Fn(&str) -> bool, prefix: &str) -> Option<bool> {
    let nots = args.iter().take_while(|a| *a == "!").count();
    let value = primary(&args[nots..], exists, prefix)?;
    Some(value ^ (nots % 2 == 1))
}

/// A test without `!`, `-a` or `-o`.
fn primary(args: &[String], exists: &dyn Fn(&str) -> bool, prefix: &str) -> Option<bool> {
    let file_test = |p: &str| -> Option<bool> {
        let p = strip_device(p);
        if p.starts_with(prefix) && p.len() > prefix.len() {
            Some(exists(p))
        } else {
            None
        }
    };
    match args {
        [] => Some(false),
        [s] => Some(!s.is_empty()),
        [op, s] => match op.as_str() {
            "-z" => Some(s.is_empty()),
            "-n" => Some(!s.is_empty()),
            "-s" | "-f" | "-e" | "-d" => file_test(s),
            _ => None,
        },
        [a, op, b] => {
            let num = |x: &str| x.trim().parse::<i64>().ok();
            match op.as_str() {
                "=" | "==" => Some(a == b),
                "!=" => Some(a != b),
                "-eq" => Some(num(a)? == num(b)?),
                "-ne" => Some(num(a)? != num(b)?),
                "-lt" => Some(num(a)? < num(b)?),
                "-le" => Some(num(a)? <= num(b)?),
                "-gt" => Some(num(a)? > num(b)?),
                "-ge" => Some(num(a)? >= num(b)?),
                _ => None,
            }
        }
        _ => None,
    }
}
