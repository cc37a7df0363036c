//! Typed Flux objects read from rendered resources: `Kustomization` (kustomize.toolkit.fluxcd.io
//! v1 and v1beta2) and the sources it points at (GitRepository, OCIRepository, Bucket).

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::resource::Resource;
use crate::yaml::{Node, Pos, Value};

/// The API group of Flux Kustomizations.
pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
/// The API group of Flux sources.
pub const SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";

/// Where an object was read: file and position of its root node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectOrigin {
    /// The file (absolute).
    pub file: PathBuf,
    /// Position of the object in it.
    pub pos: Pos,
}

/// `spec.sourceRef` of a Kustomization.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceRef {
    /// GitRepository, OCIRepository or Bucket.
    pub kind: String,
    /// The source's namespace (defaults to the Kustomization's).
    pub namespace: String,
    /// The source's name.
    pub name: String,
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

/// One `spec.dependsOn` entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DependsOn {
    /// Namespace of the dependency (defaults to the Kustomization's).
    pub namespace: String,
    /// Name of the dependency.
    pub name: String,
    /// Where the entry is written.
    pub pos: Pos,
}

/// One `spec.healthChecks` entry (read for the graph; it does not change the render).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// `apiVersion` of the object (may be empty).
    pub api_version: String,
    /// `kind` of the object.
    pub kind: String,
    /// Namespace of the object (the Kustomization's when unset).
    pub namespace: String,
    /// Name of the object.
    pub name: String,
    /// Where the entry is written.
    pub pos: Pos,
}

/// One `spec.images` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    /// The image name to match.
    pub name: String,
    /// Replacement name.
    pub new_name: Option<String>,
    /// Replacement tag.
    pub new_tag: Option<String>,
    /// Replacement digest.
    pub digest: Option<String>,
}

/// `spec.commonMetadata`: labels and annotations set on every object's metadata after the build.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommonMetadata {
    /// Labels, in spec order.
    pub labels: Vec<(String, String)>,
    /// Annotations, in spec order.
    pub annotations: Vec<(String, String)>,
}

/// `spec.decryption`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decryption {
    /// The provider (`sops`).
    pub provider: String,
    /// `secretRef.name`, when set.
    pub secret_ref: Option<String>,
}

/// A Flux `Kustomization`, with the fields that shape its build and its place in the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct FluxKustomization {
    /// `kustomize.toolkit.fluxcd.io/v1` or `.../v1beta2`.
    pub api_version: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (`default` when unset, as the API server would set it).
    pub namespace: String,
    /// Where the object was read.
    pub origin: ObjectOrigin,
    /// `spec.path`, relative to the source root (empty means the root).
    pub path: String,
    /// Where `spec.path` is written (the object when unset).
    pub path_pos: Pos,
    /// `spec.sourceRef`.
    pub source_ref: SourceRef,
    /// `spec.dependsOn`.
    pub depends_on: Vec<DependsOn>,
    /// `spec.targetNamespace`.
    pub target_namespace: Option<String>,
    /// `spec.namePrefix`.
    pub name_prefix: Option<String>,
    /// `spec.nameSuffix`.
    pub name_suffix: Option<String>,
    /// `spec.patches`, as written (`{patch, target}` mappings).
    pub patches: Vec<Node>,
    /// `spec.components`.
    pub components: Vec<String>,
    /// `spec.ignoreMissingComponents`.
    pub ignore_missing_components: bool,
    /// `spec.images`.
    pub images: Vec<Image>,
    /// v1beta2 `spec.patchesStrategicMerge`, as written.
    pub patches_strategic_merge: Vec<Node>,
    /// v1beta2 `spec.patchesJson6902`, as written (`{patch: [ops], target}`).
    pub patches_json6902: Vec<Node>,
    /// `spec.buildMetadata` options.
    pub build_metadata: Vec<String>,
    /// `spec.commonMetadata`.
    pub common_metadata: Option<CommonMetadata>,
    /// `spec.postBuild`, kept raw for the post-build stage.
    pub post_build: Option<Node>,
    /// `spec.serviceAccountName`.
    pub service_account_name: Option<String>,
    /// `spec.prune`.
    pub prune: bool,
    /// `spec.wait`.
    pub wait: bool,
    /// `spec.timeout`.
    pub timeout: Option<String>,
    /// `spec.healthChecks`.
    pub health_checks: Vec<HealthCheck>,
    /// `spec.suspend`.
    pub suspend: bool,
    /// `spec.decryption`.
    pub decryption: Option<Decryption>,
}

