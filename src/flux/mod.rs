//! Flux CD: the kustomize-controller's API objects, how it builds each `Kustomization`
//! (generated kustomization, post-build variable substitution), and the fleet graph of clusters
//! and Kustomizations.

pub mod api;
pub mod config;
pub mod decrypt;
pub mod discover;
pub mod envsubst;
pub mod generate;
pub mod graph;
pub mod lookup;
pub mod postbuild;
pub mod render;
pub mod varsfile;
