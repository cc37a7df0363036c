//! go-yaml v2's mapping key order (`sorter.go keyList.Less` as of v2.4.0, the version kustomize
//! v5.5.0 vendors through sigs.k8s.io/yaml) for string keys: a "natural" order where digit runs
//! compare numerically and letters sort after other characters (later forks changed the
//! letter-after-digit rule; this one does not have that change).

/// go-yaml v2 `keyList.Less` for two string keys.
pub(super) fn key_less(a: &str, b: &str) -> bool {
    let mut ai_iter = a.chars();
    let mut bi_iter = b.chars();
    // Index-based access is needed for the look-back and digit runs; walk with iterators and only
    // materialise the tails when the first difference is found.
    let mut prefix_len = 0usize; // in chars
    loop {
        let (ca, cb) = match (ai_iter.next(), bi_iter.next()) {
            (Some(x), Some(y)) => (x, y),
            (None, Some(_)) => return true,
            _ => return false,
        };
        if ca == cb {
            prefix_len += 1;
            continue;
        }
        let al = is_letter(ca);
        let bl = is_letter(cb);
        if al && bl {
            return ca < cb;
        }
        if al || bl {
            return bl;
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ca == '0' || cb == '0' {
            // Look back over the shared digit run for a non-zero digit.
            let shared: Vec<char> = a.chars().take(prefix_len).collect();
            for &c in shared.iter().rev() {
                if !is_digit(c) {
                    break;
                }
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let (an, alen) = digit_run(std::iter::once(ca).chain(ai_iter), an);
        let (bn, blen) = digit_run(std::iter::once(cb).chain(bi_iter), bn);
        if an != bn {
            return an < bn;
        }
        if alen != blen {
            return alen < blen;
        }
        return ca < cb;
    }
}

/// Accumulates a digit run as Go does (`n = n*10 + int64(r - '0')`, wrapping), returning the
/// value and the run length.
fn digit_run(chars: impl Iterator<Item = char>, start: i64) -> (i64, usize) {
    let mut n = start;
    let mut len = 0;
    for c in chars {
        if !is_digit(c) {
            break;
        }
        n = n
            .wrapping_mul(10)
            .wrapping_add(i64::from(c as i32 - '0' as i32));
        len += 1;
    }
    (n, len)
}

/// Go's `unicode.IsLetter` (exact for ASCII; `char::is_alphabetic` approximates it elsewhere).
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic() && !c.is_numeric()
    }
}

/// Go's `unicode.IsDigit` (exact for ASCII; `char::is_numeric` approximates it elsewhere).
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        c.is_numeric()
    }
}

/// Sorts `items` by `key_less` on the keys `key(item)` (a stable merge sort: it never panics,
/// whatever the comparison does).
pub(super) fn sort_by_key_less<T: Copy>(items: &mut [T], key: impl Fn(&T) -> &str) {
    let n = items.len();
    if n <= 12 {
        for i in 1..n {
            let mut j = i;
            while j > 0 && key_less(key(&items[j]), key(&items[j - 1])) {
                items.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    let mut buf: Vec<T> = items.to_vec();
    let mut width = 1;
    // Bottom-up merge sort, ping-ponging between `items` and `buf`.
    let mut src_is_items = true;
    while width < n {
        {
            let (src, dst): (&[T], &mut [T]) = if src_is_items {
                (&*items, &mut buf[..])
            } else {
                (&buf[..], &mut *items)
            };
            let mut start = 0;
            while start < n {
                let mid = (start + width).min(n);
                let end = (start + 2 * width).min(n);
                let (mut i, mut j, mut k) = (start, mid, start);
                while i < mid && j < end {
                    if key_less(key(&src[j]), key(&src[i])) {
                        dst[k] = src[j];
                        j += 1;
                    } else {
                        dst[k] = src[i];
                        i += 1;
                    }
                    k += 1;
                }
                dst[k..k + (mid - i)].copy_from_slice(&src[i..mid]);
                k += mid - i;
                dst[k..k + (end - j)].copy_from_slice(&src[j..end]);
                start = end;
            }
        }
        src_is_items = !src_is_items;
        width *= 2;
    }
    if !src_is_items {
        items.copy_from_slice(&buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut keys = vec![
            "b", "a10", "Z", "a_b", "10", "aB", "_x", "amp", "2", "a9", "A", "a-b", "1",
        ];
        sort_by_key_less(&mut keys, |k| k);
        assert_eq!(
            keys,
            [
                "_x", "1", "2", "10", "A", "Z", "a-b", "a_b", "a9", "a10", "aB", "amp", "b"
            ]
        );
    }

    #[test]
    fn large_sort_matches_small() {
        let base = [
            "b",
            "a10",
            "Z",
            "a_b",
            "10",
            "aB",
            "_x",
            "amp",
            "2",
            "a9",
            "A",
            "a-b",
            "1",
            "x01",
            "x1",
            "x001",
            "x0",
            "x00",
            "apiVersion",
            "kind",
            "metadata",
            "spec",
            "status",
            "data",
        ];
        let mut big: Vec<&str> = base.to_vec();
        sort_by_key_less(&mut big, |k| k);
        for w in big.windows(2) {
            assert!(!key_less(w[1], w[0]), "{w:?}");
        }
    }

    #[test]
    fn zeros_and_digit_letter() {
        assert!(!key_less("a01", "a1"));
        assert!(key_less("a1", "a01"));
        assert!(key_less("1_", "1a"));
        assert!(key_less("01éÄ", "0bz92"));
        assert!(key_less("_", "a"));
        assert!(key_less("a", "ab"));
    }
}
