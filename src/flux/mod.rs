//! Flux CD: the kustomize-controller's behaviour around a build (post-build variable substitution).

pub mod envsubst;
pub mod postbuild;
