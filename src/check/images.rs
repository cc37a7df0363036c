//! Image automation (FC5xx): `$imagepolicy` markers that an ImageUpdateAutomation of the cluster
//! covers but whose ImagePolicy the cluster does not have, ImagePolicies whose rule does not
//! parse (semver ranges in Flux's constraint dialect, `filterTags` patterns), and
//! ImageUpdateAutomations whose `update.path` does not exist.

use std::collections::BTreeSet;

use super::finding::Finding;
use super::index::ClusterIndex;
use super::rule;
use crate::images::automation::{Automation, parse_automation};
use crate::images::discover::Repo;
use crate::images::policy::{Origin, parse_policy};
use crate::resource::Resource;
use crate::source::path::{display_relative, join_clean};
use crate::source::{EntryKind, Tree};

const IMAGE_GROUP: &str = "image.toolkit.fluxcd.io";

fn origin(index: &ClusterIndex<'_>, r: &Resource) -> Origin {
    Origin {
        file: display_relative(&r.origin.file, index.root),
        pos: r.origin.pos,
    }
}

fn image_objects<'a>(
    index: &'a ClusterIndex<'_>,
    kind: &'a str,
) -> impl Iterator<Item = (&'a str, &'a Resource)> {
    index.objects.iter().copied().filter(move |(_, r)| {
        let id = r.id();
        id.gvk.group == IMAGE_GROUP && id.gvk.kind == kind
    })
}

/// Runs FC501-FC503 over one cluster; `repo` holds the repository's markers.
pub fn check(tree: &dyn Tree, index: &ClusterIndex<'_>, repo: &Repo, out: &mut Vec<Finding>) {
    let mut policies = BTreeSet::new();
    for (ks, r) in image_objects(index, "ImagePolicy") {
        let Ok(policy) = parse_policy(&r.node, origin(index, r)) else {
            continue; // no name: a schema violation, not an image rule
        };
        if let Err(why) = &policy.rule {
            out.push(index.object_finding(
                rule::IMAGE_POLICY_INVALID,
                ks,
                r,
                format!("ImagePolicy {}: {why}", policy.key()),
            ));
        }
        policies.insert(policy.key());
    }
    for (ks, r) in image_objects(index, "ImageUpdateAutomation") {
        let Ok(automation) = parse_automation(&r.node, origin(index, r)) else {
            continue;
        };
        let dir = join_clean(index.root, &automation.path);
        if automation.problem.is_none() && tree.kind(&dir) != Some(EntryKind::Dir) {
            out.push(index.object_finding(
                rule::UPDATE_PATH_MISSING,
                ks,
                r,
                format!(
                    "ImageUpdateAutomation {}: spec.update.path '{}' is not a directory of the repository",
                    automation.key(),
                    automation.path
                ),
            ));
        }
        if !automation.suspended {
            unknown_policies(index, repo, &automation, &policies, out);
        }
    }
}

/// Markers under the automation's `update.path` that name a policy of its namespace the
/// cluster does not have: the automation never updates them.
fn unknown_policies(
    index: &ClusterIndex<'_>,
    repo: &Repo,
    automation: &Automation,
    policies: &BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    for file in repo.files.iter().filter(|f| automation.covers(&f.rel)) {
        for m in &file.markers.markers {
            let Some(setter) = &m.setter else { continue };
            let key = setter.policy_key();
            if setter.namespace != automation.namespace || policies.contains(&key) {
                continue;
            }
            out.push(
                Finding::new(
                    rule::MARKER_UNKNOWN_POLICY,
                    index.name(),
                    format!(
                        "marker names ImagePolicy {key}, which cluster {} does not have; ImageUpdateAutomation {} never updates it",
                        index.name(),
                        automation.key()
                    ),
                )
                .at(repo.path_of(&file.rel), m.pos),
            );
        }
    }
}
