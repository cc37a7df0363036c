//! Presenting results to people: diagnostics with source snippets.

pub mod diagnostic;
