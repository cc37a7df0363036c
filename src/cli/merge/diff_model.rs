//! A diff's JSON read back into the diff model, so a merged diff prints with `diff`'s own text
//! and markdown renderers.

use super::value::Json;
use crate::cli::diff::sides::Labels;
use crate::diff::{
    Change, ClusterDiff, Counts, FieldChange, FleetDiff, KsDiff, ObjectChange, ObjectDiff,
    SecretKeyChange, SourceImpact,
};

fn text(v: &Json, key: &str) -> String {
    v.get(key).map(Json::str).unwrap_or_default().to_owned()
}

fn opt(v: &Json, key: &str) -> Option<String> {
    v.get(key)
        .filter(|s| **s != Json::Null)
        .map(|s| s.str().to_owned())
}

fn texts(v: &Json, key: &str) -> Vec<String> {
    v.get(key)
        .map(Json::items)
        .unwrap_or_default()
        .iter()
        .map(|s| s.str().to_owned())
        .collect()
}

fn each<T>(v: &Json, key: &str, f: impl Fn(&Json) -> T) -> Vec<T> {
    v.get(key)
        .map(Json::items)
        .unwrap_or_default()
        .iter()
        .map(f)
        .collect()
}

/// The change a word names (`unchanged` for anything else).
pub fn change(word: &str) -> Change {
    match word {
        "added" => Change::Added,
        "removed" => Change::Removed,
        "changed" => Change::Changed,
        _ => Change::Unchanged,
    }
}

fn object(o: &Json) -> ObjectDiff {
    let how = match o.get("change").map(Json::str) {
        Some("added") => ObjectChange::Added,
        Some("removed") => ObjectChange::Removed,
        Some("moved") => ObjectChange::Moved {
            from: text(o, "movedFrom"),
        },
        _ => ObjectChange::Changed,
    };
    ObjectDiff {
        id: text(o, "id"),
        change: how,
        unified: text(o, "diff"),
        fields: each(o, "fields", |f| FieldChange {
            path: text(f, "path"),
            before: opt(f, "before"),
            after: opt(f, "after"),
        }),
        secret_keys: each(o, "secretKeys", |s| SecretKeyChange {
            field: text(s, "field"),
            key: text(s, "key"),
            change: change(&text(s, "change")),
        }),
    }
}

fn cluster(c: &Json) -> ClusterDiff {
    let count = |k: &str| {
        c.get("counts")
            .and_then(|n| n.get(k))
            .map(Json::uint)
            .unwrap_or(0) as usize
    };
    ClusterDiff {
        name: text(c, "name"),
        change: change(&text(c, "change")),
        kustomizations: each(c, "kustomizations", |k| KsDiff {
            key: text(k, "key"),
            change: change(&text(k, "change")),
            base_status: opt(k, "baseStatus"),
            head_status: opt(k, "headStatus"),
            errors: texts(k, "errors"),
            depends_on: texts(k, "dependsOn"),
            objects: each(k, "objects", object),
        }),
        counts: Counts {
            added: count("added"),
            removed: count("removed"),
            changed: count("changed"),
            moved: count("moved"),
            failed: count("failed"),
        },
    }
}

/// The diff model and labels of a diff JSON document.
pub fn read(doc: &Json) -> (FleetDiff, Labels) {
    let diff = FleetDiff {
        clusters: each(doc, "clusters", cluster),
        sources: each(doc, "sources", |s| SourceImpact {
            path: text(s, "path"),
            files: texts(s, "files"),
            clusters: texts(s, "clusters"),
            of: s.get("of").map(Json::uint).unwrap_or(0) as usize,
        }),
        changed_files: texts(doc, "changedFiles"),
    };
    let labels = Labels {
        base: text(doc, "base"),
        head: text(doc, "head"),
    };
    (diff, labels)
}
