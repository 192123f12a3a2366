//! RPM version order (`rpmvercmp`), used to find the newest installed kernel and to sort BLS
//! entries the way GRUB's `blscfg` does.
//!
//! [`rpmvercmp`] follows rpm's `rpmvercmp.c` step for step (ASCII classes only, `~` sorts before
//! everything, `^` after the base but before anything longer, digits beat letters, leading
//! zeros ignored, runs of other characters are separators of equal weight).
//! [`evr_cmp`] compares `[epoch:]version[-release]` strings on top of it.

use std::cmp::Ordering;

/// Compares two version strings (`2.6.32-754.el6.x86_64`) the way rpm does.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let a = a.as_bytes();
    let b = b.as_bytes();
    let (mut i, mut j) = (0usize, 0usize);
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';

    while i < a.len() || j < b.len() {
        while i < a.len() && sep(a[i]) {
            i += 1;
        }
        while j < b.len() && sep(b[j]) {
            j += 1;
        }
        let ca = a.get(i).copied();
        let cb = b.get(j).copied();

        // Tilde sorts before everything, even the end of the string.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        // Caret sorts after the end of the string but before anything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        let (Some(first), Some(_)) = (ca, cb) else {
            break;
        };

        // One segment: all digits or all letters, typed by the first string.
        let isnum = first.is_ascii_digit();
        let class = |c: &u8| {
            if isnum {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let ea = i + a[i..].iter().take_while(|c| class(c)).count();
        let eb = j + b[j..].iter().take_while(|c| class(c)).count();
        let mut sa = &a[i..ea];
        let mut sb = &b[j..eb];

        if sa.is_empty() {
            // Cannot happen (the first string has a segment), as in rpm.
            return Ordering::Less;
        }
        // Different types: a numeric segment is newer than an alpha one.
        if sb.is_empty() {
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if isnum {
            while sa.first() == Some(&b'0') {
                sa = &sa[1..];
            }
            while sb.first() == Some(&b'0') {
                sb = &sb[1..];
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            other => return other,
        }
        i = ea;
        j = eb;
    }

    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// Splits `[epoch:]version[-release]` (release after the last `-`).
fn split_evr(s: &str) -> (u64, &str, Option<&str>) {
    let (epoch, rest) = match s.split_once(':') {
        Some((e, r)) if !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) => {
            (e.parse().unwrap_or(u64::MAX), r)
        }
        _ => (0, s),
    };
    match rest.rsplit_once('-') {
        Some((v, r)) => (epoch, v, Some(r)),
        None => (epoch, rest, None),
    }
}

/// Compares `[epoch:]version[-release]` strings: epoch (missing = 0) numerically, then version,
/// then release with [`rpmvercmp`]. A missing release sorts before any release.
pub fn evr_cmp(a: &str, b: &str) -> Ordering {
    let (ea, va, ra) = split_evr(a);
    let (eb, vb, rb) = split_evr(b);
    ea.cmp(&eb)
        .then_with(|| rpmvercmp(va, vb))
        .then_with(|| rpmvercmp(ra.unwrap_or(""), rb.unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rpm's own test table (tests/rpmvercmp.at), as -1/0/1.
    const RPM_TABLE: &[(&str, &str, i32)] = &[
        ("1.0", "1.0", 0),
        ("1.0", "2.0", -1),
        ("2.0", "1.0", 1),
        ("2.0.1", "2.0.1", 0),
        ("2.0", "2.0.1", -1),
        ("2.0.1", "2.0", 1),
        ("2.0.1a", "2.0.1a", 0),
        ("2.0.1a", "2.0.1", 1),
        ("2.0.1", "2.0.1a", -1),
        ("5.5p1", "5.5p1", 0),
        ("5.5p1", "5.5p2", -1),
        ("5.5p2", "5.5p1", 1),
        ("5.5p10", "5.5p10", 0),
        ("5.5p1", "5.5p10", -1),
        ("5.5p10", "5.5p1", 1),
        ("10xyz", "10.1xyz", -1),
        ("10.1xyz", "10xyz", 1),
        ("xyz10", "xyz10", 0),
        ("xyz10", "xyz10.1", -1),
        ("xyz10.1", "xyz10", 1),
        ("xyz.4", "xyz.4", 0),
        ("xyz.4", "8", -1),
        ("8", "xyz.4", 1),
        ("xyz.4", "2", -1),
        ("2", "xyz.4", 1),
        ("5.5p2", "5.6p1", -1),
        ("5.6p1", "5.5p2", 1),
        ("5.6p1", "6.5p1", -1),
        ("6.5p1", "5.6p1", 1),
        ("6.0.rc1", "6.0", 1),
        ("6.0", "6.0.rc1", -1),
        ("10b2", "10a1", 1),
        ("10a2", "10b2", -1),
        ("1.0aa", "1.0aa", 0),
        ("1.0a", "1.0aa", -1),
        ("1.0aa", "1.0a", 1),
        ("10.0001", "10.0001", 0),
        ("10.0001", "10.1", 0),
        ("10.1", "10.0001", 0),
        ("10.0001", "10.0039", -1),
        ("10.0039", "10.0001", 1),
        ("4.999.9", "5.0", -1),
        ("5.0", "4.999.9", 1),
        ("20101121", "20101121", 0),
        ("20101121", "20101122", -1),
        ("20101122", "20101121", 1),
        ("2_0", "2_0", 0),
        ("2.0", "2_0", 0),
        ("2_0", "2.0", 0),
        ("a", "a", 0),
        ("a+", "a+", 0),
        ("a+", "a_", 0),
        ("a_", "a+", 0),
        ("+a", "+a", 0),
        ("+a", "_a", 0),
        ("_a", "+a", 0),
        ("+_", "+_", 0),
        ("_+", "+_", 0),
        ("_+", "_", 0),
        ("+", "_", 0),
        ("_", "+", 0),
        ("1.0~rc1", "1.0~rc1", 0),
        ("1.0~rc1", "1.0", -1),
        ("1.0", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc2", -1),
        ("1.0~rc2", "1.0~rc1", 1),
        ("1.0~rc1~git123", "1.0~rc1~git123", 0),
        ("1.0~rc1~git123", "1.0~rc1", -1),
        ("1.0~rc1", "1.0~rc1~git123", 1),
        ("1.0^", "1.0^", 0),
        ("1.0^", "1.0", 1),
        ("1.0", "1.0^", -1),
        ("1.0^git1", "1.0^git1", 0),
        ("1.0^git1", "1.0", 1),
        ("1.0", "1.0^git1", -1),
        ("1.0^git1", "1.0^git2", -1),
        ("1.0^git2", "1.0^git1", 1),
        ("1.0^git1", "1.01", -1),
        ("1.01", "1.0^git1", 1),
        ("1.0^20160101", "1.0^20160101", 0),
        ("1.0^20160101", "1.0.1", -1),
        ("1.0.1", "1.0^20160101", 1),
        ("1.0^20160101^git1", "1.0^20160101^git1", 0),
        ("1.0^20160102", "1.0^20160101^git1", 1),
        ("1.0^20160101^git1", "1.0^20160102", -1),
        ("1.0~rc1^git1", "1.0~rc1^git1", 0),
        ("1.0~rc1^git1", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc1^git1", -1),
        ("1.0^git1~pre", "1.0^git1~pre", 0),
        ("1.0^git1", "1.0^git1~pre", 1),
        ("1.0^git1~pre", "1.0^git1", -1),
        // Documented, arguably buggy behaviour kept by rpm.
        ("1b.fc17", "1b.fc17", 0),
        ("1b.fc17", "1.fc17", -1),
        ("1.fc17", "1b.fc17", 1),
        ("1g.fc17", "1g.fc17", 0),
        ("1g.fc17", "1.fc17", 1),
        ("1.fc17", "1g.fc17", -1),
        // Non-ASCII characters are separators, so these are all equal.
        ("1.1.α", "1.1.α", 0),
        ("1.1.α", "1.1.β", 0),
        ("1.1.β", "1.1.α", 0),
        ("1.1.αα", "1.1.α", 0),
        ("1.1.α", "1.1.ββ", 0),
        ("1.1.ββ", "1.1.αα", 0),
    ];

    /// The cases this project cares about (kernel versions, the style guide's list).
    const KERNEL_TABLE: &[(&str, &str, i32)] = &[
        ("1.0", "1.0.1", -1),
        ("1.0a", "1.0.1", -1),
        ("2.0~rc1", "2.0", -1),
        ("2.0", "2.0^git1", -1),
        ("754.9.1", "754.35.1", -1),
        ("2.6.32-754.el6", "2.6.32-696.el6", 1),
        ("3.10.0-1160.el7", "3.10.0-957.el7", 1),
        ("2.6.32-754.35.1.el6.x86_64", "2.6.32-754.9.1.el6.x86_64", 1),
        ("2.6.18-194.11.4.el5", "2.6.18-194.el5", 1),
        ("2.6.18-419.el5", "2.6.18-419.el5PAE", -1),
        ("4.18.0-348.el8.x86_64", "4.18.0-348.el8.x86_64", 0),
        ("5.14.0-70.13.1.el9_0", "5.14.0-70.el9", 1),
        ("0-rescue-0123456789abcdef", "2.6.32-754.el6", -1),
        ("", "", 0),
        ("", "1", -1),
        ("1", "", 1),
        ("~", "", -1),
        ("^", "", 1),
        ("007", "7", 0),
        ("99999999999999999999999", "99999999999999999999998", 1),
    ];

    fn sign(o: Ordering) -> i32 {
        match o {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }

    #[test]
    fn rpm_test_table() {
        for &(a, b, want) in RPM_TABLE.iter().chain(KERNEL_TABLE) {
            assert_eq!(sign(rpmvercmp(a, b)), want, "rpmvercmp({a:?}, {b:?})");
        }
    }

    #[test]
    fn evr() {
        let cases = [
            ("1:1.0-1", "2.0-1", 1, "epoch wins"),
            ("1.0-2", "1.0-10", -1, "release numeric"),
            ("1.0", "1.0-1", -1, "missing release sorts first"),
            ("0:1.0-1", "1.0-1", 0, "epoch 0 is no epoch"),
            ("2.6.32-754.el6", "2.6.32-696.el6", 1, "kernel release"),
            (
                "x:1.0",
                "1.0",
                -1,
                "non-numeric epoch is part of the version",
            ),
        ];
        for (a, b, want, name) in cases {
            assert_eq!(sign(evr_cmp(a, b)), want, "{name}: evr_cmp({a:?}, {b:?})");
        }
    }

    #[test]
    fn total_on_odd_bytes() {
        let odd = [
            "", "~~", "^^", "~^", "^~", "\u{0}", "1\u{ff}", "a~1^b", "-", "...",
        ];
        for a in odd {
            for b in odd {
                let ab = rpmvercmp(a, b);
                let ba = rpmvercmp(b, a);
                assert_eq!(ab, ba.reverse(), "antisymmetric for {a:?} vs {b:?}");
            }
        }
    }
}
