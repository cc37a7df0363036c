//! `kustomize build`: accumulate a kustomization, its bases and components layer by layer, then
//! finish at the top level and order the result.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::config::TransformerConfig;
use super::finish::{BuildMetadata, finish};
use super::kustomization::{Entry, FILE_NAMES, KustKind, Kustomization};
use super::loader::{LoadRestrictor, Loader, is_remote};
use super::patch;
use super::plugins;
use super::resources::{resources_from_documents, scalar};
use super::transform;
use super::transformations::join_logical;
use crate::diagnostic::{Diagnostic, Location};
use crate::resource::sort::{LegacyOrder, SortOrder, sort_resources};
use crate::resource::{Gvk, Resource};
use crate::source::path::join_clean;
use crate::source::{EntryKind, Tree};
use crate::yaml::{Limits, Node, Pos, Value};

/// The output order when the top-level kustomization has no `sortOptions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reorder {
    /// kustomize's legacy kind ranking (the kustomize CLI default).
    #[default]
    Legacy,
    /// Accumulation order (FIFO), as Flux builds.
    None,
}

/// Options of one build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Output order without `sortOptions`.
    pub reorder: Reorder,
    /// File load restriction.
    pub load_restrictor: LoadRestrictor,
    /// YAML reading limits.
    pub limits: Limits,
    /// The directory that paths in messages are shown relative to; by default the parent of
    /// the build directory (a Flux render passes the repository root).
    pub display_base: Option<PathBuf>,
}

/// What a kustomization accumulates: its resources, the transformer configuration that
/// propagates up to its parents, and its declared vars.
#[derive(Debug, Default)]
pub struct Layer {
    /// Resources in accumulation order.
    pub resources: Vec<Resource>,
    /// Field specs (builtin defaults plus `configurations` and `crds` of this layer and below).
    pub config: TransformerConfig,
    /// `vars` declarations of this layer and below, each with the file that declared it.
    pub vars: Vec<(PathBuf, Node)>,
}

impl Layer {
    /// Appends resources; an id already present is an error (kustomize's `AppendAll`).
    pub fn append(&mut self, incoming: Vec<Resource>, loader: &Loader) -> Result<(), Diagnostic> {
        let mut ids: HashSet<(Gvk, String, String)> = self.resources.iter().map(id_key).collect();
        self.resources.reserve(incoming.len());
        for r in incoming {
            if !ids.insert(id_key(&r)) {
                let id = r.id();
                let first = self
                    .resources
                    .iter()
                    .find(|e| id_key(e) == id_key(&r))
                    .map(|e| format!(" (first defined in {})", loader.show(&e.origin.file)))
                    .unwrap_or_default();
                return Err(Diagnostic::at(
                    format!("may not add resource with an already registered id: {id}{first}"),
                    &*r.origin.file,
                    r.origin.pos,
                )
                .with_hint("each object may appear once per build; rename one copy, or include the base only once"));
            }
            self.resources.push(r);
        }
        Ok(())
    }

    /// Adds a sub-layer built from a `resources` directory (kustomize's `MergeAccumulator`).
    pub fn absorb(&mut self, sub: Layer, loader: &Loader) -> Result<(), Diagnostic> {
        self.append(sub.resources, loader)?;
        transform::merge_config(&mut self.config, sub.config).map_err(|e| {
            Diagnostic::new(format!(
                "merging the transformer configuration of a base: {e}"
            ))
        })?;
        self.vars.extend(sub.vars);
        Ok(())
    }
}

fn id_key(r: &Resource) -> (Gvk, String, String) {
    let id = r.id();
    let ns = id.effective_namespace().to_owned();
    (id.gvk, id.name, ns)
}

/// Builds the kustomization in `dir` into its ordered resources.
pub fn build(
    tree: &dyn Tree,
    dir: &Path,
    options: &BuildOptions,
) -> Result<Vec<Resource>, Diagnostic> {
    let root = tree.real_path(dir).map_err(|e| {
        Diagnostic::new(format!("cannot build '{}': {e}", dir.display()))
            .with_hint("pass a directory that holds a kustomization.yaml")
    })?;
    if tree.kind(&root) != Some(EntryKind::Dir) {
        return Err(
            Diagnostic::new(format!("'{}' is not a directory", dir.display()))
                .with_hint("pass the directory that holds kustomization.yaml, not the file"),
        );
    }
    let loader = Loader {
        tree,
        restrictor: options.load_restrictor,
        limits: options.limits,
        display_base: options
            .display_base
            .clone()
            .unwrap_or_else(|| root.parent().unwrap_or(&root).to_owned()),
    };
    let mut builder = Builder {
        loader: &loader,
        chain: Vec::new(),
        openapi: patch::OpenApi::default(),
        track: None,
        annotates_files: false,
        origin_path: String::new(),
    };
    let mut layer = Layer::default();
    let kust = builder.accumulate_into(&root, &mut layer, None)?;
    let meta = BuildMetadata::of(&kust)?;
    // Once, at the top level: hash suffixes, name references, then vars (spec §2.1).
    let mut resources = layer.resources;
    super::hash::apply_hash_suffixes(&mut resources);
    super::nameref::fix_name_references(&mut resources, &layer.config)?;
    super::vars::resolve(&mut resources, &layer.vars, &layer.config)?;
    resources.retain(|r| !is_local_config(r));
    let order = kust.sort_order.clone().unwrap_or(match options.reorder {
        Reorder::Legacy => SortOrder::Legacy(LegacyOrder::default()),
        Reorder::None => SortOrder::Fifo,
    });
    sort_resources(&mut resources, &order);
    finish(&mut resources, meta, &root);
    Ok(resources)
}

