//! Timestamps as go-yaml resolves plain scalars, and their RFC 3339 text as Go's JSON marshals them.
//!
//! go-yaml (v2 and v3) accepts a plain scalar as a timestamp when it starts with four digits and a
//! dash and Go's `time.Parse` accepts it with one of these layouts:
//! `2006-1-2T15:4:5.999999999Z07:00`, the same with a lower-case `t`,
//! `2006-1-2 15:4:5.999999999` (UTC) and `2006-1-2` (midnight UTC).

/// A parsed timestamp: calendar fields plus the zone offset in minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// Zone offset east of UTC, in minutes.
    offset_minutes: i32,
}

/// Parses `s` as go-yaml would resolve an unquoted timestamp.
pub fn parse(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut cur = Cursor { b, i: 5 };
    let year = digits_value(&b[..4]);
    let month = cur.num()?;
    cur.lit(b'-')?;
    let day = cur.num()?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut ts = Timestamp {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        offset_minutes: 0,
    };
    if cur.done() {
        return Some(ts);
    }
    let sep = cur.next()?;
    let with_zone = match sep {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    ts.hour = cur.num()?;
    cur.lit(b':')?;
    ts.minute = cur.num()?;
    cur.lit(b':')?;
    ts.second = cur.num()?;
    if ts.hour > 23 || ts.minute > 59 || ts.second > 59 {
        return None;
    }
    if let Some(&c) = cur.peek()
        && (c == b'.' || c == b',')
        && cur.b.get(cur.i + 1).is_some_and(u8::is_ascii_digit)
    {
        cur.i += 1;
        let start = cur.i;
        while cur.peek().is_some_and(u8::is_ascii_digit) {
            cur.i += 1;
        }
        let frac = &b[start..cur.i.min(start + 9)];
        let mut nanos = digits_value(frac);
        for _ in frac.len()..9 {
            nanos *= 10;
        }
        ts.nanos = nanos;
    }
    if with_zone {
        match cur.next()? {
            b'Z' => {}
            sign @ (b'+' | b'-') => {
                let rest = &b[cur.i..];
                if rest.len() < 5
                    || rest[2] != b':'
                    || !rest[..2].iter().all(u8::is_ascii_digit)
                    || !rest[3..5].iter().all(u8::is_ascii_digit)
                {
                    return None;
                }
                let (h, m) = (digits_value(&rest[..2]), digits_value(&rest[3..5]));
                if h > 24 || m > 60 {
                    return None;
                }
                cur.i += 5;
                let off = (h * 60 + m) as i32;
                ts.offset_minutes = if sign == b'-' { -off } else { off };
            }
            _ => return None,
        }
    }
    cur.done().then_some(ts)
}

impl Timestamp {
    /// The text Go's `time.Time.MarshalJSON` produces (RFC 3339 with trimmed nanoseconds).
    pub fn to_rfc3339(&self) -> String {
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        if self.offset_minutes == 0 {
            out.push('Z');
        } else {
            let sign = if self.offset_minutes < 0 { '-' } else { '+' };
            let off = self.offset_minutes.unsigned_abs();
            out.push_str(&format!("{sign}{:02}:{:02}", off / 60, off % 60));
        }
        out
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    /// One or two digits, as Go's `getnum(s, false)`.
    fn num(&mut self) -> Option<u32> {
        let d0 = *self.b.get(self.i).filter(|c| c.is_ascii_digit())?;
        self.i += 1;
        match self.b.get(self.i).filter(|c| c.is_ascii_digit()) {
            Some(&d1) => {
                self.i += 1;
                Some(u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'))
            }
            None => Some(u32::from(d0 - b'0')),
        }
    }
    fn lit(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    fn next(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        self.i += 1;
        Some(c)
    }
    fn peek(&self) -> Option<&u8> {
        self.b.get(self.i)
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn digits_value(d: &[u8]) -> u32 {
    d.iter().fold(0, |acc, c| acc * 10 + u32::from(c - b'0'))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(s: &str) -> Option<String> {
        parse(s).map(|t| t.to_rfc3339())
    }

    #[test]
    fn accepts_go_yaml_layouts() {
        assert_eq!(rfc("2024-01-01").as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(rfc("2024-1-2").as_deref(), Some("2024-01-02T00:00:00Z"));
        assert_eq!(
            rfc("2001-12-14t21:59:43.10-05:00").as_deref(),
            Some("2001-12-14T21:59:43.1-05:00")
        );
        assert_eq!(
            rfc("2001-12-14 21:59:43.10").as_deref(),
            Some("2001-12-14T21:59:43.1Z")
        );
        assert_eq!(
            rfc("2001-12-14T21:59:43+00:00").as_deref(),
            Some("2001-12-14T21:59:43Z")
        );
        assert_eq!(
            rfc("2001-12-14T21:59:43.1234567891Z").as_deref(),
            Some("2001-12-14T21:59:43.123456789Z")
        );
    }

    #[test]
    fn rejects_non_timestamps() {
        for s in [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T10:00:00",
            "2024-01-01 10:00:00Z",
            "24-01-01",
            "2024-01-01x",
            "2024-01-01T25:00:00Z",
            "2024-001-01",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
        assert!(parse("2024-02-29").is_some());
    }
}
