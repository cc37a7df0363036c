//! Merging each command's results: clusters gathered and sorted as the unsharded run sorts
//! them, findings about the repository as a whole counted once, totals recomputed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::value::Json;
use super::{Kind, Merged, Part, diff_model};
use crate::cli::diff::text::{headline, plural};
use crate::diagnostic::Diagnostic;

fn obj(members: Vec<(&str, Json)>) -> Json {
    Json::Obj(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn num(n: impl ToString) -> Json {
    Json::Num(n.to_string())
}

/// Every part's `clusters`, sorted by name (strings or objects with a `name`); a cluster in two
/// parts is an error.
fn clusters(parts: &[Part]) -> Result<Vec<Json>, Diagnostic> {
    let name = |c: &Json| match c {
        Json::Str(s) => s.clone(),
        other => other
            .get("name")
            .map(Json::str)
            .unwrap_or_default()
            .to_owned(),
    };
    let mut all: Vec<Json> = Vec::new();
    let mut seen = BTreeSet::new();
    for p in parts {
        for c in p.doc.get("clusters").map(Json::items).unwrap_or_default() {
            if !seen.insert(name(c)) {
                return Err(Diagnostic::new(format!(
                    "cluster '{}' of '{}' is in another file too",
                    name(c),
                    p.file.display()
                ))
                .with_hint("merge the results of disjoint runs: one file per --shard I/N"));
            }
            all.push(c.clone());
        }
    }
    all.sort_by_key(name);
    Ok(all)
}

/// The member `key`, which every part must have alike.
fn same(parts: &[Part], key: &str) -> Result<Json, Diagnostic> {
    let first = parts[0].doc.get(key).cloned().unwrap_or(Json::Null);
    for p in parts {
        if p.doc.get(key) != Some(&first) {
            return Err(Diagnostic::new(format!(
                "'{}' has another \"{key}\" than '{}'",
                p.file.display(),
                parts[0].file.display()
            ))
            .with_hint("merge the shards of one run: same command, revisions and version"));
        }
    }
    Ok(first)
}

/// `render -o json` results; fails when a Kustomization failed, is blocked or has errors.
pub fn render(parts: &[Part]) -> Result<Merged, Diagnostic> {
    let clusters = clusters(parts)?;
    let ks: Vec<&Json> = clusters
        .iter()
        .flat_map(|c| c.get("kustomizations").map(Json::items).unwrap_or_default())
        .collect();
    let failed = ks
        .iter()
        .filter(|k| {
            matches!(k.get("status").map(Json::str), Some("failed" | "blocked"))
                || k.get("errors").is_some_and(|e| !e.items().is_empty())
        })
        .count();
    let summary = format!(
        "{} cluster{}, {} Kustomization{}, {failed} failed or blocked",
        clusters.len(),
        plural(clusters.len()),
        ks.len(),
        plural(ks.len())
    );
    Ok(Merged {
        kind: Kind::Render,
        doc: obj(vec![("clusters", Json::Arr(clusters))]),
        fails: failed > 0,
        summary,
    })
}

/// The sort key of a finding, as `check::sort` orders findings.
fn finding_key(f: &Json) -> (String, Option<(&Path, u64, u64)>, String, String) {
    let field = |k: &str| f.get(k).map(Json::str).unwrap_or_default().to_owned();
    let location = f.get("location").filter(|l| **l != Json::Null).map(|l| {
        (
            Path::new(l.get("file").map(Json::str).unwrap_or_default()),
            l.get("line").map(Json::uint).unwrap_or(0),
            l.get("column").map(Json::uint).unwrap_or(0),
        )
    });
    (field("cluster"), location, field("rule"), field("message"))
}

/// `check -o json` results: findings about the repository as a whole are in every shard and
/// count once (as many times as the shard with most of them has them).
pub fn check(parts: &[Part]) -> Result<Merged, Diagnostic> {
    let version = same(parts, "version")?;
    let clusters = clusters(parts)?;
    let mut findings: Vec<Json> = Vec::new();
    let mut repository: BTreeMap<String, (Json, usize)> = BTreeMap::new();
    let (mut suppressed, mut repository_suppressed, mut fails) = (0, 0, false);
    for p in parts {
        let mut mine: BTreeMap<String, (Json, usize)> = BTreeMap::new();
        for f in p.doc.get("findings").map(Json::items).unwrap_or_default() {
            if f.get("cluster")
                .map(Json::str)
                .unwrap_or_default()
                .is_empty()
            {
                let entry = mine
                    .entry(super::value::document(f))
                    .or_insert((f.clone(), 0));
                entry.1 += 1;
            } else {
                findings.push(f.clone());
            }
        }
        for (text, (f, n)) in mine {
            let entry = repository.entry(text).or_insert((f, 0));
            entry.1 = entry.1.max(n);
        }
        let summary = p.doc.get("summary");
        let field = |k: &str| summary.and_then(|s| s.get(k));
        let repo_sup = p.shard_field("repositorySuppressed").unwrap_or(0);
        suppressed += field("suppressed").map(Json::uint).unwrap_or(0)
            - repo_sup.min(field("suppressed").map(Json::uint).unwrap_or(0));
        repository_suppressed = repository_suppressed.max(repo_sup);
        fails |= field("failed") == Some(&Json::Bool(true));
    }
    for (f, n) in repository.into_values() {
        findings.extend(std::iter::repeat_n(f, n));
    }
    findings.sort_by(|a, b| finding_key(a).cmp(&finding_key(b)));
    let count = |s: &str| {
        findings
            .iter()
            .filter(|f| f.get("severity").map(Json::str) == Some(s))
            .count()
    };
    let (e, w, i) = (count("error"), count("warning"), count("info"));
    let suppressed = suppressed + repository_suppressed;
    let summary = format!("{e} errors, {w} warnings, {i} info ({suppressed} suppressed)");
    let doc = obj(vec![
        ("version", version),
        ("clusters", Json::Arr(clusters)),
        ("findings", Json::Arr(findings)),
        (
            "summary",
            obj(vec![
                ("error", num(e)),
                ("warning", num(w)),
                ("info", num(i)),
                ("suppressed", num(suppressed)),
                ("failed", Json::Bool(fails)),
            ]),
        ),
    ]);
    Ok(Merged {
        kind: Kind::Check,
        doc,
        fails,
        summary,
    })
}

/// The headline of merged diff clusters, worded by `diff`'s own headline.
fn diff_headline(clusters: &[Json]) -> String {
    let (model, _) = diff_model::read(&obj(vec![("clusters", Json::Arr(clusters.to_vec()))]));
    headline(&model)
}

/// Distinct strings sorted as paths (as `changedFiles` is).
fn paths(items: Vec<String>) -> Json {
    let mut v: Vec<String> = items
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    v.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    strings(v)
}

fn strings(items: impl IntoIterator<Item = String>) -> Json {
    Json::Arr(items.into_iter().map(Json::Str).collect())
}

fn texts(v: Option<&Json>) -> impl Iterator<Item = String> + '_ {
    v.map(Json::items)
        .unwrap_or_default()
        .iter()
        .map(|s| s.str().to_owned())
}

/// `diff --format json` results: the headline and the blast radius (`sources`, with `of` the
/// number of clusters) re-aggregated over every shard.
pub fn diff(parts: &[Part], exit_code: bool) -> Result<Merged, Diagnostic> {
    let (base, head) = (same(parts, "base")?, same(parts, "head")?);
    let clusters = clusters(parts)?;
    let changed = clusters
        .iter()
        .any(|c| c.get("change").map(Json::str) != Some("unchanged"));
    let headline = diff_headline(&clusters);
    let mut groups: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let mut changed_files = Vec::new();
    for p in parts {
        for s in p.doc.get("sources").map(Json::items).unwrap_or_default() {
            let path = s.get("path").map(Json::str).unwrap_or_default().to_owned();
            let entry = groups.entry(path).or_default();
            entry.0.extend(texts(s.get("files")));
            entry.1.extend(texts(s.get("clusters")));
        }
        changed_files.extend(texts(p.doc.get("changedFiles")));
    }
    let mut sources: Vec<(String, BTreeSet<String>, BTreeSet<String>)> =
        groups.into_iter().map(|(p, (f, c))| (p, f, c)).collect();
    sources.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then_with(|| a.0.cmp(&b.0)));
    let of = clusters.len();
    let sources = sources
        .into_iter()
        .map(|(path, files, cs)| {
            obj(vec![
                ("path", Json::Str(path)),
                ("files", strings(files)),
                ("clusters", strings(cs)),
                ("of", num(of)),
            ])
        })
        .collect();
    let doc = obj(vec![
        ("base", base),
        ("head", head),
        ("changed", Json::Bool(changed)),
        ("headline", Json::Str(headline.clone())),
        ("clusters", Json::Arr(clusters)),
        ("sources", Json::Arr(sources)),
        ("changedFiles", paths(changed_files)),
    ]);
    Ok(Merged {
        kind: Kind::Diff,
        doc,
        fails: exit_code && changed,
        summary: headline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::merge::value::{document, parse};

    fn part(text: &str) -> Part {
        Part {
            file: "shard.json".into(),
            doc: parse(text).unwrap(),
        }
    }

    fn finding(cluster: &str, rule: &str, severity: &str, file: &str) -> String {
        format!(
            "{{\"rule\":\"{rule}\",\"severity\":\"{severity}\",\"cluster\":\"{cluster}\",\"kustomization\":null,\"object\":null,\"message\":\"m\",\"hint\":\"h\",\"location\":{{\"file\":\"{file}\",\"line\":1,\"column\":1}}}}"
        )
    }

    #[test]
    fn check_counts_repository_findings_and_their_suppressions_once() {
        let repo = finding("", "FC402", "error", "a.yaml");
        let b = finding("b", "FC201", "warning", "x.yaml");
        let a = finding("a", "FC304", "info", "y.yaml");
        let shard = |clusters: &str, findings: &str, sup: u32, failed: bool, i: u32| {
            part(&format!(
                "{{\"version\":1,\"clusters\":[{clusters}],\"findings\":[{findings}],\"summary\":{{\"error\":0,\"warning\":0,\"info\":0,\"suppressed\":{sup},\"failed\":{failed}}},\"shard\":{{\"index\":{i},\"count\":2,\"repositorySuppressed\":1}}}}\n"
            ))
        };
        let merged = check(&[
            shard("\"b\"", &format!("{repo},{b}"), 3, true, 1),
            shard("\"a\"", &format!("{repo},{a}"), 1, true, 2),
        ])
        .unwrap();
        assert_eq!(
            document(&merged.doc),
            format!(
                "{{\"version\":1,\"clusters\":[\"a\",\"b\"],\"findings\":[{repo},{a},{b}],\"summary\":{{\"error\":1,\"warning\":1,\"info\":1,\"suppressed\":3,\"failed\":true}}}}\n"
            )
        );
        assert!(merged.fails);
    }

    #[test]
    fn diff_sources_gather_clusters_and_count_all_clusters() {
        let shard = |name: &str, i: u32| {
            part(&format!(
                "{{\"base\":\"main\",\"head\":\"work tree\",\"changed\":true,\"headline\":\"\",\"clusters\":[{{\"name\":\"{name}\",\"change\":\"changed\",\"counts\":{{\"added\":1,\"removed\":0,\"changed\":0,\"moved\":0,\"failed\":0}},\"kustomizations\":[]}}],\"sources\":[{{\"path\":\"apps\",\"files\":[\"apps/{name}.yaml\"],\"clusters\":[\"{name}\"],\"of\":1}}],\"changedFiles\":[\"apps/{name}.yaml\"],\"shard\":{{\"index\":{i},\"count\":2}}}}"
            ))
        };
        let merged = diff(&[shard("b", 1), shard("a", 2)], false).unwrap();
        let doc = document(&merged.doc);
        assert!(
            doc.contains(
                "\"headline\":\"2 of 2 clusters change: objects 2 added, 0 removed, 0 changed\""
            ),
            "{doc}"
        );
        assert!(doc.contains("\"sources\":[{\"path\":\"apps\",\"files\":[\"apps/a.yaml\",\"apps/b.yaml\"],\"clusters\":[\"a\",\"b\"],\"of\":2}]"), "{doc}");
        assert!(!merged.fails, "no --exit-code");
        assert!(
            diff(&[shard("a", 1), shard("a", 2)], false).is_err(),
            "a cluster twice"
        );
    }
}
