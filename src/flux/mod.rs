//! Flux CD: the kustomize-controller's API objects, how it builds each `Kustomization`, and the
//! fleet graph of clusters and Kustomizations.

pub mod api;
pub mod discover;
pub mod generate;
pub mod graph;
pub mod render;
