//! Image automation offline: find `$imagepolicy` markers, evaluate ImagePolicies against known
//! tags, and rewrite markers in place as the image-automation-controller's Setters strategy does.

pub mod automation;
pub mod discover;
mod json;
pub mod marker;
pub mod plan;
pub mod policy;
pub mod rewrite;
pub mod semver;
pub mod tags;
pub mod template;
