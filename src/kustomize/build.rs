//! `kustomize build`: accumulate a kustomization and its bases, then order the result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::kustomization::{Entry, FILE_NAMES, KustKind, Kustomization};
use super::resources::{resources_from_documents, scalar};
use crate::diagnostic::{Diagnostic, Location};
use crate::resource::sort::{LegacyOrder, SortOrder, sort_resources};
use crate::resource::{Gvk, Resource};
use crate::source::path::{display_relative, join_clean};
use crate::source::{EntryKind, Tree};
use crate::yaml::{Limits, Node, Pos, Value, parse_stream};

/// Where files may be loaded from (kustomize's `--load-restrictor`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// Files must be in or below the kustomization that names them (kustomize's default).
    #[default]
    RootOnly,
    /// Files may be anywhere (what Flux uses, bounded by the repository).
    None,
}

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
    let mut builder = Builder {
        tree,
        options,
        root: root.clone(),
        chain: Vec::new(),
    };
    let (kust, mut resources) = builder.accumulate(&root)?;
    resources.retain(|r| !is_local_config(r));
    let order = kust.sort_order.clone().unwrap_or(match options.reorder {
        Reorder::Legacy => SortOrder::Legacy(LegacyOrder::default()),
        Reorder::None => SortOrder::Fifo,
    });
    sort_resources(&mut resources, &order);
    Ok(resources)
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
    tree: &'a dyn Tree,
    options: &'a BuildOptions,
    /// The top-level build directory (paths in messages are shown relative to its parent).
    root: PathBuf,
    /// Directories on the current inclusion chain, outermost first.
    chain: Vec<PathBuf>,
}