impl FluxKustomization {
    /// `namespace/name`, the Kustomization's key in the graph.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// A Flux source object (GitRepository, OCIRepository, Bucket).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FluxSource {
    /// The source's identity.
    pub id: SourceRef,
    /// `spec.url` (GitRepository, OCIRepository) or `spec.bucketName` (Bucket).
    pub url: Option<String>,
    /// Where the object was read.
    pub origin: ObjectOrigin,
}

/// Whether a resource is a Flux `Kustomization` (any version of the group).
pub fn is_flux_kustomization(r: &Resource) -> bool {
    let id = r.id();
    id.gvk.kind == "Kustomization" && id.gvk.group == KUSTOMIZE_GROUP
}

/// Reads a Flux source from a resource; `None` when the resource is not one.
pub fn parse_source(r: &Resource) -> Option<FluxSource> {
    let id = r.id();
    if id.gvk.group != SOURCE_GROUP
        || !matches!(
            id.gvk.kind.as_str(),
            "GitRepository" | "OCIRepository" | "Bucket"
        )
    {
        return None;
    }
    let spec = r.node.get("spec");
    let url = spec
        .and_then(|s| s.get("url").or_else(|| s.get("bucketName")))
        .and_then(Node::as_str)
        .map(str::to_owned);
    Some(FluxSource {
        id: SourceRef {
            kind: id.gvk.kind,
            namespace: ns_or_default(&id.namespace),
            name: id.name,
        },
        url,
        origin: origin_of(r),
    })
}

fn ns_or_default(ns: &str) -> String {
    if ns.is_empty() {
        "default".to_owned()
    } else {
        ns.to_owned()
    }
}

fn origin_of(r: &Resource) -> ObjectOrigin {
    ObjectOrigin {
        file: r.origin.file.to_path_buf(),
        pos: r.origin.pos,
    }
}

/// Field readers that turn type mismatches into diagnostics at the field.
struct Reader<'a> {
    origin: &'a ObjectOrigin,
    what: String,
}

impl Reader<'_> {
    fn err(&self, msg: String, pos: Pos) -> Diagnostic {
        let pos = if pos == Pos::NONE {
            self.origin.pos
        } else {
            pos
        };
        Diagnostic::at(format!("{}: {msg}", self.what), &self.origin.file, pos)
    }

    fn string(&self, map: Option<&Node>, key: &str) -> Result<Option<String>, Diagnostic> {
        match map.and_then(|m| m.get(key)) {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => match &n.value {
                Value::Str(s) => Ok(Some(s.clone())),
                Value::Map(_) | Value::Seq(_) => Err(self.err(
                    format!("`{key}` must be a string, not a {}", n.type_name()),
                    n.pos,
                )),
                _ => Ok(n.text().map(|t| t.into_owned())),
            },
        }
    }

    fn bool(&self, map: Option<&Node>, key: &str) -> Result<bool, Diagnostic> {
        match map.and_then(|m| m.get(key)) {
            None => Ok(false),
            Some(n) => match &n.value {
                Value::Null => Ok(false),
                Value::Bool(b) => Ok(*b),
                _ => Err(self
                    .err(
                        format!("`{key}` must be a boolean, not a {}", n.type_name()),
                        n.pos,
                    )
                    .with_hint("write true or false")),
            },
        }
    }

    fn seq<'n>(&self, map: Option<&'n Node>, key: &str) -> Result<&'n [Node], Diagnostic> {
        match map.and_then(|m| m.get(key)) {
            None => Ok(&[]),
            Some(n) => match &n.value {
                Value::Null => Ok(&[]),
                Value::Seq(items) => Ok(items),
                _ => Err(self.err(
                    format!("`{key}` must be a list, not a {}", n.type_name()),
                    n.pos,
                )),
            },
        }
    }

    fn string_map(
        &self,
        map: Option<&Node>,
        key: &str,
    ) -> Result<Vec<(String, String)>, Diagnostic> {
        let Some(n) = map.and_then(|m| m.get(key)) else {
            return Ok(Vec::new());
        };
        let Value::Map(m) = &n.value else {
            if n.is_null() {
                return Ok(Vec::new());
            }
            return Err(self.err(format!("`{key}` must be a mapping"), n.pos));
        };
        let mut out = Vec::new();
        for (k, v) in &m.entries {
            let (Some(k), Some(v)) = (k.text(), v.text()) else {
                return Err(self.err(format!("`{key}` values must be strings"), v.pos));
            };
            out.push((k.into_owned(), v.into_owned()));
        }
        Ok(out)
    }
}

