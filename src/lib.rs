//! fleetcheck: render and verify a Flux CD fleet repository offline.
//!
//! Layers, lowest first: [`source`] and [`yaml`], then [`resource`], then [`kustomize`] and
//! [`helm`], then [`flux`], then [`check`], then [`cli`].

pub mod check;
pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod flux;
pub mod helm;
pub mod images;
pub mod kustomize;
pub mod redact;
pub mod report;
pub mod resource;
pub mod schema;
pub mod sops;
pub mod source;
pub mod yaml;
