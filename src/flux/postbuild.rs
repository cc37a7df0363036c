//! Flux post-build variable substitution over rendered resources.
