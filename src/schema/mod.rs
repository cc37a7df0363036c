//! Schemas for `fleetcheck check`: the Kubernetes OpenAPI schemas of the four newest minor
//! versions and the Flux kinds' schemas (both embedded, compressed, decoded once on first use),
//! CRD schemas harvested from the fleet, and `--schema-dir`; and a validator for the JSON-Schema
//! subset they use, with the API server's typing of YAML values.
//!
//! Strict mode rejects fields a schema does not list (where it lists properties and neither
//! `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` opens it) and duplicate
//! keys (our YAML parser keeps them: [`crate::yaml::Mapping`] says callers decide). Formats
//! checked: `int32`, `int64`, `byte`, `date-time`, `int-or-string`; other formats and CEL rules
//! (`x-kubernetes-validations`) are not checked.

mod builtin;
mod crd;
mod dir;
mod error;
mod json;
mod model;
mod scalar;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;

pub use error::SchemaError;

use builtin::{Builtin, OBJECT_META};
use dir::Target;
use model::{Catalog, SchemaId};
use validate::{Seg, Validator, Walk, duplicate_keys};

use crate::resource::Gvk;
use crate::source::DiskTree;
use crate::source::Tree;
use crate::yaml::{Node, Pos};

/// One schema violation of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// JSON path of the offending value (`spec.template.spec.containers[0].ports[0].containerPort`);
    /// empty for the object itself.
    pub path: String,
    /// Where the offending node is in its source file (for a missing field, the mapping that
    /// lacks it; for an unknown field or a duplicate key, the key).
    pub pos: Pos,
    /// What is wrong (`expected integer, got string "80"`). Values of Secrets are never quoted.
    pub message: String,
    /// Which schema said so (`kubernetes v1.37`, `flux v2.5.1`, `CRD NAME`, `schema FILE`).
    pub source: String,
}

/// Schemas of files named `KIND_VERSION.json`, by (version, lower-case kind), each with the group
/// of its directory (`None`: any group).
type NamedSchemas = HashMap<(String, String), Vec<(Option<String>, Custom)>>;

/// A schema registered at run time (CRD or schema file).
#[derive(Clone, Debug)]
struct Custom {
    id: SchemaId,
    source: String,
}

/// The schemas objects are validated against.
#[derive(Clone, Debug)]
pub struct SchemaSet {
    kube: &'static Builtin,
    flux: &'static Builtin,
    custom: Catalog,
    exact: HashMap<Gvk, Custom>,
    /// Schema files named `KIND_VERSION.json`.
    named: NamedSchemas,
}

impl SchemaSet {
    /// Embedded Kubernetes schemas of `kube_version` ("1.34" or "v1.34.1"), plus the embedded
    /// Flux schemas.
    pub fn builtin(kube_version: &str) -> Result<SchemaSet, SchemaError> {
        let index = builtin::kube_index(kube_version)?;
        Ok(SchemaSet {
            kube: builtin::kube(index)?,
            flux: builtin::flux()?,
            custom: Catalog::default(),
            exact: HashMap::new(),
            named: HashMap::new(),
        })
    }

