//! The `replacements` field: kustomize's ReplacementTransformer (api/filters/replacement), the
//! last builtin transformer of a layer. Each replacement reads one value (from a field of exactly
//! one source object, or a literal `sourceValue`) and writes it into fields of selected targets.

pub mod path;
pub mod spec;
pub mod structured;
pub mod value;

use regex::Regex;

use crate::diagnostic::Diagnostic;
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::Loader;
use crate::resource::selector::LabelSelector;
use crate::resource::{Gvk, ResId, Resource};
use crate::yaml::{Node, Pos, Value};

use path::Create;
use spec::{IdSpec, ReplacementSpec, SelectSpec, SourceSpec, TargetSpec};
use value::SourceVal;

/// The default source and target field.
pub const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// Runs the kustomization's `replacements` over the layer's resources.
pub fn run(
    kust: &Kustomization,
    loader: &Loader,
    resources: &mut [Resource],
) -> Result<(), Diagnostic> {
    for r in spec::read(kust, loader)? {
        apply(&r, resources)?;
    }
    Ok(())
}

/// Applies one replacement.
pub fn apply(r: &ReplacementSpec, resources: &mut [Resource]) -> Result<(), Diagnostic> {
    let err = |msg: String, pos: Pos| Diagnostic::at(msg, &r.file, pos);
    let Some(targets) = &r.targets else {
        return Err(err(
            "replacements must specify a source and at least one target".into(),
            r.pos,
        )
        .with_hint("add `targets:` with at least one `select` and `fieldPaths`"));
    };
    let value = match (&r.source, &r.source_value) {
        (None, None) => {
            return Err(err(
                "replacements must specify a source and at least one target".into(),
                r.pos,
            )
            .with_hint("add `source:` (an object and its fieldPath) or `sourceValue:`"));
        }
        (Some(_), Some(_)) => {
            return Err(err(
                "value and resource selectors are mutually exclusive".into(),
                r.pos,
            )
            .with_hint("keep either `source` or `sourceValue`"));
        }
        (None, Some(v)) => SourceVal {
            node: Node::new(Value::Str(v.clone())),
            untagged: true,
        },
        (Some(source), None) => {
            source_value(source, resources).map_err(|(m, hint)| err(m, r.pos).with_hint(hint))?
        }
    };
    for t in targets {
        apply_target(r, t, &value, resources)?;
    }
    Ok(())
}

/// `IdSpec` rendered like kustomize's `SourceSelector.String()`.
fn show_source(s: &SourceSpec) -> String {
    let id = ResId {
        gvk: Gvk {
            group: s.id.group.clone(),
            version: s.id.version.clone(),
            kind: s.id.kind.clone(),
        },
        name: s.id.name.clone(),
        namespace: s.id.namespace.clone(),
    };
    let mut out = id.to_string();
    if !s.field_path.is_empty() {
        out.push(':');
        out.push_str(&s.field_path);
    }
    if !s.options.delimiter.is_empty() || s.options.create {
        out.push_str(&format!(
            ":{}({}), create={}",
            s.options.delimiter, s.options.index, s.options.create
        ));
    }
    out
}

/// kyaml's `ResId.IsSelectedBy`: exact group/version/kind/name, effective namespace.
fn source_selects(sel: &IdSpec, id: &ResId) -> bool {
    let sel_id = ResId {
        gvk: Gvk {
            group: sel.group.clone(),
            version: sel.version.clone(),
            kind: sel.kind.clone(),
        },
        name: sel.name.clone(),
        namespace: sel.namespace.clone(),
    };
    let eq = |want: &str, have: &str| want.is_empty() || want == have;
    eq(&sel.name, &id.name)
        && (sel.namespace.is_empty() || sel_id.effective_namespace() == id.effective_namespace())
        && eq(&sel.group, &id.gvk.group)
        && eq(&sel.version, &id.gvk.version)
        && eq(&sel.kind, &id.gvk.kind)
}

/// Reads the replacement value from the unique source object.
fn source_value(s: &SourceSpec, resources: &[Resource]) -> Result<SourceVal, (String, String)> {
    let mut found = resources
        .iter()
        .filter(|res| res.all_ids().iter().any(|id| source_selects(&s.id, id)));
    let Some(source) = found.next() else {
        return Err((
            format!("nothing selected by {}", show_source(s)),
            "the source must match exactly one object of the build by group, version, kind, name and namespace".into(),
        ));
    };
    if found.next().is_some() {
        return Err((
            format!("multiple matches for selector {}", show_source(s)),
            "narrow the source with kind, name and namespace so it matches one object".into(),
        ));
    }
    let fp = if s.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        &s.field_path
    };
    let node = path::lookup(&source.node, &path::split(fp))
        .map_err(|e| {
            (
                format!("error looking up replacement source: {e}"),
                "check the source fieldPath against the source object".into(),
            )
        })?
        .filter(|n| match &n.value {
            Value::Null => false,
            Value::Map(m) => !m.is_empty(),
            Value::Seq(s) => !s.is_empty(),
            _ => true,
        })
        .ok_or_else(|| {
            (
                format!(
                    "fieldPath `{fp}` is missing for replacement source {}",
                    show_source(&SourceSpec {
                        field_path: String::new(),
                        options: Default::default(),
                        ..s.clone()
                    })
                ),
                "the source object has no value at that field".into(),
            )
        })?;
    value::refine(
        &s.options,
        SourceVal {
            node: node.clone(),
            untagged: false,
        },
    )
    .map_err(|e| (e, "check the source options".into()))
}