/// Reads a Flux `Kustomization` from a resource; `Ok(None)` when the resource is not one.
pub fn parse_kustomization(r: &Resource) -> Result<Option<FluxKustomization>, Diagnostic> {
    if !is_flux_kustomization(r) {
        return Ok(None);
    }
    let id = r.id();
    let origin = origin_of(r);
    let namespace = ns_or_default(&id.namespace);
    let rd = Reader {
        origin: &origin,
        what: format!("Kustomization {namespace}/{}", id.name),
    };
    if id.name.is_empty() {
        return Err(rd.err("metadata.name is missing".into(), Pos::NONE));
    }
    let api_version = r
        .node
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_owned();
    let spec = r.node.get("spec");
    if spec.is_none_or(|s| s.as_map().is_none()) {
        return Err(rd
            .err("`spec` is missing or not a mapping".into(), Pos::NONE)
            .with_hint("a Flux Kustomization needs at least spec.sourceRef and spec.interval"));
    }
    let source = spec.and_then(|s| s.get("sourceRef"));
    let Some(kind) = rd.string(source, "kind")? else {
        return Err(rd.err("spec.sourceRef.kind is missing".into(), Pos::NONE));
    };
    let Some(src_name) = rd.string(source, "name")? else {
        return Err(rd.err("spec.sourceRef.name is missing".into(), Pos::NONE));
    };
    let source_ref = SourceRef {
        kind,
        namespace: rd
            .string(source, "namespace")?
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| namespace.clone()),
        name: src_name,
    };
    let mut depends_on = Vec::new();
    for d in rd.seq(spec, "dependsOn")? {
        let Some(name) = rd.string(Some(d), "name")?.filter(|s| !s.is_empty()) else {
            return Err(rd.err("dependsOn entry without a name".into(), d.pos));
        };
        let ns = rd.string(Some(d), "namespace")?.filter(|s| !s.is_empty());
        depends_on.push(DependsOn {
            namespace: ns.unwrap_or_else(|| namespace.clone()),
            name,
            pos: d.pos,
        });
    }
    let mut health_checks = Vec::new();
    for h in rd.seq(spec, "healthChecks")? {
        let kind = rd.string(Some(h), "kind")?.filter(|s| !s.is_empty());
        let name = rd.string(Some(h), "name")?.filter(|s| !s.is_empty());
        let (Some(kind), Some(name)) = (kind, name) else {
            return Err(rd
                .err("healthChecks entry without a kind or name".into(), h.pos)
                .with_hint("each entry names an object: kind, name, and optionally apiVersion and namespace"));
        };
        health_checks.push(HealthCheck {
            api_version: rd.string(Some(h), "apiVersion")?.unwrap_or_default(),
            kind,
            namespace: rd
                .string(Some(h), "namespace")?
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| namespace.clone()),
            name,
            pos: h.pos,
        });
    }
    let mut components = Vec::new();
    for c in rd.seq(spec, "components")? {
        match c.as_str() {
            Some(s) => components.push(s.to_owned()),
            None => return Err(rd.err("components entries must be strings".into(), c.pos)),
        }
    }
    let mut images = Vec::new();
    for i in rd.seq(spec, "images")? {
        let Some(name) = rd.string(Some(i), "name")? else {
            return Err(rd.err("images entry without a name".into(), i.pos));
        };
        images.push(Image {
            name,
            new_name: rd.string(Some(i), "newName")?.filter(|s| !s.is_empty()),
            new_tag: rd.string(Some(i), "newTag")?.filter(|s| !s.is_empty()),
            digest: rd.string(Some(i), "digest")?.filter(|s| !s.is_empty()),
        });
    }
    let mut build_metadata = Vec::new();
    for b in rd.seq(spec, "buildMetadata")? {
        match b.as_str() {
            Some(s) => build_metadata.push(s.to_owned()),
            None => return Err(rd.err("buildMetadata entries must be strings".into(), b.pos)),
        }
    }
    let common = spec.and_then(|s| s.get("commonMetadata"));
    let common_metadata = match common {
        Some(c) if !c.is_null() => Some(CommonMetadata {
            labels: rd.string_map(Some(c), "labels")?,
            annotations: rd.string_map(Some(c), "annotations")?,
        }),
        _ => None,
    };
    let decryption = match spec.and_then(|s| s.get("decryption")) {
        Some(d) if !d.is_null() => Some(Decryption {
            provider: rd.string(Some(d), "provider")?.unwrap_or_default(),
            secret_ref: rd.string(d.get("secretRef"), "name")?,
        }),
        _ => None,
    };
    let path_node = spec.and_then(|s| s.get("path"));
    Ok(Some(FluxKustomization {
        api_version,
        name: id.name,
        namespace,
        path: rd.string(spec, "path")?.unwrap_or_default(),
        path_pos: path_node.map_or(origin.pos, |n| n.pos),
        source_ref,
        depends_on,
        target_namespace: rd
            .string(spec, "targetNamespace")?
            .filter(|s| !s.is_empty()),
        name_prefix: rd.string(spec, "namePrefix")?.filter(|s| !s.is_empty()),
        name_suffix: rd.string(spec, "nameSuffix")?.filter(|s| !s.is_empty()),
        patches: rd.seq(spec, "patches")?.to_vec(),
        components,
        ignore_missing_components: rd.bool(spec, "ignoreMissingComponents")?,
        images,
        patches_strategic_merge: rd.seq(spec, "patchesStrategicMerge")?.to_vec(),
        patches_json6902: rd.seq(spec, "patchesJson6902")?.to_vec(),
        build_metadata,
        common_metadata,
        post_build: spec
            .and_then(|s| s.get("postBuild"))
            .filter(|n| !n.is_null())
            .cloned(),
        service_account_name: rd
            .string(spec, "serviceAccountName")?
            .filter(|s| !s.is_empty()),
        prune: rd.bool(spec, "prune")?,
        wait: rd.bool(spec, "wait")?,
        timeout: rd.string(spec, "timeout")?,
        health_checks,
        suspend: rd.bool(spec, "suspend")?,
        decryption,
        origin,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kustomize::resources::resources_from_documents;
    use crate::yaml::{Limits, parse_stream};
    use std::path::Path;

    fn parse(text: &str) -> Result<Option<FluxKustomization>, Diagnostic> {
        let docs = parse_stream(text, &Limits::default()).unwrap();
        let res = resources_from_documents(docs, Path::new("/r/ks.yaml")).unwrap();
        parse_kustomization(&res[0])
    }

    #[test]
    fn reads_wait_timeout_and_health_checks() {
        let head = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: apps\nspec:\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  path: ./app\n";
        let ks = parse(&format!(
            "{head}  wait: true\n  timeout: 3m\n  healthChecks:\n  - apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  - kind: HelmRelease\n    name: db\n    namespace: data\n"
        ))
        .unwrap()
        .unwrap();
        assert!(ks.wait);
        assert_eq!(ks.timeout.as_deref(), Some("3m"));
        assert_eq!(ks.health_checks.len(), 2);
        assert_eq!(ks.health_checks[0].namespace, "apps");
        assert_eq!(ks.health_checks[1].namespace, "data");
        let e = parse(&format!("{head}  healthChecks:\n  - kind: Deployment\n")).unwrap_err();
        assert_eq!(e.location.unwrap().pos, Pos::new(12, 5));
    }

    #[test]
    fn reads_v1beta2_fields_and_defaults_namespaces() {
        let ks = parse(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1beta2\nkind: Kustomization\nmetadata:\n  name: app\nspec:\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  path: ./app\n  dependsOn:\n  - name: infra\n  - name: other\n    namespace: x\n  patchesStrategicMerge:\n  - kind: Deployment\n  patchesJson6902:\n  - patch: [{op: remove, path: /a}]\n  images:\n  - name: nginx\n    newTag: \"1\"\n  commonMetadata:\n    labels: {team: a}\n  postBuild:\n    substitute: {a: b}\n  prune: true\n  suspend: false\n  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(ks.key(), "default/app");
        assert_eq!(ks.source_ref.to_string(), "GitRepository/default/repo");
        assert_eq!(ks.depends_on[0].namespace, "default");
        assert_eq!(ks.depends_on[1].namespace, "x");
        assert_eq!(ks.patches_strategic_merge.len(), 1);
        assert_eq!(ks.patches_json6902.len(), 1);
        assert_eq!(ks.images[0].new_tag.as_deref(), Some("1"));
        assert_eq!(
            ks.common_metadata.unwrap().labels,
            [("team".to_owned(), "a".to_owned())]
        );
        assert!(ks.post_build.is_some() && ks.prune && !ks.suspend);
        assert_eq!(
            ks.decryption.unwrap().secret_ref.as_deref(),
            Some("sops-age")
        );
        assert_eq!(ks.path_pos, Pos::new(9, 9));
    }

    #[test]
    fn other_kinds_are_not_kustomizations() {
        let other = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: x\n";
        assert_eq!(parse(other).unwrap(), None);
    }

    #[test]
    fn type_errors_point_at_the_field() {
        let err = parse(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: ns\nspec:\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  prune: yes-please\n",
        )
        .unwrap_err();
        assert_eq!(err.location.as_ref().unwrap().pos, Pos::new(10, 10));
        assert!(
            err.message
                .contains("Kustomization ns/app: `prune` must be a boolean"),
            "{err}"
        );
        let err = parse("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\nspec:\n  path: ./x\n")
            .unwrap_err();
        assert!(
            err.message.contains("spec.sourceRef.kind is missing"),
            "{err}"
        );
    }
}