    /// The Kubernetes minor versions embedded, newest first.
    pub fn kube_versions() -> &'static [&'static str] {
        &builtin::KUBE_VERSIONS
    }

    /// Registers the `openAPIV3Schema` of each served version of a CustomResourceDefinition
    /// (`apiextensions.k8s.io/v1`); returns how many versions were registered. A later CRD for
    /// the same kind replaces an earlier one.
    pub fn add_crd(&mut self, crd: &Node) -> Result<usize, SchemaError> {
        let source = format!("CRD {}", crd::crd_name(crd));
        let versions = crd::harvest(crd, &mut self.custom)?;
        for v in &versions {
            let custom = Custom {
                id: v.id,
                source: source.clone(),
            };
            self.exact.insert(v.gvk.clone(), custom);
        }
        Ok(versions.len())
    }

    /// Loads the schemas under `dir` (recursively, in name order); returns how many kinds were
    /// registered. `*.yaml`/`*.yml` files contribute their CustomResourceDefinitions (other
    /// documents are skipped); each `*.json` file is one JSON schema for the kinds in its
    /// `x-kubernetes-group-version-kind`, or else for the kind its name gives in kubeconform's
    /// CRD-catalog convention `GROUP/KIND_VERSION.json` (kind matched without case; a file at
    /// the top matches any group). Other files are ignored.
    pub fn add_dir(&mut self, dir: &Path) -> Result<usize, SchemaError> {
        self.add_dir_in(&DiskTree, dir)
    }

    /// [`SchemaSet::add_dir`] reading through `tree`.
    pub fn add_dir_in(&mut self, tree: &dyn Tree, dir: &Path) -> Result<usize, SchemaError> {
        dir::load_dir(self, tree, dir)
    }

    /// Registers one JSON schema document for `target`.
    fn add_schema(
        &mut self,
        schema: &Node,
        target: Target,
        source: String,
    ) -> Result<usize, SchemaError> {
        let id = self.custom.compile_document(schema)?;
        let custom = Custom { id, source };
        Ok(match target {
            Target::Exact(gvks) => {
                for gvk in &gvks {
                    self.exact.insert(gvk.clone(), custom.clone());
                }
                gvks.len()
            }
            Target::Named {
                group,
                version,
                kind,
            } => {
                let list = self.named.entry((version, kind)).or_default();
                list.retain(|(g, _)| *g != group);
                list.push((group, custom));
                1
            }
        })
    }

    /// The schema of a kind: registered CRDs and files first, then Kubernetes, then Flux.
    fn lookup(&self, gvk: &Gvk) -> Option<(&Catalog, SchemaId, &str, bool)> {
        if let Some(c) = self.exact.get(gvk) {
            return Some((&self.custom, c.id, &c.source, true));
        }
        let key = (gvk.version.clone(), gvk.kind.to_lowercase());
        if let Some(list) = self.named.get(&key) {
            let hit = list
                .iter()
                .find(|(g, _)| g.as_deref() == Some(gvk.group.as_str()))
                .or_else(|| list.iter().find(|(g, _)| g.is_none()));
            if let Some((_, c)) = hit {
                return Some((&self.custom, c.id, &c.source, true));
            }
        }
        if let Some(id) = self.kube.kinds.get(gvk) {
            return Some((&self.kube.catalog, *id, &self.kube.source, false));
        }
        let id = self.flux.kinds.get(gvk)?;
        Some((&self.flux.catalog, *id, &self.flux.source, true))
    }

    /// Whether a schema is known for `apiVersion`/`kind`.
    pub fn knows(&self, api_version: &str, kind: &str) -> bool {
        self.lookup(&Gvk::from_api_version(api_version, kind))
            .is_some()
    }

    /// Validates `obj`; `None` when no schema is known for its apiVersion/kind (or it has none).
    /// `strict` rejects unknown fields and duplicate keys.
    pub fn validate(&self, obj: &Node, strict: bool) -> Option<Vec<Violation>> {
        let api = obj.get("apiVersion")?.as_str()?;
        let kind = obj.get("kind")?.as_str()?;
        let gvk = Gvk::from_api_version(api, kind);
        let (catalog, id, source, custom) = self.lookup(&gvk)?;
        let validator = Validator {
            catalog,
            strict,
            source,
            quote_values: !(gvk.group.is_empty() && kind == "Secret"),
        };
        let mut walk = Walk::new(&validator, Vec::new(), obj.pos);
        walk.run(id, obj);
        let mut out = walk.out;
        // The API server validates a custom resource's metadata as ObjectMeta whatever its CRD
        // says about it.
        if custom
            && let (Some(meta), Some(meta_id)) =
                (obj.get("metadata"), self.kube.defs.get(OBJECT_META))
        {
            let meta_validator = Validator {
                catalog: &self.kube.catalog,
                ..validator
            };
            let mut walk = Walk::new(&meta_validator, vec![Seg::Key("metadata".into())], meta.pos);
            walk.run(*meta_id, meta);
            out.extend(walk.out);
        }
        if strict {
            duplicate_keys(obj, &mut Vec::new(), source, &mut out);
        }
        Some(out)
    }
}
