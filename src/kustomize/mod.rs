//! The kustomize engine: kustomization files, resource loading and `kustomize build`.

pub mod build;
pub mod config;
pub mod fieldspec;
pub mod kustomization;
pub mod loader;
pub mod output;
pub mod patch;
pub mod resources;

pub use build::{BuildOptions, Reorder, build};
pub use kustomization::Kustomization;
pub use loader::LoadRestrictor;
