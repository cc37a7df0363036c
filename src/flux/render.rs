//! One Flux `Kustomization` built as kustomize-controller builds it (§10.1): the generated or
//! rewritten top-level kustomization in memory, FIFO order, no load restriction, then the
//! post-build steps (substitution, owner labels, commonMetadata).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::api::FluxKustomization;
use super::decrypt::{DecryptReport, decrypt_resources, decrypt_sources, wants_sops};
use super::generate::{GeneratedFile, build_dir, flux_kustomization_file};
use super::postbuild::{self, SubstituteRef};
use crate::diagnostic::{Diagnostic, Location};
use crate::kustomize::{BuildOptions, LoadRestrictor, Reorder, build};
use crate::resource::Resource;
use crate::sops::KeyRing;
use crate::source::record::{Probes, RecordingTree, answers_alike};
use crate::source::{OverlayTree, Tree};
use crate::yaml::{Limits, Node};

/// Label naming the Flux Kustomization that applied an object.
pub const OWNER_NAME_LABEL: &str = "kustomize.toolkit.fluxcd.io/name";
/// Label naming the namespace of the Flux Kustomization that applied an object.
pub const OWNER_NAMESPACE_LABEL: &str = "kustomize.toolkit.fluxcd.io/namespace";

/// What building one Flux Kustomization produced.
#[derive(Clone, Debug)]
pub struct Built {
    /// The objects, in the order Flux applies them (FIFO).
    pub resources: Vec<Resource>,
    /// The top-level kustomization Flux generated or rewrote, when it differs from the disk.
    pub kustomization_file: Option<GeneratedFile>,
    /// What SOPS decryption did (empty without `spec.decryption`).
    pub decryption: DecryptReport,
}

/// Builds `ks` from the source tree rooted at `root` (an absolute, real path) and runs the
/// post-build steps: what Flux applies.
pub fn render_kustomization(
    tree: &dyn Tree,
    root: &Path,
    ks: &FluxKustomization,
    limits: &Limits,
) -> Result<Built, Diagnostic> {
    let env = RenderEnv {
        cache: None,
        lookup: &|_| None,
        strict: postbuild::STRICT_DEFAULT,
        keys: None,
    };
    render_kustomization_cached(tree, root, ks, limits, &env)
}

/// What rendering a Kustomization needs besides the Kustomization itself.
pub struct RenderEnv<'a> {
    /// Memoised kustomize stages, when shared across Kustomizations.
    pub cache: Option<&'a BuildCache>,
    /// Finds `substituteFrom` objects.
    pub lookup: SubstituteLookup<'a>,
    /// Strict substitution.
    pub strict: bool,
    /// SOPS identities for Kustomizations with `spec.decryption`; without them encrypted values
    /// stay encrypted and the report says so.
    pub keys: Option<&'a KeyRing>,
}

/// Finds the data of a `substituteFrom` ConfigMap or Secret (`None` when it does not exist).
pub type SubstituteLookup<'a> =
    &'a (dyn Fn(&SubstituteRef) -> Option<BTreeMap<String, String>> + Sync);

/// Memoised kustomize stages: the same directory with the same Flux build parameters (as in
/// several clusters sharing an overlay) is built once. Only successful builds are kept.
///
/// A cache made with [`BuildCache::checking_inputs`] can be shared by renders of different
/// trees (the two sides of a diff): each entry remembers every question its build asked of the
/// tree (files read, kinds, directory listings) with a fingerprint of the answer, and is reused
/// only by a tree that answers all of them alike.
#[derive(Debug, Default)]
pub struct BuildCache {
    builds: Mutex<HashMap<String, Built>>,
    check_inputs: bool,
    checked: Mutex<HashMap<String, Vec<CheckedBuild>>>,
}

/// A build and the answers of the tree it was built from.
type CheckedBuild = Arc<(Probes, Built)>;

impl BuildCache {
    /// A cache whose entries are reused only where the tree holds the same inputs.
    pub fn checking_inputs() -> BuildCache {
        BuildCache {
            check_inputs: true,
            ..BuildCache::default()
        }
    }

    fn key(root: &Path, ks: &FluxKustomization) -> String {
        format!(
            "{}\0{}\0{:?}\0{:?}\0{:?}\0{:?}\0{:?}\0{}\0{:?}\0{:?}\0{:?}\0{:?}\0{}",
            root.display(),
            ks.path,
            ks.target_namespace,
            ks.name_prefix,
            ks.name_suffix,
            ks.patches,
            ks.components,
            ks.ignore_missing_components,
            ks.images,
            ks.patches_strategic_merge,
            ks.patches_json6902,
            ks.build_metadata,
            wants_sops(ks),
        )
    }

    /// The cached build for `key` on `tree`, or `build`'s result (kept when it succeeds).
    fn get_or_build(
        &self,
        tree: &dyn Tree,
        key: String,
        build: impl FnOnce(&dyn Tree) -> Result<Built, Diagnostic>,
    ) -> Result<Built, Diagnostic> {
        if !self.check_inputs {
            if let Some(b) = self.builds.lock().ok().and_then(|m| m.get(&key).cloned()) {
                return Ok(b);
            }
            let b = build(tree)?;
            if let Ok(mut map) = self.builds.lock() {
                map.insert(key, b.clone());
            }
            return Ok(b);
        }
        let candidates = self
            .checked
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
            .unwrap_or_default();
        for entry in candidates {
            if answers_alike(tree, &entry.0) {
                return Ok(entry.1.clone());
            }
        }
        let recording = RecordingTree::new(tree);
        let b = build(&recording)?;
        if let Ok(mut map) = self.checked.lock() {
            let entry = Arc::new((recording.probes(), b.clone()));
            map.entry(key).or_default().push(entry);
        }
        Ok(b)
    }
}

