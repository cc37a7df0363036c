//! What each ImageUpdateAutomation would change: per file and marker, the old and new value.

use std::collections::BTreeMap;

use super::automation::Automation;
use super::discover::Repo;
use super::marker::{Field, ObjectId, Setter};
use super::policy::{ImagePolicy, latest};
use super::tags::Tags;
use crate::diagnostic::Diagnostic;
use crate::yaml::Pos;

/// Where each policy's tag comes from.
#[derive(Clone, Copy, Debug)]
pub enum Selection<'a> {
    /// Evaluate every policy against the known tags.
    Evaluate(&'a Tags),
    /// `images set`: one policy (`NS:NAME`) gets the given tag; other policies are left alone.
    Set {
        /// The policy's `NS:NAME`.
        policy: &'a str,
        /// The tag to set.
        tag: &'a str,
    },
}

/// One marker's new value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Index of the file in [`Repo::files`].
    pub file: usize,
    /// Index of the marker in the file.
    pub marker: usize,
    /// The marker's setter.
    pub setter: Setter,
    /// The object holding the marker.
    pub object: ObjectId,
    /// Where the scalar starts.
    pub pos: Pos,
    /// The value before.
    pub old: String,
    /// The value after.
    pub new: String,
    /// The policy's latest image reference (`NAME:TAG`) that led to the change, when known.
    pub image_ref: Option<String>,
}

/// The changes of one automation, in file and marker order.
#[derive(Clone, Debug)]
pub struct Run {
    /// Index of the automation in [`Repo::automations`].
    pub automation: usize,
    /// Its changes.
    pub changes: Vec<Change>,
}

/// The runs of every automation that would change something, and the problems found.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Runs in automation order; automations without changes are left out.
    pub runs: Vec<Run>,
    /// Problems that stop a marker from being updated (unknown policy, no tags, ...).
    pub errors: Vec<Diagnostic>,
    /// Informational notes (suspended automations).
    pub notes: Vec<Diagnostic>,
}

impl Plan {
    /// Works out every automation's changes; automations run in order, each seeing the
    /// values the ones before it set.
    pub fn new(repo: &Repo, selection: Selection<'_>) -> Plan {
        let mut planner = Planner {
            repo,
            selection,
            plan: Plan::default(),
            current: BTreeMap::new(),
            tags_of: BTreeMap::new(),
        };
        for (ai, auto) in repo.automations.iter().enumerate() {
            let at = repo.path_of(&auto.origin.file);
            if auto.suspended {
                planner.plan.notes.push(Diagnostic::at(
                    format!("ImageUpdateAutomation {} is suspended: skipped", auto.key()),
                    at,
                    auto.origin.pos,
                ));
                continue;
            }
            if let Some(problem) = &auto.problem {
                planner.plan.error(
                    Diagnostic::at(
                        format!("ImageUpdateAutomation {}: {problem}", auto.key()),
                        at,
                        auto.origin.pos,
                    )
                    .with_hint("fleetcheck runs the Setters strategy inside the repository"),
                );
                continue;
            }
            let mut run = Run {
                automation: ai,
                changes: Vec::new(),
            };
            for (fi, file) in repo.files.iter().enumerate() {
                if auto.covers(&file.rel) {
                    for mi in 0..file.markers.markers.len() {
                        run.changes.extend(planner.marker(auto, fi, mi));
                    }
                }
            }
            if !run.changes.is_empty() {
                planner.plan.runs.push(run);
            }
        }
        planner.plan
    }

    fn error(&mut self, d: Diagnostic) {
        if !self.errors.contains(&d) {
            self.errors.push(d);
        }
    }

    /// The final text of each changed marker: (file index, marker index) → value.
    pub fn final_values(&self) -> BTreeMap<(usize, usize), &str> {
        let mut out = BTreeMap::new();
        for c in self.runs.iter().flat_map(|r| &r.changes) {
            out.insert((c.file, c.marker), c.new.as_str());
        }
        out
    }
}

/// The state of planning: values set by earlier automations, each policy's tag.
struct Planner<'r> {
    repo: &'r Repo,
    selection: Selection<'r>,
    plan: Plan,
    current: BTreeMap<(usize, usize), String>,
    tags_of: BTreeMap<String, Result<String, String>>,
}

impl Planner<'_> {
    /// The change an automation makes to one marker, if any; problems go to the plan.
    fn marker(&mut self, auto: &Automation, fi: usize, mi: usize) -> Option<Change> {
        let repo = self.repo;
        let file = &repo.files[fi];
        let m = &file.markers.markers[mi];
        let here = || repo.path_of(&file.rel);
        let Some(setter) = &m.setter else {
            self.plan.error(
                Diagnostic::at(
                    format!("marker names {:?}, not NS:NAME", m.setter_text),
                    here(),
                    m.pos,
                )
                .with_hint("write `NS:NAME`, `NS:NAME:tag`, `NS:NAME:name` or `NS:NAME:digest`"),
            );
            return None;
        };
        let key = setter.policy_key();
        let other_policy = matches!(self.selection, Selection::Set { policy, .. } if policy != key);
        if setter.namespace != auto.namespace || other_policy {
            return None;
        }
        let Some(policy) = repo.policy(&key) else {
            self.plan.error(
                Diagnostic::at(format!("unknown ImagePolicy {key}"), here(), m.pos)
                    .with_hint("add the ImagePolicy to the repository or fix the marker"),
            );
            return None;
        };
        if !auto.applies_to(policy) {
            return None;
        }
        let selection = self.selection;
        let tag = self
            .tags_of
            .entry(key)
            .or_insert_with(|| selected_tag(repo, policy, selection))
            .clone();
        let image_ref = tag
            .as_ref()
            .ok()
            .and_then(|t| field_value(repo, policy, Field::Image, t).ok());
        let new = match tag.and_then(|t| field_value(repo, policy, setter.field, &t)) {
            Ok(v) => v,
            Err(e) => {
                self.plan.error(
                    Diagnostic::at(format!("ImagePolicy {}: {e}", policy.key()), here(), m.pos)
                        .with_hint(hint_for(&e)),
                );
                return None;
            }
        };
        let old = self.current.get(&(fi, mi)).unwrap_or(&m.value).clone();
        if old == new {
            return None;
        }
        self.current.insert((fi, mi), new.clone());
        Some(Change {
            file: fi,
            marker: mi,
            setter: setter.clone(),
            object: m.object.clone(),
            pos: m.pos,
            old,
            new,
            image_ref,
        })
    }
}

