//! `configMapGenerator` and `secretGenerator` (api/internal/generators, api/kv, kyaml datamap),
//! run at step 4 of a layer and absorbed into it with their `behavior`.

pub mod absorb;
pub mod args;
pub mod external;
pub mod kv;

use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;

use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::Loader;
use crate::resource::{Origin, Resource};
use crate::yaml::{Mapping, Node, Value};

use args::{GenArgs, GenKind, parse_generators, parse_options};

/// Runs this kustomization's ConfigMap then Secret generators, each entry in list order, and
/// absorbs every generated object into `layer` (create, merge or replace).
pub fn run_generators(
    kust: &Kustomization,
    layer: &mut Layer,
    loader: &Loader<'_>,
) -> Result<(), Diagnostic> {
    let global = match kust.field("generatorOptions") {
        Some(n) => parse_options(n, &kust.file)?,
        None => None,
    };
    for kind in [GenKind::ConfigMap, GenKind::Secret] {
        let Some(node) = kust.field(kind.field()) else {
            continue;
        };
        for mut args in parse_generators(node, kind, &kust.file)? {
            args.options = std::mem::take(&mut args.options).merge_global(global.as_ref());
            let res = generate(&args, kust.dir(), &kust.file, loader)?;
            absorb::absorb(layer, res, args.behavior, &kust.file, args.pos)?;
        }
    }
    Ok(())
}

/// Makes the object of one generator entry (options already merged). Source paths are relative
/// to `dir`; errors point into `kust_file`, where the entry is written.
pub fn generate(
    args: &GenArgs,
    dir: &Path,
    kust_file: &Path,
    loader: &Loader<'_>,
) -> Result<Resource, Diagnostic> {
    if args.name.is_empty() {
        return Err(Diagnostic::at(
            format!("a {} generator entry must have a name", args.kind.kind()),
            kust_file,
            args.pos,
        )
        .with_hint("add `name:` to the generator entry"));
    }
    let pairs = kv::load_pairs(loader, dir, kust_file, args)?;
    let mut root = Mapping::default();
    root.insert("apiVersion", Node::string("v1"));
    root.insert("kind", Node::string(args.kind.kind()));
    let mut meta = Mapping::default();
    meta.insert("name", Node::string(&args.name));
    if !args.namespace.is_empty() {
        meta.insert("namespace", Node::string(&args.namespace));
    }
    for (field, map) in [
        ("labels", &args.options.labels),
        ("annotations", &args.options.annotations),
    ] {
        if let Some(m) = map.as_ref().filter(|m| !m.is_empty()) {
            let mut out = Mapping::default();
            for (k, v) in m {
                out.insert(k, Node::string(v));
            }
            meta.insert(field, Node::new(Value::Map(out)));
        }
    }
    root.insert("metadata", Node::new(Value::Map(meta)));
    let mut sorted: Vec<&kv::Pair> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    match args.kind {
        GenKind::ConfigMap => {
            let mut data = Mapping::default();
            let mut binary = Mapping::default();
            for p in sorted {
                match std::str::from_utf8(&p.value) {
                    Ok(text) => {
                        // kustomize gives a multi-line value the literal style
                        let mut n = Node::string(text);
                        if n.as_str().is_some_and(|t| t.contains('\n')) {
                            n.pos = crate::kustomize::patch::QUOTED;
                        }
                        data.insert(&p.key, n)
                    }
                    Err(_) => binary.insert(&p.key, Node::string(encode_base64(&p.value))),
                }
            }
            if !data.is_empty() {
                root.insert("data", Node::new(Value::Map(data)));
            }
            if !binary.is_empty() {
                root.insert("binaryData", Node::new(Value::Map(binary)));
            }
        }
        GenKind::Secret => {
            let t = if args.secret_type.is_empty() {
                "Opaque"
            } else {
                &args.secret_type
            };
            root.insert("type", Node::string(t));
            let mut data = Mapping::default();
            for p in sorted {
                data.insert(&p.key, Node::string(encode_base64(&p.value)));
            }
            root.insert("data", Node::new(Value::Map(data)));
        }
    }
    if args.options.immutable {
        root.insert("immutable", Node::new(Value::Bool(true)));
    }
    let mut res = Resource::new(
        Node::at(Value::Map(root), args.pos),
        Origin {
            file: Arc::from(kust_file),
            doc_index: 0,
            pos: args.pos,
        },
    );
    res.book.needs_hash = !args.options.disable_name_suffix_hash;
    res.book.generated_by = Some((kust_file.to_owned(), generator_kind(args.kind).to_owned()));
    Ok(res)
}

/// The builtin plugin kind behind a generator (the `configuredBy` of origin annotations).
fn generator_kind(kind: GenKind) -> &'static str {
    match kind {
        GenKind::ConfigMap => "ConfigMapGenerator",
        GenKind::Secret => "SecretGenerator",
    }
}

/// kyaml's `encodeBase64`: standard base64, split into 70-character lines each ending in a
/// newline once the text reaches 70 characters.
pub fn encode_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64::engine::general_purpose::STANDARD.encode(bytes);
    if enc.len() < LINE {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    for chunk in enc.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_lines() {
        assert_eq!(encode_base64(b""), "");
        assert_eq!(encode_base64(b"s3cr3t"), "czNjcjN0");
        // 52 bytes encode to exactly 72 characters; 51 bytes to 68.
        let long = encode_base64(&[b'a'; 52]);
        assert_eq!(long.lines().map(str::len).collect::<Vec<_>>(), [70, 2]);
        assert!(long.ends_with('\n'));
        assert!(!encode_base64(&[b'a'; 51]).contains('\n'));
        let exact = encode_base64(&[b'a'; 105]);
        assert_eq!(exact.len(), 142);
        assert!(exact.ends_with("\n") && exact.lines().count() == 2);
    }
}
