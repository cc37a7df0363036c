//! The kustomize engine: kustomization files, resource loading and `kustomize build`.

pub mod build;
pub mod kustomization;
pub mod output;
pub mod resources;

pub use build::{BuildOptions, LoadRestrictor, Reorder, build};
pub use kustomization::Kustomization;
