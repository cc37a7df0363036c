//! A finding: which rule, where (cluster, Kustomization, object, file:line:col), what and how
//! to fix it.

use std::fmt;

use super::rule::{Rule, Severity};
use crate::diagnostic::Location;
use crate::resource::Resource;
use crate::yaml::Pos;

/// Annotation listing rule ids to ignore on one object: `fleetcheck.io/ignore: FC101,FC203`.
pub const IGNORE_ANNOTATION: &str = "fleetcheck.io/ignore";

/// The object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` ("" when cluster-scoped or unset).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// The reference to a rendered object.
    pub fn of(r: &Resource) -> ObjectRef {
        let id = r.id();
        ObjectRef {
            api_version: id.gvk.api_version(),
            kind: id.gvk.kind,
            namespace: id.namespace,
            name: id.name,
        }
    }
}

impl fmt::Display for ObjectRef {
    /// `Kind namespace/name`, or `Kind name` without a namespace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// One problem found by a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule.
    pub rule: &'static Rule,
    /// Its severity (the rule's).
    pub severity: Severity,
    /// The cluster ("" for findings about the repository as a whole).
    pub cluster: String,
    /// The Flux Kustomization (`namespace/name`) it concerns, when one does.
    pub kustomization: Option<String>,
    /// The object it concerns, when one does.
    pub object: Option<ObjectRef>,
    /// What is wrong, in words a tenant understands.
    pub message: String,
    /// How to fix it (the rule's hint unless a finding knows better).
    pub hint: String,
    /// Where in the repository (absolute file, line and column).
    pub location: Option<Location>,
    /// The located file may hold secret values: reports never quote it.
    pub sensitive: bool,
    /// Rule ids the object's `fleetcheck.io/ignore` annotation lists.
    pub ignored_by_object: Vec<String>,
}

impl Finding {
    /// A finding of `rule` in `cluster`, with the rule's severity and hint.
    pub fn new(rule: &'static Rule, cluster: &str, message: impl Into<String>) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            cluster: cluster.to_owned(),
            kustomization: None,
            object: None,
            message: message.into(),
            hint: rule.hint.to_owned(),
            location: None,
            sensitive: false,
            ignored_by_object: Vec::new(),
        }
    }

    /// Sets the Kustomization.
    pub fn in_kustomization(mut self, key: impl Into<String>) -> Finding {
        self.kustomization = Some(key.into());
        self
    }

    /// Sets the object and its location (the document it came from), and reads its ignore
    /// annotation.
    pub fn on_object(mut self, r: &Resource) -> Finding {
        self.object = Some(ObjectRef::of(r));
        self.location = Some(Location {
            file: r.origin.file.to_path_buf(),
            pos: r.origin.pos,
        });
        self.ignored_by_object = ignored_rules(r);
        self
    }

    /// Sets the location.
    pub fn at(mut self, file: impl Into<std::path::PathBuf>, pos: Pos) -> Finding {
        self.location = Some(Location {
            file: file.into(),
            pos,
        });
        self
    }

    /// Moves the location to another position of the same file (a field of the object), when
    /// the position is known.
    pub fn at_pos(mut self, pos: Pos) -> Finding {
        if let Some(loc) = &mut self.location
            && pos != Pos::NONE
        {
            loc.pos = pos;
        }
        self
    }

    /// Replaces the rule's hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = hint.into();
        self
    }

    /// Marks the located file as holding secret values.
    pub fn sensitive(mut self) -> Finding {
        self.sensitive = true;
        self
    }
}

/// The rule ids an object's `fleetcheck.io/ignore` annotation lists (comma or space separated).
pub fn ignored_rules(r: &Resource) -> Vec<String> {
    r.annotations()
        .into_iter()
        .filter(|(k, _)| *k == IGNORE_ANNOTATION)
        .flat_map(|(_, v)| v.split([',', ' ']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
