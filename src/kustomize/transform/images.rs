//! `images` (and the deprecated `imageTags`): kustomize's ImageTagTransformer
//! (api/internal/builtins/ImageTagTransformer.go, api/filters/imagetag, api/internal/image).
//! Each entry runs two passes over every resource: the legacy walk over any `containers` /
//! `initContainers` list, then the `images` field specs.

use regex::Regex;

use super::args::{entry, err_at, get, list, string_value};
use super::{apply_spec, wrong_kind};
use crate::diagnostic::Diagnostic;
use crate::kustomize::build::Layer;
use crate::kustomize::fieldspec::FieldSpec;
use crate::kustomize::kustomization::Kustomization;
use crate::resource::Resource;
use crate::yaml::{Node, Value};

/// One `images` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    /// The image name to match (an unescaped regular expression, as kustomize uses it).
    pub name: String,
    /// Replacement name.
    pub new_name: String,
    /// Replacement tag.
    pub new_tag: String,
    /// Replacement digest.
    pub digest: String,
    /// Appended to the tag.
    pub tag_suffix: String,
}

/// Runs one transformer per `images` entry, then per `imageTags` entry.
pub fn apply(kust: &Kustomization, layer: &mut Layer) -> Result<(), Diagnostic> {
    for field in ["images", "imageTags"] {
        let Some(node) = kust.field(field) else {
            continue;
        };
        for item in list(kust, node, &format!("Kustomization.{field}"), "Image")? {
            let image = parse(kust, item, field)?;
            let matcher = Matcher::new(&image.name);
            let specs = layer.config.images.clone();
            for r in &mut layer.resources {
                legacy_pass(r, &image, &matcher).map_err(|e| err_at(kust, item.pos, e))?;
            }
            for r in &mut layer.resources {
                spec_pass(r, &image, &matcher, &specs).map_err(|e| err_at(kust, item.pos, e))?;
            }
        }
    }
    Ok(())
}

fn parse(kust: &Kustomization, item: &Node, field: &str) -> Result<Image, Diagnostic> {
    let Some(map) = entry(
        kust,
        item,
        &format!("Kustomization.{field}"),
        "Image",
        &["name", "newName", "newTag", "digest", "tagSuffix"],
    )?
    else {
        return Ok(Image::default());
    };
    let s = |key: &str| -> Result<String, Diagnostic> {
        get(map, key).map_or(Ok(String::new()), |n| {
            string_value(kust, n, &format!("Image.{field}.{key}"))
        })
    };
    Ok(Image {
        name: s("name")?,
        new_name: s("newName")?,
        new_tag: s("newTag")?,
        digest: s("digest")?,
        tag_suffix: s("tagSuffix")?,
    })
}

/// kustomize's `IsImageMatched`: `^NAME(:tag)?(@alg:digest)?$` with NAME unescaped; a name
/// that is not a valid regular expression matches nothing (kustomize v5.8; v5.5 crashes).
pub struct Matcher(Option<Regex>);

impl Matcher {
    /// Compiles the pattern for an image name, memoised per thread: a fleet builds the same
    /// `images` entries in many overlays, and compiling dominated the transformer.
    pub fn new(name: &str) -> Matcher {
        thread_local! {
            static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Option<Regex>>> =
                std::cell::RefCell::default();
        }
        COMPILED.with_borrow_mut(|compiled| {
            let re = compiled.entry(name.to_owned()).or_insert_with(|| {
                Regex::new(&format!(
                    "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{{}}-]*)?$"
                ))
                .ok()
            });
            Matcher(re.clone())
        })
    }

    /// Whether an image reference matches.
    pub fn is_match(&self, image: &str) -> bool {
        self.0.as_ref().is_some_and(|re| re.is_match(image))
    }
}

/// kustomize's `image.Split`: name, tag and digest (a `:` before the first `/` is a port).
pub fn split(image: &str) -> (String, String, String) {
    let slash = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    if let Some(a) = at
        && colon.is_none_or(|c| a < c)
    {
        let a = a + slash;
        return (
            image[..a].to_owned(),
            String::new(),
            image[a + 1..].to_owned(),
        );
    }
    match (colon, at) {
        (Some(c), Some(a)) => {
            let (c, a) = (c + slash, a + slash);
            (
                image[..c].to_owned(),
                image[c + 1..a].to_owned(),
                image[a + 1..].to_owned(),
            )
        }
        (Some(c), None) => {
            let c = c + slash;
            (
                image[..c].to_owned(),
                image[c + 1..].to_owned(),
                String::new(),
            )
        }
        _ => (image.to_owned(), String::new(), String::new()),
    }
}