fn hint_for(error: &str) -> &'static str {
    if error.contains("--tags") {
        "add the image and its tags to the tags file"
    } else if error.contains("digest") {
        "digests are only known in the cluster; use the image, `:tag` or `:name` forms"
    } else if error.contains("ImageRepository") {
        "add the ImageRepository named by spec.imageRepositoryRef"
    } else {
        "check the ImagePolicy's spec.policy and spec.filterTags against the tags"
    }
}

/// The tag a policy selects.
fn selected_tag(
    repo: &Repo,
    policy: &ImagePolicy,
    selection: Selection<'_>,
) -> Result<String, String> {
    match selection {
        Selection::Set { tag, .. } => Ok(tag.to_string()),
        Selection::Evaluate(tags) => {
            let rule = policy.rule.as_ref().map_err(Clone::clone)?;
            let filter = match &policy.filter {
                Some(Ok(f)) => Some(f),
                Some(Err(e)) => return Err(e.clone()),
                None => None,
            };
            let image = image_of(repo, policy)?;
            let list = tags.by_image.get(image).ok_or_else(|| {
                format!(
                    "no tags for image {image} in --tags {}",
                    tags.file.display()
                )
            })?;
            latest(rule, filter, list)
        }
    }
}

fn image_of<'r>(repo: &'r Repo, policy: &ImagePolicy) -> Result<&'r str, String> {
    repo.image_of(policy).ok_or_else(|| {
        format!(
            "ImageRepository {}/{} not found",
            policy.repository.0, policy.repository.1
        )
    })
}

/// The value a marker of `field` gets for the policy's tag.
fn field_value(
    repo: &Repo,
    policy: &ImagePolicy,
    field: Field,
    tag: &str,
) -> Result<String, String> {
    match field {
        Field::Tag => Ok(tag.to_string()),
        Field::Image => Ok(format!("{}:{tag}", image_of(repo, policy)?)),
        Field::Name => Ok(image_of(repo, policy)?.to_string()),
        Field::Digest => Err("the digest of the latest image is not known offline".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DiskTree;
    use crate::yaml::Limits;

    const OBJECTS: &str = "apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {name: app, namespace: ns}
spec: {image: ghcr.io/o/app}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: app, namespace: ns, labels: {auto: 'yes'}}
spec: {imageRepositoryRef: {name: app}, policy: {semver: {range: '1.x'}}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {name: a-root, namespace: ns}
spec: {update: {path: ./}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {name: b-apps, namespace: ns}
spec: {update: {path: ./apps}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {name: c-selective, namespace: ns}
spec: {policySelector: {matchLabels: {auto: 'no'}}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {name: d-suspended, namespace: ns}
spec: {suspend: true}
";

    #[test]
    fn automations_run_in_order_and_see_earlier_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("objects.yaml"), OBJECTS).unwrap();
        std::fs::create_dir(dir.path().join("apps")).unwrap();
        std::fs::write(
            dir.path().join("apps/app.yaml"),
            "image: ghcr.io/o/app:1.0.0 # {\"$imagepolicy\": \"ns:app\"}\nother: x # {\"$imagepolicy\": \"ns:ghost\"}\n",
        )
        .unwrap();
        let repo = Repo::scan(&DiskTree, dir.path(), &Limits::default()).unwrap();
        let mut tags = Tags::default();
        tags.by_image.insert(
            "ghcr.io/o/app".into(),
            vec!["1.0.0".into(), "1.3.0".into(), "2.0.0".into()],
        );
        let plan = Plan::new(&repo, Selection::Evaluate(&tags));
        let runs: Vec<(&str, usize)> = plan
            .runs
            .iter()
            .map(|r| {
                (
                    repo.automations[r.automation].name.as_str(),
                    r.changes.len(),
                )
            })
            .collect();
        assert_eq!(
            runs,
            [("a-root", 1)],
            "b-apps sees a-root's value; c-selective selects nothing"
        );
        assert_eq!(plan.runs[0].changes[0].new, "ghcr.io/o/app:1.3.0");
        assert_eq!(
            plan.errors.len(),
            1,
            "the unknown policy once, though three automations cover it"
        );
        assert!(
            plan.errors[0]
                .message
                .contains("unknown ImagePolicy ns:ghost")
        );
        assert_eq!(plan.notes.len(), 1);
        assert!(plan.notes[0].message.contains("d-suspended is suspended"));

        let set = Plan::new(
            &repo,
            Selection::Set {
                policy: "ns:app",
                tag: "9.9.9",
            },
        );
        assert_eq!(set.runs[0].changes[0].new, "ghcr.io/o/app:9.9.9");
        assert!(
            set.errors.is_empty(),
            "other policies' markers are left alone: {:?}",
            set.errors
        );
    }
}
