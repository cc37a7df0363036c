//! The build's YAML stream, as kustomize prints it.

use std::borrow::Cow;

use crate::diagnostic::Diagnostic;
use crate::resource::Resource;
use crate::yaml::Node;
use crate::yaml::emit::write_document;

/// Serialises resources as kustomize does: each document in kustomize's exact style, joined by
/// `---`. A value JSON cannot hold (`.inf`, `.nan`, a non-string key) is an error at its source.
pub fn to_yaml(resources: &[Resource]) -> Result<String, Diagnostic> {
    to_yaml_with(resources, &|r| Cow::Borrowed(&r.node))
}

/// [`to_yaml`] of what `view` makes of each resource (e.g. its node with secrets masked).
pub fn to_yaml_with(
    resources: &[Resource],
    view: &dyn for<'r> Fn(&'r Resource) -> Cow<'r, Node>,
) -> Result<String, Diagnostic> {
    let mut out = String::new();
    for (i, r) in resources.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_document(&view(r), &mut out).map_err(|e| {
            Diagnostic::at(e.message, &*r.origin.file, e.pos)
                .with_hint("kustomize serialises through JSON, which cannot hold this value; quote it to keep it as a string")
        })?;
    }
    Ok(out)
}
