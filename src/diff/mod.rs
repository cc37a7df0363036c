//! Two fleet renders (a base and a head revision) compared per cluster, per Flux Kustomization
//! and per object, with secret values compared by digest only, and the blast radius of the
//! change: which clusters it reaches and through which changed source paths.

pub mod blast;
pub mod compare;
pub mod fields;
pub mod object;

pub use blast::SourceImpact;
pub use compare::diff_fleets;
pub use fields::FieldChange;
pub use object::{ObjectChange, ObjectDiff, SecretKeyChange};

/// How a cluster or a Flux Kustomization changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Only in the head revision.
    Added,
    /// Only in the base revision.
    Removed,
    /// In both, with different objects or status.
    Changed,
    /// In both, alike.
    Unchanged,
}

impl Change {
    /// The lower-case word used in every output format.
    pub fn word(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
            Change::Unchanged => "unchanged",
        }
    }
}

/// The whole comparison.
#[derive(Clone, Debug, Default)]
pub struct FleetDiff {
    /// Every cluster of either side, sorted by name.
    pub clusters: Vec<ClusterDiff>,
    /// Changed source directories, the ones reaching most clusters first.
    pub sources: Vec<SourceImpact>,
    /// The source files either render read whose contents differ (relative to the repository),
    /// sorted.
    pub changed_files: Vec<String>,
}

impl FleetDiff {
    /// Whether any cluster changed.
    pub fn has_changes(&self) -> bool {
        self.clusters.iter().any(|c| c.change != Change::Unchanged)
    }

    /// The clusters that changed, in order.
    pub fn changed_clusters(&self) -> impl Iterator<Item = &ClusterDiff> {
        self.clusters
            .iter()
            .filter(|c| c.change != Change::Unchanged)
    }
}

/// Object and Kustomization counts of one cluster's change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Objects added.
    pub added: usize,
    /// Objects removed.
    pub removed: usize,
    /// Objects changed in place.
    pub changed: usize,
    /// Objects moved to another Kustomization (changed or not).
    pub moved: usize,
    /// Kustomizations that failed or are blocked in the head revision.
    pub failed: usize,
}

impl Counts {
    /// Objects that differ in any way.
    pub fn objects(&self) -> usize {
        self.added + self.removed + self.changed + self.moved
    }
}

/// One cluster's change.
#[derive(Clone, Debug)]
pub struct ClusterDiff {
    /// The cluster's name.
    pub name: String,
    /// Added, removed, changed or unchanged.
    pub change: Change,
    /// The Kustomizations that differ (unchanged ones are left out), by key.
    pub kustomizations: Vec<KsDiff>,
    /// Counts over the Kustomizations.
    pub counts: Counts,
}

/// One Flux Kustomization's change.
#[derive(Clone, Debug)]
pub struct KsDiff {
    /// `namespace/name`.
    pub key: String,
    /// Added, removed or changed.
    pub change: Change,
    /// Status in the base revision (`None` when absent).
    pub base_status: Option<String>,
    /// Status in the head revision (`None` when absent).
    pub head_status: Option<String>,
    /// The head revision's errors for this Kustomization (paths relative to the repository).
    pub errors: Vec<String>,
    /// Keys of the Kustomizations it depends on in the head (base when removed) revision.
    pub depends_on: Vec<String>,
    /// The objects that differ, in head order (removed ones after).
    pub objects: Vec<ObjectDiff>,
}
