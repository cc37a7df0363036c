//! ImageUpdateAutomation objects: which files (`update.path`) and which policies (same namespace,
//! `policySelector`) an automation updates, and its commit message template.

use super::policy::{ImagePolicy, Origin, object_name};
use crate::resource::selector::LabelSelector;
use crate::yaml::Node;

/// The commit message the controller uses when `messageTemplate` is not set.
pub const DEFAULT_MESSAGE: &str = "Update from image update automation";

/// An `ImageUpdateAutomation`.
#[derive(Clone, Debug)]
pub struct Automation {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `apiVersion` (v1beta1 and v1beta2 templates may use the legacy `.Updated` data).
    pub api_version: String,
    /// `spec.update.path`, cleaned and relative to the repository root (`""` for the root).
    pub path: String,
    /// `spec.suspend`.
    pub suspended: bool,
    /// `spec.policySelector`; `None` selects every policy of the namespace.
    pub selector: Option<LabelSelector>,
    /// `spec.git.commit.messageTemplate`.
    pub message_template: Option<String>,
    /// `spec.git.commit.messageTemplateValues`, sorted by key.
    pub template_values: Vec<(String, String)>,
    /// Why the automation cannot run offline (unsupported strategy, bad path or selector).
    pub problem: Option<String>,
    /// Where it is declared.
    pub origin: Origin,
}

impl Automation {
    /// `NAMESPACE/NAME`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Whether a file (relative path, `/` separators) lies under `update.path`.
    pub fn covers(&self, file: &str) -> bool {
        self.path.is_empty()
            || file
                .strip_prefix(&self.path)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Whether the automation considers a policy: same namespace, matching `policySelector`.
    pub fn applies_to(&self, policy: &ImagePolicy) -> bool {
        if policy.namespace != self.namespace {
            return false;
        }
        let labels: Vec<(&str, &str)> = policy
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.selector.as_ref().is_none_or(|s| s.matches(&labels))
    }

    /// Whether templates get the legacy `.Updated` data (removed in `v1`).
    pub fn has_legacy_updated(&self) -> bool {
        !self.api_version.ends_with("/v1")
    }
}

/// Reads an ImageUpdateAutomation document.
pub fn parse_automation(doc: &Node, origin: Origin) -> Result<Automation, String> {
    let (namespace, name) =
        object_name(doc).ok_or("ImageUpdateAutomation without metadata.name")?;
    let text = |path: &[&str]| {
        doc.get_path(path)
            .and_then(|n| n.text())
            .map(|t| t.into_owned())
    };
    let mut problem = None;
    let strategy = text(&["spec", "update", "strategy"]).unwrap_or_else(|| "Setters".into());
    if strategy != "Setters" {
        problem = Some(format!(
            "update strategy {strategy:?} is not supported (only Setters)"
        ));
    }
    let raw_path = text(&["spec", "update", "path"]).unwrap_or_default();
    let path = match clean_path(&raw_path) {
        Some(p) => p,
        None => {
            problem = Some(format!(
                "spec.update.path {raw_path:?} leaves the repository"
            ));
            String::new()
        }
    };
    let selector = match doc.get_path(&["spec", "policySelector"]) {
        None => None,
        Some(sel) => match selector_text(sel).and_then(|t| LabelSelector::parse(&t)) {
            Ok(s) => Some(s),
            Err(e) => {
                problem = Some(format!("spec.policySelector: {e}"));
                None
            }
        },
    };
    let mut template_values: Vec<(String, String)> = doc
        .get_path(&["spec", "git", "commit", "messageTemplateValues"])
        .and_then(|v| v.as_map())
        .map(|m| {
            m.entries
                .iter()
                .filter_map(|(k, v)| Some((k.text()?.into_owned(), v.text()?.into_owned())))
                .collect()
        })
        .unwrap_or_default();
    template_values.sort();
    Ok(Automation {
        api_version: text(&["apiVersion"]).unwrap_or_default(),
        suspended: doc
            .get_path(&["spec", "suspend"])
            .is_some_and(|s| s.value == crate::yaml::Value::Bool(true)),
        message_template: text(&["spec", "git", "commit", "messageTemplate"]),
        namespace,
        name,
        path,
        selector,
        template_values,
        problem,
        origin,
    })
}

/// `./apps/` → `apps`; `.`, `./` and `` → the root; `None` when `..` climbs out.
fn clean_path(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// A `matchLabels`/`matchExpressions` selector in `kubectl -l` syntax.
fn selector_text(sel: &Node) -> Result<String, String> {
    let mut reqs = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(|m| m.as_map()) {
        for (k, v) in &m.entries {
            reqs.push(format!(
                "{}={}",
                k.text().unwrap_or_default(),
                v.text().unwrap_or_default()
            ));
        }
    }
    for expr in sel
        .get("matchExpressions")
        .and_then(|e| e.as_seq())
        .unwrap_or_default()
    {
        let key = expr.get("key").and_then(|k| k.text()).unwrap_or_default();
        let op = expr
            .get("operator")
            .and_then(|o| o.text())
            .unwrap_or_default();
        let values: Vec<String> = expr
            .get("values")
            .and_then(|v| v.as_seq())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.text().map(|t| t.into_owned()))
            .collect();
        reqs.push(match op.as_ref() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.into_owned(),
            "DoesNotExist" => format!("!{key}"),
            other => return Err(format!("unknown operator {other:?}")),
        });
    }
    Ok(reqs.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Pos, parse_stream};

