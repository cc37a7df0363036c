//! fleetcheck: render and verify a Flux CD fleet repository offline.

pub mod yaml;