/// The updated reference, or `None` when the image does not match.
pub fn update(value: &str, image: &Image, matcher: &Matcher) -> Option<String> {
    if !matcher.is_match(value) {
        return None;
    }
    let (mut name, mut tag, mut digest) = split(value);
    if !image.new_name.is_empty() {
        name = image.new_name.clone();
    }
    if !image.new_tag.is_empty() && !image.digest.is_empty() {
        tag = image.new_tag.clone();
        digest = image.digest.clone();
    } else if !image.new_tag.is_empty() {
        tag = image.new_tag.clone();
        digest.clear();
    } else if !image.digest.is_empty() {
        tag.clear();
        digest = image.digest.clone();
    } else if !image.tag_suffix.is_empty() {
        tag.push_str(&image.tag_suffix);
        digest.clear();
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    Some(name)
}

/// Updates one `image` field (kustomize's `imageTagUpdater`).
fn update_leaf(leaf: &mut Node, image: &Image, matcher: &Matcher) -> Result<(), String> {
    let value = match &leaf.value {
        Value::Str(s) => s.clone(),
        Value::Null => String::new(),
        Value::Map(_) | Value::Seq(_) => return Err(wrong_kind("ScalarNode", leaf)),
        _ => return Ok(()),
    };
    if let Some(new) = update(&value, image, matcher) {
        leaf.value = Value::Str(new);
    }
    Ok(())
}

fn is_crd(r: &Resource) -> bool {
    r.kind() == "CustomResourceDefinition"
}

/// The legacy pass: every `containers`/`initContainers` list anywhere in the object.
fn legacy_pass(r: &mut Resource, image: &Image, matcher: &Matcher) -> Result<(), String> {
    if is_crd(r) {
        return Ok(());
    }
    find_containers(&mut r.node, image, matcher)
}

fn find_containers(node: &mut Node, image: &Image, matcher: &Matcher) -> Result<(), String> {
    match &mut node.value {
        Value::Map(m) => {
            for (k, v) in &mut m.entries {
                find_containers(v, image, matcher)?;
                let key = k.as_str().unwrap_or_default();
                if (key == "containers" || key == "initContainers")
                    && let Value::Seq(items) = &mut v.value
                {
                    for item in items {
                        if let Some(map) = item.as_map_mut()
                            && let Some(leaf) = map.get_mut("image")
                        {
                            update_leaf(leaf, image, matcher)?;
                        }
                    }
                }
            }
            Ok(())
        }
        Value::Seq(items) => {
            for item in items {
                find_containers(item, image, matcher)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The field-spec pass (never creates fields).
fn spec_pass(
    r: &mut Resource,
    image: &Image,
    matcher: &Matcher,
    specs: &[FieldSpec],
) -> Result<(), String> {
    if is_crd(r) {
        return Ok(());
    }
    let gvk = r.id().gvk;
    for fs in specs {
        apply_spec(r, &gvk, fs, None, &mut |leaf| {
            update_leaf(leaf, image, matcher)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(name: &str) -> Image {
        Image {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn splits_like_kustomize() {
        let s = |i: &str| {
            let (n, t, d) = split(i);
            format!("{n}|{t}|{d}")
        };
        assert_eq!(s("nginx"), "nginx||");
        assert_eq!(s("nginx:1.2"), "nginx|1.2|");
        assert_eq!(s("nginx@sha256:abc"), "nginx||sha256:abc");
        assert_eq!(s("nginx:1@sha256:abc"), "nginx|1|sha256:abc");
        assert_eq!(s("reg:5000/app"), "reg:5000/app||");
        assert_eq!(s("reg:5000/app:v1"), "reg:5000/app|v1|");
        assert_eq!(s("reg/a/b@sha256:x"), "reg/a/b||sha256:x");
    }

    #[test]
    fn updates_tag_digest_and_suffix() {
        let m = Matcher::new("nginx");
        let mut i = img("nginx");
        i.new_tag = "2".into();
        assert_eq!(
            update("nginx:1@sha256:a", &i, &m).as_deref(),
            Some("nginx:2")
        );
        i.digest = "sha256:b".into();
        assert_eq!(update("nginx", &i, &m).as_deref(), Some("nginx:2@sha256:b"));
        let mut i = img("nginx");
        i.digest = "sha256:b".into();
        assert_eq!(update("nginx:1", &i, &m).as_deref(), Some("nginx@sha256:b"));
        let mut i = img("nginx");
        i.tag_suffix = "-x".into();
        assert_eq!(
            update("nginx:1@sha256:a", &i, &m).as_deref(),
            Some("nginx:1-x")
        );
        assert_eq!(update("nginx", &i, &m).as_deref(), Some("nginx:-x"));
        assert_eq!(update("nginxx", &i, &m), None);
    }

    #[test]
    fn name_is_an_unescaped_regex() {
        let m = Matcher::new("my.app");
        assert!(m.is_match("myXapp:1"));
        assert!(
            !Matcher::new("[").is_match("["),
            "invalid pattern: no match (v5.8)"
        );
    }

    /// kustomize v5.8.1 matches any digest algorithm; v5.5.0 (kubectl 1.32) only `sha256`.
    #[test]
    fn any_digest_algorithm_matches_v5_8() {
        let m = Matcher::new("nginx");
        assert!(m.is_match("nginx@sha512:abc"));
        assert!(m.is_match("nginx:1@sha256:abc"));
        assert!(!m.is_match("nginx@abc"));
    }
}
