//! The kustomize engine: kustomization files, resource loading and `kustomize build`.

pub mod build;
pub mod config;
pub mod fieldspec;
pub mod finish;
pub mod generate;
pub mod hash;
pub mod kustomization;
pub mod loader;
pub mod nameref;
pub mod output;
pub mod patch;
pub mod plugins;
pub mod replacements;
pub mod resources;
pub mod transform;
pub mod transformations;
pub mod vars;

pub use build::{BuildOptions, Reorder, build};
pub use kustomization::Kustomization;
pub use loader::LoadRestrictor;