/// With `buildMetadata`, kustomize annotates each object read from a file with its origin, which
/// fails on a `metadata.annotations` that is not a mapping (or null).
fn check_annotations_map(r: &Resource, entry: &str) -> Result<(), Diagnostic> {
    let Some(node) = r.node.get_path(&["metadata", "annotations"]) else {
        return Ok(());
    };
    let found = match &node.value {
        Value::Null | Value::Map(_) => return Ok(()),
        Value::Seq(_) => "SequenceNode",
        _ => "ScalarNode",
    };
    Err(Diagnostic::at(
        format!(
            "wrong node kind: expected MappingNode but got {found}: cannot add path annotation for '{entry}' to field 'metadata/annotations' of object {}",
            r.id()
        ),
        &*r.origin.file,
        node.pos,
    )
    .with_hint("with buildMetadata kustomize annotates every object; `metadata.annotations` must be a mapping"))
}

/// kustomize drops objects annotated `config.kubernetes.io/local-config` (unless "false").
fn is_local_config(r: &Resource) -> bool {
    r.node
        .get_path(&[
            "metadata",
            "annotations",
            "config.kubernetes.io/local-config",
        ])
        .is_some_and(|v| scalar(Some(v)) != "false")
}

struct Builder<'a> {
    loader: &'a Loader<'a>,
    /// Directories on the current inclusion chain, outermost first.
    chain: Vec<PathBuf>,
    /// The `openapi` schema in force (global to the build, as in kustomize).
    openapi: patch::OpenApi,
    /// The top-level directory when the top-level `buildMetadata` asks for origin or transformer
    /// annotations: transformers are then recorded (kustomize forces the top-level option on
    /// every layer).
    track: Option<PathBuf>,
    /// Whether the top level lists any `buildMetadata` option: kustomize then annotates every
    /// object read from a file with its origin.
    annotates_files: bool,
    /// The current kustomization's directory as kustomize's origin path: the `resources` and
    /// `components` entries joined from the top level ("" at the top).
    origin_path: String,
}

