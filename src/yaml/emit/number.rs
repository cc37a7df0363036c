//! Floats as they come out of kustomize: Go's `encoding/json` text, re-read by go-yaml v2, and
//! printed again by go-yaml v2 (`strconv.FormatFloat(f, 'g', -1, 64)` unless the JSON text reads
//! back as an integer).

use std::fmt::Write as _;

/// Shortest round-trip decimal digits of a finite, non-zero float's magnitude.
struct Digits {
    /// ASCII digits, no leading or trailing zeros (at most 17 for an f64).
    d: [u8; 24],
    /// Number of digits.
    nd: usize,
    /// Decimal point position: the value is `0.d[0..nd] * 10^dp`.
    dp: i32,
}

impl Digits {
    fn of(abs: f64, scratch: &mut String) -> Digits {
        scratch.clear();
        // `{:e}` prints the shortest digits that round-trip, like Go's shortest formatting.
        let _ = write!(scratch, "{abs:e}");
        let mut d = [b'0'; 24];
        let mut nd = 0;
        let mut exp: i32 = 0;
        let bytes = scratch.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_digit() {
                if nd < d.len() {
                    d[nd] = c;
                    nd += 1;
                }
            } else if c == b'e' {
                exp = scratch[i + 1..].parse().unwrap_or(0);
                break;
            }
            i += 1;
        }
        while nd > 1 && d[nd - 1] == b'0' {
            nd -= 1;
        }
        Digits { d, nd, dp: exp + 1 }
    }

    fn digits(&self) -> &[u8] {
        &self.d[..self.nd]
    }
}

/// Why a float cannot be marshalled: Go's `json: unsupported value: …` text of it.
pub(super) fn unsupported(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f == f64::INFINITY {
        Some("+Inf")
    } else if f == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// Appends the text kustomize prints for a float (which must be finite).
pub(super) fn write_float(f: f64, out: &mut String, scratch: &mut String) {
    if f == 0.0 {
        // JSON "0" or "-0", which go-yaml v2 reads back as the integer 0.
        out.push('0');
        return;
    }
    let neg = f < 0.0;
    let abs = f.abs();
    let digs = Digits::of(abs, scratch);
    // encoding/json uses 'f' format unless abs < 1e-6 || abs >= 1e21; an 'f' text without a
    // fraction is an integer literal, which go-yaml v2 resolves as an int when it fits.
    let json_is_integer = (1e-6..1e21).contains(&abs) && digs.dp >= digs.nd as i32;
    if json_is_integer && fits_go_int(neg, &digs) {
        if neg {
            out.push('-');
        }
        push_ascii(out, digs.digits());
        for _ in digs.nd as i32..digs.dp {
            out.push('0');
        }
        return;
    }
    format_g(neg, &digs, out);
}

/// Whether the integer `[-]digits * 10^(dp-nd)` parses with Go's `ParseInt` or `ParseUint`.
fn fits_go_int(neg: bool, digs: &Digits) -> bool {
    if digs.dp > 20 {
        return false;
    }
    let mut v: u128 = 0;
    for &c in digs.digits() {
        v = v * 10 + u128::from(c - b'0');
    }
    for _ in digs.nd as i32..digs.dp {
        v *= 10;
    }
    if neg {
        v <= 1u128 << 63
    } else {
        v <= u128::from(u64::MAX)
    }
}

/// go-yaml v3's text for a float64: `strconv.FormatFloat(f, 'g', -1, 64)`, with `.inf`,
/// `-.inf` and `.nan` (how kyaml's `FromMap` writes the numbers of a JSON-decoded object).
pub fn go_yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (mut out, mut scratch) = (String::new(), String::new());
    let digs = Digits::of(f.abs(), &mut scratch);
    format_g(f < 0.0, &digs, &mut out);
    out
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` for a finite non-zero value.
fn format_g(neg: bool, digs: &Digits, out: &mut String) {
    let exp = digs.dp - 1;
    // Shortest formatting decides with precision 6.
    if !(-4..6).contains(&exp) {
        format_e(neg, digs, out);
    } else {
        format_f(neg, digs, out);
    }
}

/// Go's `fmtE` with `prec = nd - 1`.
fn format_e(neg: bool, digs: &Digits, out: &mut String) {
    if neg {
        out.push('-');
    }
    let d = digs.digits();
    out.push(d[0] as char);
    if d.len() > 1 {
        out.push('.');
        push_ascii(out, &d[1..]);
    }
    out.push('e');
    let mut exp = digs.dp - 1;
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    let _ = write!(out, "{exp}");
}

/// Go's `fmtF` with `prec = max(nd - dp, 0)`.
fn format_f(neg: bool, digs: &Digits, out: &mut String) {
    if neg {
        out.push('-');
    }
    let d = digs.digits();
    let nd = d.len() as i32;
    let dp = digs.dp;
    if dp > 0 {
        let m = dp.min(nd) as usize;
        push_ascii(out, &d[..m]);
        for _ in m as i32..dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    let prec = (nd - dp).max(0);
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = dp + i - 1;
            let ch = if (0..nd).contains(&j) {
                d[j as usize]
            } else {
                b'0'
            };
            out.push(ch as char);
        }
    }
}

fn push_ascii(out: &mut String, digits: &[u8]) {
    for &c in digits {
        out.push(c as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(f: f64) -> String {
        let mut out = String::new();
        write_float(f, &mut out, &mut String::new());
        out
    }

    #[test]
    fn observed_kustomize_floats() {
        let cases: &[(f64, &str)] = &[
            (1234567.5, "1.2345675e+06"),
            (123456.5, "123456.5"),
            (1e20, "1e+20"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.5, "0.5"),
            (1.0, "1"),
            (1e3, "1000"),
            (123456789012345678901234567890.0, "1.2345678901234568e+29"),
            (-0.0, "0"),
            (0.0, "0"),
            (-1.5, "-1.5"),
            (3.25, "3.25"),
            (1e21, "1e+21"),
            (1e7, "10000000"),
            (9223372036854775807.0, "9223372036854776000"),
            (-9223372036854775808.0, "-9.223372036854776e+18"),
            (18446744073709551615.0, "1.8446744073709552e+19"),
            (-1e19, "-1e+19"),
            (1e-6, "1e-06"),
            (0.1, "0.1"),
            (123.456, "123.456"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (100000.25, "100000.25"),
            (-0.000123, "-0.000123"),
        ];
        for &(f, want) in cases {
            assert_eq!(fmt(f), want, "{f:e}");
        }
    }

    #[test]
    fn unsupported_values() {
        assert_eq!(unsupported(f64::NAN), Some("NaN"));
        assert_eq!(unsupported(f64::INFINITY), Some("+Inf"));
        assert_eq!(unsupported(f64::NEG_INFINITY), Some("-Inf"));
        assert_eq!(unsupported(1.0), None);
    }
}
