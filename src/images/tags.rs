//! The `--tags FILE`: each image's known tags, since nothing is fetched from registries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::source::Tree;
use crate::yaml::{Limits, Pos, parse_stream};

/// Tags per image, as read from a YAML or JSON mapping of image to list of tags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    /// The file the tags came from.
    pub file: PathBuf,
    /// Image → tags in file order.
    pub by_image: BTreeMap<String, Vec<String>>,
}

impl Tags {
    /// Reads a tags file: `{IMAGE: [TAG, ...], ...}` in YAML or JSON.
    pub fn load(tree: &dyn Tree, file: &Path, limits: &Limits) -> Result<Tags, Diagnostic> {
        let hint =
            "the tags file maps each image to its tags, e.g. `ghcr.io/org/app: [1.0.0, 1.1.0]`";
        let text = tree.read_to_string(file).map_err(|e| {
            Diagnostic::new(format!("cannot read tags file {}: {e}", file.display()))
                .with_hint("pass an existing file with --tags")
        })?;
        let docs = parse_stream(&text, limits).map_err(|e| Diagnostic::from_yaml(e, file))?;
        let mut by_image = BTreeMap::new();
        for doc in docs.iter().filter(|d| !d.root.is_null()) {
            let map = doc.root.as_map().ok_or_else(|| {
                Diagnostic::at("the tags file is not a mapping", file, doc.root.pos).with_hint(hint)
            })?;
            for (key, value) in &map.entries {
                let image = key.as_str().ok_or_else(|| {
                    Diagnostic::at("an image name must be a string", file, key.pos).with_hint(hint)
                })?;
                let list = value.as_seq().ok_or_else(|| {
                    Diagnostic::at(
                        format!("the tags of {image} are not a list"),
                        file,
                        pos(value.pos, key.pos),
                    )
                    .with_hint(hint)
                })?;
                let tags = list
                    .iter()
                    .map(|t| match (&t.value, t.text()) {
                        (crate::yaml::Value::Null, _) | (_, None) => Err(Diagnostic::at(
                            format!("a tag of {image} is not a string"),
                            file,
                            pos(t.pos, key.pos),
                        )
                        .with_hint(hint)),
                        (_, Some(text)) => Ok(text.into_owned()),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                by_image.insert(image.to_string(), tags);
            }
        }
        Ok(Tags {
            file: file.to_path_buf(),
            by_image,
        })
    }
}

fn pos(p: Pos, fallback: Pos) -> Pos {
    if p.line == 0 { fallback } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DiskTree;

    #[test]
    fn yaml_and_json_tag_files() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = dir.path().join("t.yaml");
        std::fs::write(
            &yaml,
            "ghcr.io/a/b: [1.0.0, 1.10, v2.0.0]\nnginx:\n  - '1.25'\n",
        )
        .unwrap();
        let tags = Tags::load(&DiskTree, &yaml, &Limits::default()).unwrap();
        assert_eq!(
            tags.by_image["ghcr.io/a/b"],
            ["1.0.0", "1.10", "v2.0.0"],
            "source spelling kept"
        );
        assert_eq!(tags.by_image["nginx"], ["1.25"]);
        let json = dir.path().join("t.json");
        std::fs::write(&json, r#"{"ghcr.io/a/b": ["1.0.0"]}"#).unwrap();
        let tags = Tags::load(&DiskTree, &json, &Limits::default()).unwrap();
        assert_eq!(tags.by_image["ghcr.io/a/b"], ["1.0.0"]);
        std::fs::write(&json, "a: b\n").unwrap();
        let err = Tags::load(&DiskTree, &json, &Limits::default()).unwrap_err();
        assert!(err.message.contains("not a list"), "{}", err.message);
        assert_eq!(err.location.unwrap().pos, Pos::new(1, 4));
    }
}