impl Builder<'_> {
    /// Runs one kustomization's pipeline into `layer` (kustomize's `accumulateTarget`):
    /// resources, configuration, generators, components, transformers, vars. `expect` is the
    /// kind the caller requires (`None` for the top level, which may be either).
    fn accumulate_into(
        &mut self,
        dir: &Path,
        layer: &mut Layer,
        expect: Option<KustKind>,
    ) -> Result<Kustomization, Diagnostic> {
        let kust = self.load_kustomization(dir)?;
        if let Some(want) = expect
            && kust.kind != want
        {
            let msg = match want {
                KustKind::Kustomization => format!(
                    "expected kind != 'Component' for path '{}'",
                    self.loader.show(dir)
                ),
                KustKind::Component => format!(
                    "expected kind 'Component' for path '{}'",
                    self.loader.show(dir)
                ),
            };
            return Err(
                Diagnostic::at(msg, &kust.file, Pos::new(1, 1)).with_hint(match want {
                    KustKind::Kustomization => "a Component can only be listed under `components`",
                    KustKind::Component => {
                        "only a kustomization of `kind: Component` can be listed under `components`"
                    }
                }),
            );
        }
        self.openapi
            .configure(&kust, self.loader, self.chain.is_empty())?;
        if self.chain.is_empty() {
            self.annotates_files = kust.field("buildMetadata").is_some();
            if BuildMetadata::records_transformers(&kust) {
                self.track = Some(dir.to_owned());
            }
        }
        self.chain.push(dir.to_owned());
        let result = self.run_layer(&kust, layer);
        self.chain.pop();
        result?;
        Ok(kust)
    }

    fn run_layer(&mut self, kust: &Kustomization, layer: &mut Layer) -> Result<(), Diagnostic> {
        for entry in &kust.resources {
            self.accumulate_entry(kust, entry, layer)?;
        }
        transform::configs::merge_into_layer(self.loader, kust, layer)?;
        super::generate::run_generators(kust, layer, self.loader)?;
        // The generated objects' origin: this kustomization's path from the top level.
        let configured_in = self.kust_origin_path(kust);
        for r in &mut layer.resources {
            if r.book
                .generated_by
                .as_ref()
                .is_some_and(|(f, _)| *f == kust.file)
            {
                r.book.origin_path = Some(configured_in.clone());
            }
        }
        let configs = self.plugin_configs(kust, "generators")?;
        super::generate::external::run_plugin_generators(kust, configs, layer, self.loader)?;
        for entry in self.entries(kust, "components")? {
            self.accumulate_component(kust, &entry, layer)?;
        }
        // Builtin transformers in kustomize's fixed order (spec §2.2 step 6, 1-11), then the
        // `transformers:` plugin configs (12).
        if let Some(top) = &self.track {
            super::transformations::annotate_origins(&mut layer.resources, top);
        }
        let configured_in = self.track.is_some().then(|| self.kust_origin_path(kust));
        plugins::run_transformers(
            kust,
            layer,
            self.loader,
            &self.openapi,
            configured_in.as_deref(),
        )?;
        let configs = self.plugin_configs(kust, "transformers")?;
        let track = self.track.clone();
        plugins::run_transformer_plugins(
            kust,
            configs,
            layer,
            self.loader,
            &self.openapi,
            track.as_deref(),
        )?;
        super::vars::merge_layer_vars(kust, &mut layer.resources, &mut layer.vars)?;
        Ok(())
    }

    /// The plugin configs of `generators:` or `transformers:`: inline entries first, then the
    /// paths, accumulated like `resources` (kustomize's `configureExternal{Generators,Transformers}`).
    fn plugin_configs(
        &mut self,
        kust: &Kustomization,
        field: &str,
    ) -> Result<Vec<Resource>, Diagnostic> {
        let mut configs = Layer::default();
        let mut paths = Vec::new();
        for entry in self.entries(kust, field)? {
            match super::generate::external::inline_configs(&entry, kust, self.loader)? {
                Some(mut inline) => {
                    // kustomize gives an inline config the kustomization file as its origin.
                    let path = self.kust_origin_path(kust);
                    for cfg in &mut inline {
                        cfg.book.origin_path = Some(path.clone());
                    }
                    configs.append(inline, self.loader)?
                }
                None => paths.push(entry),
            }
        }
        for entry in &paths {
            self.accumulate_entry(kust, entry, &mut configs)?;
        }
        Ok(configs.resources)
    }

    /// The kustomization file's origin path (`filepath.Join(origin.Path, kustFileName)`).
    fn kust_origin_path(&self, kust: &Kustomization) -> String {
        let name = kust
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        join_logical(&self.origin_path, &name)
    }

    /// Runs `f` with the origin path extended by a directory entry, then restores it.
    fn within_entry<T>(&mut self, entry: &Entry, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.origin_path.clone();
        self.origin_path = join_logical(&saved, &entry.value);
        let result = f(self);
        self.origin_path = saved;
        result
    }

    /// The string entries of a list field.
    fn entries(&self, kust: &Kustomization, field: &str) -> Result<Vec<Entry>, Diagnostic> {
        let Some(node) = kust.field(field) else {
            return Ok(Vec::new());
        };
        let Value::Seq(items) = &node.value else {
            return Err(Diagnostic::at(
                format!("`{field}` must be a list of strings"),
                &kust.file,
                node.pos,
            ));
        };
        items
            .iter()
            .map(|i| match &i.value {
                Value::Str(s) => Ok(Entry {
                    value: s.clone(),
                    pos: i.pos,
                }),
                _ => Err(Diagnostic::at(
                    format!("`{field}` entries must be strings"),
                    &kust.file,
                    i.pos,
                )),
            })
            .collect()
    }

    fn accumulate_component(
        &mut self,
        kust: &Kustomization,
        entry: &Entry,
        layer: &mut Layer,
    ) -> Result<(), Diagnostic> {
        let here = Location {
            file: kust.file.clone(),
            pos: entry.pos,
        };
        let dir = self.entry_dir(kust, entry, "component")?;
        self.within_entry(entry, |b| {
            b.accumulate_into(&dir, layer, Some(KustKind::Component))
        })
        .map_err(|d| d.within(format!("in component '{}'", entry.value), Some(here)))?;
        Ok(())
    }

    /// Resolves a directory entry (a base or a component), with kustomize's cycle check.
    fn entry_dir(
        &self,
        kust: &Kustomization,
        entry: &Entry,
        what: &str,
    ) -> Result<PathBuf, Diagnostic> {
        let at = |msg: String| Diagnostic::at(msg, &kust.file, entry.pos);
        if is_remote(&entry.value) {
            return Err(at(format!(
                "remote {what} '{}' cannot be built offline",
                entry.value
            ))
            .with_hint("fleetcheck never fetches; vendor it into the repository"));
        }
        if Path::new(&entry.value).is_absolute() {
            return Err(at(format!("{what} '{}' is an absolute path", entry.value))
                .with_hint("kustomize only accepts paths relative to the kustomization"));
        }
        let path = join_clean(kust.dir(), &entry.value);
        match self.loader.tree.kind(&path) {
            Some(EntryKind::Dir) => {}
            Some(EntryKind::File) => {
                return Err(at(format!(
                    "{what} '{}' must be a directory holding a kustomization",
                    entry.value
                )));
            }
            None => {
                return Err(at(format!(
                    "{what} '{}' not found: no directory at '{}'",
                    entry.value,
                    self.loader.show(&path)
                ))
                .with_hint(
                    "check the path; it is relative to the directory of this kustomization",
                ));
            }
        }
        let real = self
            .loader
            .tree
            .real_path(&path)
            .map_err(|e| at(format!("cannot resolve '{}': {e}", self.loader.show(&path))))?;
        if let Some(visited) = self.chain.iter().rev().find(|v| v.starts_with(&real)) {
            return Err(at(format!(
                "cycle detected: candidate root '{}' contains visited root '{}'",
                self.loader.show(&real),
                self.loader.show(visited)
            ))
            .with_hint("a base cannot be the including directory or one of its ancestors"));
        }
        Ok(real)
    }

    fn accumulate_entry(
        &mut self,
        kust: &Kustomization,
        entry: &Entry,
        layer: &mut Layer,
    ) -> Result<(), Diagnostic> {
        let here = Location {
            file: kust.file.clone(),
            pos: entry.pos,
        };
        let path = join_clean(kust.dir(), &entry.value);
        let is_file =
            !is_remote(&entry.value) && self.loader.tree.kind(&path) == Some(EntryKind::File);
        if is_file {
            let file = self.loader.read_file(kust.dir(), &entry.value, &here)?;
            let docs = self.loader.parse_yaml(&file.path, &file.text)?;
            let mut loaded = resources_from_documents(docs, &file.path)?;
            let origin_path = join_logical(&self.origin_path, &entry.value);
            for r in &mut loaded {
                r.book.origin_path = Some(origin_path.clone());
                if self.annotates_files {
                    check_annotations_map(r, &entry.value)?;
                }
            }
            self.openapi.note_loaded(&loaded);
            return layer
                .append(loaded, self.loader)
                .map_err(|d| d.within(format!("adding '{}'", entry.value), Some(here)));
        }
        if !is_remote(&entry.value) && self.loader.tree.kind(&path).is_none() {
            return Err(Diagnostic::at(
                format!(
                    "resource '{}' not found: no file or directory at '{}'",
                    entry.value,
                    self.loader.show(&path)
                ),
                &kust.file,
                entry.pos,
            )
            .with_hint("check the path; it is relative to the directory of this kustomization"));
        }
        let dir = self.entry_dir(kust, entry, "resource")?;
        let mut sub = Layer::default();
        self.within_entry(entry, |b| {
            b.accumulate_into(&dir, &mut sub, Some(KustKind::Kustomization))
        })
        .map_err(|d| d.within(format!("in '{}'", entry.value), Some(here.clone())))?;
        layer
            .absorb(sub, self.loader)
            .map_err(|d| d.within(format!("adding '{}'", entry.value), Some(here)))
    }

    fn load_kustomization(&self, dir: &Path) -> Result<Kustomization, Diagnostic> {
        let found: Vec<PathBuf> = FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| self.loader.tree.kind(p) == Some(EntryKind::File))
            .collect();
        let file = match found.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(Diagnostic::new(format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    self.loader.show(dir)
                ))
                .with_hint("a directory listed in `resources` must hold its own kustomization"));
            }
            _ => {
                return Err(Diagnostic::new(format!(
                    "Found multiple kustomization files under: {}",
                    self.loader.show(dir)
                ))
                .with_hint(
                    "keep exactly one of kustomization.yaml, kustomization.yml and Kustomization",
                ));
            }
        };
        let text = self.loader.read_text(&file)?;
        let docs = self.loader.parse_yaml(&file, &text)?;
        let root = docs
            .into_iter()
            .next()
            .map(|d| d.root)
            .unwrap_or_else(|| Node::at(Value::Null, Pos::new(1, 1)));
        Kustomization::from_node(&root, &file)
    }
}