impl Builder<'_> {
    /// Loads the kustomization in `dir` and accumulates its resources and bases, in order.
    fn accumulate(&mut self, dir: &Path) -> Result<(Kustomization, Vec<Resource>), Diagnostic> {
        let kust = self.load_kustomization(dir)?;
        self.chain.push(dir.to_owned());
        let mut acc = Accumulator::default();
        let result = kust
            .resources
            .iter()
            .try_for_each(|entry| self.accumulate_entry(&kust, entry, &mut acc));
        self.chain.pop();
        result?;
        Ok((kust, acc.resources))
    }

    fn accumulate_entry(
        &mut self,
        kust: &Kustomization,
        entry: &Entry,
        acc: &mut Accumulator,
    ) -> Result<(), Diagnostic> {
        let here = || Location {
            file: kust.file.clone(),
            pos: entry.pos,
        };
        let at = |msg: String| Diagnostic::at(msg, &kust.file, entry.pos);
        if is_remote(&entry.value) {
            return Err(at(format!(
                "remote resource '{}' cannot be built offline",
                entry.value
            ))
            .with_hint("fleetcheck never fetches; vendor the remote base into the repository"));
        }
        if Path::new(&entry.value).is_absolute() {
            return Err(
                at(format!("resource '{}' is an absolute path", entry.value))
                    .with_hint("kustomize only accepts paths relative to the kustomization"),
            );
        }
        let path = join_clean(kust.dir(), &entry.value);
        match self.tree.kind(&path) {
            Some(EntryKind::File) => {
                let real = self.real(&path, &here)?;
                self.check_restriction(kust, entry, &real)?;
                let loaded = self.load_file(&real)?;
                acc.append(loaded, &entry.value, &|p| self.show(p))
                    .map_err(|d| d.within(format!("adding '{}'", entry.value), Some(here())))
            }
            Some(EntryKind::Dir) => {
                let real = self.real(&path, &here)?;
                if let Some(visited) = self.chain.iter().rev().find(|v| v.starts_with(&real)) {
                    return Err(at(format!(
                        "cycle detected: candidate root '{}' contains visited root '{}'",
                        self.show(&real),
                        self.show(visited)
                    ))
                    .with_hint(
                        "a base cannot be the including directory or one of its ancestors",
                    ));
                }
                let (sub, resources) = self
                    .accumulate(&real)
                    .map_err(|d| d.within(format!("in '{}'", entry.value), Some(here())))?;
                if sub.kind == KustKind::Component {
                    return Err(at(format!(
                        "expected kind != 'Component' for path '{}'",
                        self.show(&real)
                    ))
                    .with_hint("a Component can only be listed under `components`"));
                }
                acc.append(resources, &entry.value, &|p| self.show(p))
                    .map_err(|d| d.within(format!("adding '{}'", entry.value), Some(here())))
            }
            None => Err(at(format!(
                "resource '{}' not found: no file or directory at '{}'",
                entry.value,
                self.show(&path)
            ))
            .with_hint("check the path; it is relative to the directory of this kustomization")),
        }
    }

    fn real(&self, path: &Path, here: &dyn Fn() -> Location) -> Result<PathBuf, Diagnostic> {
        self.tree.real_path(path).map_err(|e| {
            let loc = here();
            Diagnostic::at(
                format!("cannot resolve '{}': {e}", self.show(path)),
                loc.file,
                loc.pos,
            )
        })
    }

    /// kustomize's `LoadRestrictionsRootOnly`: a file must be in or below the kustomization root.
    fn check_restriction(
        &self,
        kust: &Kustomization,
        entry: &Entry,
        real: &Path,
    ) -> Result<(), Diagnostic> {
        if self.options.load_restrictor == LoadRestrictor::None {
            return Ok(());
        }
        let dir = real.parent().unwrap_or(Path::new("/"));
        if dir.starts_with(kust.dir()) {
            return Ok(());
        }
        Err(Diagnostic::at(
            format!(
                "security; file '{}' is not in or below '{}'",
                self.show(real),
                self.show(kust.dir())
            ),
            &kust.file,
            entry.pos,
        )
        .with_hint("move the file under the kustomization, make it a base with its own kustomization, or pass --load-restrictor LoadRestrictionsNone"))
    }

    fn load_kustomization(&self, dir: &Path) -> Result<Kustomization, Diagnostic> {
        let found: Vec<PathBuf> = FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| self.tree.kind(p) == Some(EntryKind::File))
            .collect();
        let file = match found.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(Diagnostic::new(format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    self.show(dir)
                ))
                .with_hint("a directory listed in `resources` must hold its own kustomization"));
            }
            _ => {
                return Err(Diagnostic::new(format!(
                    "Found multiple kustomization files under: {}",
                    self.show(dir)
                ))
                .with_hint(
                    "keep exactly one of kustomization.yaml, kustomization.yml and Kustomization",
                ));
            }
        };
        let text = self.read(&file)?;
        let docs = parse_stream(&text, &self.options.limits)
            .map_err(|e| Diagnostic::from_yaml(e, &file))?;
        let root = docs
            .into_iter()
            .next()
            .map(|d| d.root)
            .unwrap_or_else(|| Node::at(Value::Null, Pos::new(1, 1)));
        Kustomization::from_node(&root, &file)
    }

    fn load_file(&self, file: &Path) -> Result<Vec<Resource>, Diagnostic> {
        let text = self.read(file)?;
        let docs = parse_stream(&text, &self.options.limits)
            .map_err(|e| Diagnostic::from_yaml(e, file))?;
        resources_from_documents(docs, file)
    }

    fn read(&self, file: &Path) -> Result<String, Diagnostic> {
        self.tree.read_to_string(file).map_err(|e| {
            Diagnostic::at(format!("cannot read file: {e}"), file, Pos::NONE)
                .with_hint("fleetcheck reads UTF-8 YAML files")
        })
    }

    fn show(&self, path: &Path) -> String {
        let base = self.root.parent().unwrap_or(&self.root);
        display_relative(path, base)
    }
}

/// Resources gathered by one kustomization, with kustomize's unique-id rule.
#[derive(Default)]
struct Accumulator {
    resources: Vec<Resource>,
    ids: HashMap<(Gvk, String, String), usize>,
}

impl Accumulator {
    /// Appends resources; an id already present is an error (`AppendAll`).
    fn append(
        &mut self,
        incoming: Vec<Resource>,
        from: &str,
        show: &dyn Fn(&Path) -> String,
    ) -> Result<(), Diagnostic> {
        self.resources.reserve(incoming.len());
        for r in incoming {
            let id = r.id();
            let key = (
                id.gvk.clone(),
                id.name.clone(),
                id.effective_namespace().to_owned(),
            );
            if let Some(&first) = self.ids.get(&key) {
                let prev = &self.resources[first].origin;
                return Err(Diagnostic::at(format!(
                    "may not add resource with an already registered id: {id} (from '{from}'; first defined in {} document {})",
                    show(&prev.file),
                    prev.doc_index + 1
                ), &*r.origin.file, r.origin.pos)
                .with_hint("each object may appear once per build; rename one copy, or include the base only once"));
            }
            self.ids.insert(key, self.resources.len());
            self.resources.push(r);
        }
        Ok(())
    }
}

/// Whether a `resources` entry is a URL or a git address kustomize would fetch.
fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
}
