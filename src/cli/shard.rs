//! `--shard I/N`: a deterministic split of a fleet's clusters across N CI jobs. A cluster
//! belongs to shard `FNV-1a-64(name) mod N + 1`, so its shard depends on its name only and
//! stays put when other clusters are added or removed.

use std::fmt;
use std::str::FromStr;

/// One of `count` shards (`index` is 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 1 to `count`.
    pub index: u32,
    /// How many shards the fleet is split into.
    pub count: u32,
}

/// The 64-bit FNV-1a hash of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Shard {
    /// The shard (1-based) a cluster named `name` belongs to among `count`.
    pub fn of(name: &str, count: u32) -> u32 {
        (fnv1a(name.as_bytes()) % u64::from(count.max(1))) as u32 + 1
    }

    /// Whether the cluster named `name` belongs to this shard.
    pub fn contains(&self, name: &str) -> bool {
        Shard::of(name, self.count) == self.index
    }

    /// Appends `,"shard":{"index":I,"count":N` and `extra` (JSON members, each led by a comma)
    /// to a JSON document ending in `}` and a newline.
    pub fn tag(&self, mut json: String, extra: &str) -> String {
        let end = json.trim_end().len();
        json.truncate(end.saturating_sub(1));
        json.push_str(&format!(
            ",\"shard\":{{\"index\":{},\"count\":{}{extra}}}}}\n",
            self.index, self.count
        ));
        json
    }
}

/// Whether `shard` (if any) contains the cluster `name`.
pub fn selects(shard: Option<Shard>, name: &str) -> bool {
    shard.is_none_or(|s| s.contains(name))
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("'{s}' is not I/N with 1 <= I <= N (e.g. 2/4)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_based_index_of_count() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "1", "a/b", "-1/4", "1/4/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_name_lands_in_exactly_one_shard() {
        for name in ["production/eu-west-1", "staging/eu-central-1", "", "x"] {
            let owners: Vec<u32> = (1..=4)
                .filter(|&index| Shard { index, count: 4 }.contains(name))
                .collect();
            assert_eq!(owners.len(), 1, "{name}");
        }
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn tag_adds_the_shard_member_last() {
        let s = Shard { index: 1, count: 2 };
        assert_eq!(
            s.tag("{\"a\":1}\n".into(), ",\"x\":2"),
            "{\"a\":1,\"shard\":{\"index\":1,\"count\":2,\"x\":2}}\n"
        );
    }
}