/// [`render_kustomization`] in an environment: an optional cache of kustomize stages, a lookup
/// of `substituteFrom` objects, the strictness of substitution and the SOPS keys.
pub fn render_kustomization_cached(
    tree: &dyn Tree,
    root: &Path,
    ks: &FluxKustomization,
    limits: &Limits,
    env: &RenderEnv<'_>,
) -> Result<Built, Diagnostic> {
    let build = |t: &dyn Tree| flux_build_with(t, root, ks, limits, env.keys);
    let built = match env.cache {
        Some(c) => c.get_or_build(tree, BuildCache::key(root, ks), build)?,
        None => build(tree)?,
    };
    let Built {
        mut resources,
        kustomization_file,
        mut decryption,
    } = built;

    // Decryption of the built objects (spec.decryption, SOPS): before substitution.
    if wants_sops(ks) {
        let no_keys = KeyRing::new();
        let keys = env.keys.unwrap_or(&no_keys);
        let report = decrypt_resources(&mut resources, keys).map_err(|d| within_ks(d, ks))?;
        decryption.merge(report);
    }

    // Post-build variable substitution (§10.6): after the build (and decryption), before the
    // owner labels and commonMetadata. Never cached: `BuildCache` holds the kustomize stage only.
    if let Some(post_build) = &ks.post_build {
        let mut spec = crate::yaml::Mapping::default();
        spec.insert("postBuild", post_build.clone());
        let spec = Node::new(crate::yaml::Value::Map(spec));
        if let Some(pb) = postbuild::parse_post_build(&spec, &ks.origin.file)? {
            postbuild::run(&mut resources, &pb, env.lookup, env.strict)?;
        }
    }

    for r in &mut resources {
        set_owner_labels(&mut r.node, ks);
        if let Some(common) = &ks.common_metadata {
            for (k, v) in &common.labels {
                set_metadata_entry(&mut r.node, "labels", k, v);
            }
            for (k, v) in &common.annotations {
                set_metadata_entry(&mut r.node, "annotations", k, v);
            }
        }
    }
    Ok(Built {
        resources,
        kustomization_file,
        decryption,
    })
}

fn within_ks(d: Diagnostic, ks: &FluxKustomization) -> Diagnostic {
    d.within(
        format!("while building Flux Kustomization {}", ks.key()),
        Some(Location {
            file: ks.origin.file.clone(),
            pos: ks.origin.pos,
        }),
    )
}

/// The kustomize stage of Flux's build (fluxcd/pkg `WriteFile` + `SecureBuild`): the generated
/// or rewritten top-level kustomization in memory, FIFO order, no load restriction. No
/// post-build step has run on the result, and nothing was decrypted.
pub fn flux_build(
    tree: &dyn Tree,
    root: &Path,
    ks: &FluxKustomization,
    limits: &Limits,
) -> Result<Built, Diagnostic> {
    flux_build_with(tree, root, ks, limits, None)
}

/// [`flux_build`] that first decrypts the SOPS sources of a Kustomization with
/// `spec.decryption` (in memory) when `keys` are given; without keys the sources stay
/// encrypted and the report lists them.
pub fn flux_build_with(
    tree: &dyn Tree,
    root: &Path,
    ks: &FluxKustomization,
    limits: &Limits,
    keys: Option<&KeyRing>,
) -> Result<Built, Diagnostic> {
    let within = |d: Diagnostic| within_ks(d, ks);
    let dir = build_dir(tree, root, ks).map_err(within)?;
    let generated = flux_kustomization_file(tree, root, &dir, ks, limits).map_err(within)?;
    let mut overlay = OverlayTree::confined(tree, root.to_owned());
    if let Some(g) = &generated {
        overlay.files.insert(g.path.clone(), g.text.clone());
    }
    let mut decryption = DecryptReport::default();
    if wants_sops(ks) {
        let no_keys = KeyRing::new();
        let (blobs, report) =
            decrypt_sources(&overlay, root, &dir, keys.unwrap_or(&no_keys), limits)
                .map_err(within)?;
        overlay.blobs = blobs;
        decryption = report;
    }
    let decrypted: Vec<PathBuf> = overlay.blobs.keys().cloned().collect();
    let within = |d: Diagnostic| {
        // A diagnostic located in a decrypted file must not quote it.
        let secret = d
            .location
            .as_ref()
            .is_some_and(|l| decrypted.contains(&l.file));
        let d = within_ks(d, ks);
        if secret { d.sensitive() } else { d }
    };
    let options = BuildOptions {
        reorder: Reorder::None,
        load_restrictor: LoadRestrictor::None,
        limits: *limits,
        display_base: Some(root.to_owned()),
    };
    let resources = build(&overlay, &dir, &options).map_err(within)?;
    for r in &resources {
        let id = r.id();
        if id.name.is_empty() || id.gvk.kind.is_empty() || id.gvk.api_version().is_empty() {
            return Err(within(Diagnostic::at(
                "object has no name, kind or apiVersion; Flux refuses to apply it",
                &*r.origin.file,
                r.origin.pos,
            )));
        }
    }

    Ok(Built {
        resources,
        kustomization_file: generated,
        decryption,
    })
}

/// Sets Flux's owner labels (overwriting existing values).
pub fn set_owner_labels(node: &mut Node, ks: &FluxKustomization) {
    set_metadata_entry(node, "labels", OWNER_NAME_LABEL, &ks.name);
    set_metadata_entry(node, "labels", OWNER_NAMESPACE_LABEL, &ks.namespace);
}

pub use crate::resource::set_metadata_entry;