/// A compiled target `select`/`reject` (kustomize's `SelectorRegex`, on raw ids).
struct IdRegex {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

impl IdRegex {
    fn new(s: &SelectSpec) -> Result<IdRegex, String> {
        let re = |p: &str| -> Result<Option<Regex>, String> {
            if p.is_empty() {
                return Ok(None);
            }
            Regex::new(&format!("^(?:{p})$"))
                .map(Some)
                .map_err(|e| format!("error creating target selector: {e}"))
        };
        let sel = |p: &str| -> Result<Option<LabelSelector>, String> {
            if p.is_empty() {
                Ok(None)
            } else {
                LabelSelector::parse(p).map(Some)
            }
        };
        Ok(IdRegex {
            group: re(&s.spec.group)?,
            version: re(&s.spec.version)?,
            kind: re(&s.spec.kind)?,
            name: re(&s.spec.name)?,
            namespace: re(&s.spec.namespace)?,
            labels: sel(&s.spec.label_selector)?,
            annotations: sel(&s.spec.annotation_selector)?,
        })
    }

    fn selects(&self, id: &ResId) -> bool {
        let m = |re: &Option<Regex>, v: &str| re.as_ref().is_none_or(|re| re.is_match(v));
        m(&self.group, &id.gvk.group)
            && m(&self.version, &id.gvk.version)
            && m(&self.kind, &id.gvk.kind)
            && m(&self.name, &id.name)
            && m(&self.namespace, &id.namespace)
    }

    fn has_meta_selectors(&self) -> bool {
        self.labels.is_some() || self.annotations.is_some()
    }

    fn meta_matches(&self, r: &Resource) -> bool {
        self.labels.as_ref().is_none_or(|l| {
            l.matches(&crate::resource::selector::borrowed(
                &r.meta_text_pairs("labels"),
            ))
        }) && self.annotations.as_ref().is_none_or(|a| {
            a.matches(&crate::resource::selector::borrowed(
                &r.meta_text_pairs("annotations"),
            ))
        })
    }
}

fn apply_target(
    r: &ReplacementSpec,
    t: &TargetSpec,
    value: &SourceVal,
    resources: &mut [Resource],
) -> Result<(), Diagnostic> {
    let err = |msg: String, pos: Pos| Diagnostic::at(msg, &r.file, pos);
    let Some(select) = &t.select else {
        return Err(err("target must specify resources to select".into(), t.pos)
            .with_hint("add `select:` with the kind/name of the objects to write into"));
    };
    let compile = |s: &SelectSpec| IdRegex::new(s).map_err(|e| err(e, s.pos));
    let sel = compile(select)?;
    let rejects = t
        .reject
        .iter()
        .map(|s| Ok((compile(s)?, s.id_is_empty())))
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    let default_path = [(DEFAULT_FIELD_PATH.to_owned(), t.pos)];
    let field_paths: &[(String, Pos)] = if t.field_paths.is_empty() {
        &default_path
    } else {
        &t.field_paths
    };
    for res in resources.iter_mut() {
        if !sel.meta_matches(res)
            || rejects
                .iter()
                .any(|(rj, _)| rj.has_meta_selectors() && rj.meta_matches(res))
        {
            continue;
        }
        let ids = res.all_ids();
        if rejects
            .iter()
            .any(|(rj, empty)| !empty && ids.iter().any(|id| rj.selects(id)))
        {
            continue;
        }
        if !ids.iter().any(|id| sel.selects(id)) {
            continue;
        }
        for (fp, pos) in field_paths {
            copy_to_field(&mut res.node, fp, t, value).map_err(|e| {
                err(e, *pos).with_hint(if t.options.create {
                    "check the path syntax: `a.b`, `list.[key=value]`, `list.0`, `list.*`"
                } else {
                    "the target lacks this field; set `options: {create: true}` to add it"
                })
            })?;
        }
    }
    Ok(())
}

/// kustomize's `copyValueToTarget` for one field path of one object.
fn copy_to_field(
    obj: &mut Node,
    fp: &str,
    t: &TargetSpec,
    value: &SourceVal,
) -> Result<(), String> {
    let create = if !t.options.create {
        Create::No
    } else {
        match value.node.value {
            Value::Map(_) => Create::Map,
            Value::Seq(_) => Create::Seq,
            _ => Create::Scalar,
        }
    };
    let what = if t.options.create {
        format!("unable to find or create field {fp:?} in replacement target")
    } else {
        format!("unable to find field {fp:?} in replacement target")
    };
    let parts = path::split(fp);
    if structured::try_set(obj, &parts, create, value).is_some() {
        return Ok(());
    }
    let mut failure = None;
    // a label or annotation value a transformer shared between fields changes everywhere
    let mut shared = Vec::new();
    let count = path::matches(obj, &parts, create, &mut |node, created| {
        let set = value::set_field(&t.options, node, created, value).inspect_err(|e| {
            failure = Some(e.clone());
        });
        if let Some(id) = crate::kustomize::transform::labels::shared_id(node)
            && set.is_ok()
        {
            shared.push((id, node.clone()));
        }
        set
    });
    for (id, node) in &shared {
        crate::kustomize::transform::labels::set_shared(obj, &[*id], node);
    }
    if let Some(e) = failure {
        return Err(e);
    }
    match count {
        Err(_) if structured::is_yaml_in_string(obj, &parts) => Err(format!(
            "{what}: the path continues into YAML held in a string field; editing embedded YAML (kustomize v5.8) is not supported yet"
        )),
        Err(e) => Err(format!("{what}: {e}")),
        Ok(0) => Err(what),
        Ok(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests;
