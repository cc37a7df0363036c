//! Bounds that keep hostile YAML from exhausting time or memory.

/// Limits applied while reading YAML. Every limit fails with a clear error naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes (default 256 MiB).
    pub max_file_bytes: usize,
    /// Deepest nesting of sequences and mappings (default 256, like the flow-collection limit of the underlying parser).
    pub max_depth: usize,
    /// Most nodes that aliases may materialise in one file (default 1,000,000); stops "billion laughs".
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 256 * 1024 * 1024,
            max_depth: 256,
            max_alias_nodes: 1_000_000,
        }
    }
}
