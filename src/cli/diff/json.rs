//! The diff as JSON (field names documented in the README and kept stable):
//!
//! `{"base","head","changed","headline","clusters":[{"name","change","counts":{"added",
//! "removed","changed","moved","failed"},"kustomizations":[{"key","change","baseStatus",
//! "headStatus","errors","dependsOn","objects":[{"id","change","movedFrom","diff","fields":
//! [{"path","before","after"}],"secretKeys":[{"field","key","change"}]}]}]}],"sources":
//! [{"path","files","clusters","of"}],"changedFiles"}`.

use super::sides::Labels;
use super::text::headline;
use crate::cli::json::{list, string, strings};
use crate::diff::{ClusterDiff, FleetDiff, KsDiff, ObjectChange, ObjectDiff};

fn key(out: &mut String, k: &str) {
    string(out, k);
    out.push(':');
}

fn opt(out: &mut String, v: Option<&str>) {
    match v {
        Some(s) => string(out, s),
        None => out.push_str("null"),
    }
}

/// The whole diff as one JSON document (and a newline).
pub fn render(diff: &FleetDiff, labels: &Labels) -> String {
    let mut out = String::from("{");
    key(&mut out, "base");
    string(&mut out, &labels.base);
    out.push(',');
    key(&mut out, "head");
    string(&mut out, &labels.head);
    out.push(',');
    key(&mut out, "changed");
    out.push_str(if diff.has_changes() { "true" } else { "false" });
    out.push(',');
    key(&mut out, "headline");
    string(&mut out, &headline(diff));
    out.push(',');
    key(&mut out, "clusters");
    list(&mut out, &diff.clusters, cluster);
    out.push(',');
    key(&mut out, "sources");
    list(&mut out, &diff.sources, |out, s| {
        out.push('{');
        key(out, "path");
        string(out, &s.path);
        out.push(',');
        key(out, "files");
        strings(out, &s.files);
        out.push(',');
        key(out, "clusters");
        strings(out, &s.clusters);
        out.push(',');
        key(out, "of");
        out.push_str(&s.of.to_string());
        out.push('}');
    });
    out.push(',');
    key(&mut out, "changedFiles");
    strings(&mut out, &diff.changed_files);
    out.push_str("}\n");
    out
}

fn cluster(out: &mut String, c: &ClusterDiff) {
    out.push('{');
    key(out, "name");
    string(out, &c.name);
    out.push(',');
    key(out, "change");
    string(out, c.change.word());
    out.push(',');
    key(out, "counts");
    let n = &c.counts;
    out.push_str(&format!(
        "{{\"added\":{},\"removed\":{},\"changed\":{},\"moved\":{},\"failed\":{}}}",
        n.added, n.removed, n.changed, n.moved, n.failed
    ));
    out.push(',');
    key(out, "kustomizations");
    list(out, &c.kustomizations, kustomization);
    out.push('}');
}

fn kustomization(out: &mut String, k: &KsDiff) {
    out.push('{');
    key(out, "key");
    string(out, &k.key);
    out.push(',');
    key(out, "change");
    string(out, k.change.word());
    out.push(',');
    key(out, "baseStatus");
    opt(out, k.base_status.as_deref());
    out.push(',');
    key(out, "headStatus");
    opt(out, k.head_status.as_deref());
    out.push(',');
    key(out, "errors");
    strings(out, &k.errors);
    out.push(',');
    key(out, "dependsOn");
    strings(out, &k.depends_on);
    out.push(',');
    key(out, "objects");
    list(out, &k.objects, object);
    out.push('}');
}

fn object(out: &mut String, o: &ObjectDiff) {
    out.push('{');
    key(out, "id");
    string(out, &o.id);
    out.push(',');
    key(out, "change");
    string(out, o.change.word());
    out.push(',');
    key(out, "movedFrom");
    let from = match &o.change {
        ObjectChange::Moved { from } => Some(from.as_str()),
        _ => None,
    };
    opt(out, from);
    out.push(',');
    key(out, "diff");
    string(out, &o.unified);
    out.push(',');
    key(out, "fields");
    list(out, &o.fields, |out, f| {
        out.push('{');
        key(out, "path");
        string(out, &f.path);
        out.push(',');
        key(out, "before");
        opt(out, f.before.as_deref());
        out.push(',');
        key(out, "after");
        opt(out, f.after.as_deref());
        out.push('}');
    });
    out.push(',');
    key(out, "secretKeys");
    list(out, &o.secret_keys, |out, s| {
        out.push('{');
        key(out, "field");
        string(out, &s.field);
        out.push(',');
        key(out, "key");
        string(out, &s.key);
        out.push(',');
        key(out, "change");
        string(out, s.change.word());
        out.push('}');
    });
    out.push('}');
}
