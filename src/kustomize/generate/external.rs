//! `generators:` entries: plugin configs, inline or loaded like resources, of which the builtin
//! `ConfigMapGenerator`, `SecretGenerator` and `IAMPolicyGenerator` run (kusttarget_configplugin.go
//! `configureExternalGenerators`). Their source paths are relative to the kustomization that
//! lists them, and `generatorOptions` do not apply to them.

use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::kustomize::kustomization::{Entry, Kustomization};
use crate::kustomize::loader::Loader;
use crate::kustomize::resources::resources_from_documents;
use crate::resource::Resource;
use crate::yaml::{Mapping, Node, Pos, Value, parse_stream};

use super::absorb::absorb;
use super::args::{Behavior, GenKind, parse_entry};
use super::generate;

/// The plugin configs written inline in a `generators:` entry, or `None` when the entry is a
/// path. Positions inside the inline text are replaced by the entry's.
pub fn inline_configs(
    entry: &Entry,
    kust: &Kustomization,
    loader: &Loader<'_>,
) -> Result<Option<Vec<Resource>>, Diagnostic> {
    let Ok(docs) = parse_stream(&entry.value, &loader.limits) else {
        return Ok(None);
    };
    if docs.is_empty() || docs.iter().any(|d| !matches!(d.root.value, Value::Map(_))) {
        return Ok(None);
    }
    let docs = docs
        .into_iter()
        .map(|mut d| {
            set_pos(&mut d.root, entry.pos);
            d
        })
        .collect();
    resources_from_documents(docs, &kust.file).map(Some)
}

fn set_pos(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|i| set_pos(i, pos)),
        Value::Map(m) => m.entries.iter_mut().for_each(|(k, v)| {
            set_pos(k, pos);
            set_pos(v, pos);
        }),
        _ => {}
    }
}

/// Runs the generator plugin configs of `kust`'s `generators:` in order, absorbing each result.
pub fn run_plugin_generators(
    kust: &Kustomization,
    configs: Vec<Resource>,
    layer: &mut Layer,
    loader: &Loader<'_>,
) -> Result<(), Diagnostic> {
    for cfg in configs {
        let file = cfg.origin.file.to_path_buf();
        let at = |msg: String| Diagnostic::at(msg, &file, cfg.origin.pos);
        let api_version = cfg
            .node
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or("");
        let kind = cfg.kind();
        if api_version != "builtin" {
            return Err(at(format!(
                "external plugins disabled; unable to load external plugin '{kind}' (apiVersion '{api_version}')"
            ))
            .with_hint("kustomize (and Flux) only run builtin plugins, `apiVersion: builtin`"));
        }
        let gen_kind = match kind {
            "ConfigMapGenerator" => GenKind::ConfigMap,
            "SecretGenerator" => GenKind::Secret,
            "IAMPolicyGenerator" => {
                let res = iam_policy(&cfg).map_err(|msg| {
                    at(msg).with_hint("the IAMPolicyGenerator supports `cloud: gke`")
                })?;
                absorb(layer, res, Behavior::Create, &file, cfg.origin.pos)?;
                continue;
            }
            other => {
                return Err(at(format!(
                    "builtin generator plugin `{other}` is not supported yet"
                ))
                .with_hint("fleetcheck runs the ConfigMapGenerator and SecretGenerator plugins; use configMapGenerator/secretGenerator fields otherwise"));
            }
        };
        let mut args = parse_entry(&cfg.node, gen_kind, &file, false)?;
        if args.name.is_empty() {
            args.name = cfg.name().to_owned();
        }
        if args.namespace.is_empty() {
            args.namespace = cfg.namespace().to_owned();
        }
        args.pos = cfg.origin.pos;
        let mut res = generate(&args, kust.dir(), &file, loader)?;
        res.book.generator_name = Some((cfg.name().to_owned(), cfg.namespace().to_owned()));
        res.book.origin_path = cfg.book.origin_path.clone();
        absorb(layer, res, args.behavior, &file, args.pos)?;
    }
    Ok(())
}

/// The builtin IAMPolicyGenerator: for `cloud: gke`, a ServiceAccount annotated with the Google
/// service account it impersonates (api/internal/generators/iampolicygenerator).
fn iam_policy(cfg: &Resource) -> Result<Resource, String> {
    let text = |path: &[&str]| {
        cfg.node
            .get_path(path)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let cloud = text(&["cloud"]);
    if cloud != "gke" {
        return Err(format!("cloud provider {cloud} not supported yet"));
    }
    let mut annotations = Mapping::default();
    annotations.insert(
        "iam.gke.io/gcp-service-account",
        Node::string(format!(
            "{}@{}.iam.gserviceaccount.com",
            text(&["serviceAccount", "name"]),
            text(&["serviceAccount", "projectId"])
        )),
    );
    let mut meta = Mapping::default();
    meta.insert("annotations", Node::new(Value::Map(annotations)));
    meta.insert("name", Node::string(text(&["kubernetesService", "name"])));
    let namespace = text(&["kubernetesService", "namespace"]);
    if !namespace.is_empty() {
        meta.insert("namespace", Node::string(namespace));
    }
    let mut root = Mapping::default();
    root.insert("apiVersion", Node::string("v1"));
    root.insert("kind", Node::string("ServiceAccount"));
    root.insert("metadata", Node::new(Value::Map(meta)));
    let mut res = Resource::new(
        Node::at(Value::Map(root), cfg.origin.pos),
        cfg.origin.clone(),
    );
    res.book.generated_by = Some((cfg.origin.file.to_path_buf(), "IAMPolicyGenerator".into()));
    res.book.generator_name = Some((cfg.name().to_owned(), cfg.namespace().to_owned()));
    res.book.origin_path = cfg.book.origin_path.clone();
    Ok(res)
}