    fn automation(src: &str) -> Automation {
        let docs = parse_stream(src, &Limits::default()).unwrap();
        let origin = Origin {
            file: "a.yaml".into(),
            pos: Pos::new(1, 1),
        };
        parse_automation(&docs[0].root, origin).unwrap()
    }

    #[test]
    fn path_coverage() {
        let a = automation(
            "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\nmetadata: {name: a, namespace: flux-system}\nspec:\n  update: {path: ./apps/, strategy: Setters}\n",
        );
        assert_eq!(a.path, "apps");
        assert!(a.covers("apps/x.yaml"));
        assert!(a.covers("apps/base/x.yaml"));
        assert!(!a.covers("apps-other/x.yaml"));
        assert!(!a.covers("x.yaml"));
        assert!(!a.has_legacy_updated());
        assert!(a.problem.is_none());
        let root = automation(
            "apiVersion: image.toolkit.fluxcd.io/v1beta1\nkind: ImageUpdateAutomation\nmetadata: {name: a}\nspec: {}\n",
        );
        assert!(root.covers("x.yaml"));
        assert_eq!(root.namespace, "default");
        assert!(root.has_legacy_updated());
        let bad = automation(
            "kind: ImageUpdateAutomation\nmetadata: {name: a}\nspec: {update: {path: ../x, strategy: Other}}\n",
        );
        assert!(bad.problem.is_some());
    }

    #[test]
    fn policy_selector() {
        let a = automation(
            "kind: ImageUpdateAutomation\nmetadata: {name: a, namespace: ns}\nspec:\n  policySelector:\n    matchLabels: {team: a}\n    matchExpressions:\n      - {key: tier, operator: In, values: [web, api]}\n",
        );
        let policy = |ns: &str, labels: &[(&str, &str)]| ImagePolicy {
            namespace: ns.into(),
            name: "p".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            repository: (ns.into(), "r".into()),
            rule: Err("unused".into()),
            filter: None,
            origin: Origin {
                file: "p.yaml".into(),
                pos: Pos::new(1, 1),
            },
        };
        assert!(a.applies_to(&policy("ns", &[("team", "a"), ("tier", "web")])));
        assert!(!a.applies_to(&policy("ns", &[("team", "a"), ("tier", "db")])));
        assert!(!a.applies_to(&policy("other", &[("team", "a"), ("tier", "web")])));
    }
}
