//! Text and JSON output of `images list` and `images plan`.

use std::fmt::Write as _;

use super::Format;
use crate::cli::{json, report};
use crate::diagnostic::Diagnostic;
use crate::images::automation::Automation;
use crate::images::discover::Repo;
use crate::images::marker::{Field, Setter};
use crate::images::plan::Plan;

/// The runnable automations that update a marker of `setter` in file `rel`.
pub fn automations_for<'r>(repo: &'r Repo, rel: &str, setter: &Setter) -> Vec<&'r Automation> {
    let policy = repo.policy(&setter.policy_key());
    repo.automations
        .iter()
        .filter(|a| !a.suspended && a.problem.is_none() && a.covers(rel))
        .filter(|a| a.namespace == setter.namespace && policy.is_none_or(|p| a.applies_to(p)))
        .collect()
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Image => "image",
        Field::Tag => "tag",
        Field::Name => "name",
        Field::Digest => "digest",
    }
}

/// `images list`: the text or JSON, and false when a marker names an unknown policy.
pub fn list(repo: &Repo, format: Format) -> (String, bool) {
    let mut rows = Vec::new();
    let mut ok = true;
    for file in &repo.files {
        for m in &file.markers.markers {
            let (automations, known) = match &m.setter {
                Some(s) => (
                    automations_for(repo, &file.rel, s)
                        .iter()
                        .map(|a| a.key())
                        .collect::<Vec<_>>(),
                    repo.policy(&s.policy_key()).is_some(),
                ),
                None => (Vec::new(), false),
            };
            if !known {
                ok = false;
                let what = match &m.setter {
                    Some(s) => format!("unknown ImagePolicy {}", s.policy_key()),
                    None => format!("marker names {:?}, not NS:NAME", m.setter_text),
                };
                report(
                    &Diagnostic::at(what, repo.path_of(&file.rel), m.pos)
                        .with_hint("add the ImagePolicy to the repository or fix the marker"),
                );
            }
            rows.push((file, m, automations, known));
        }
    }
    let text = match format {
        Format::Json => {
            let mut out = String::from("{\"markers\":[");
            for (i, (file, m, automations, known)) in rows.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"file\":");
                json::string(&mut out, &file.rel);
                let _ = write!(
                    out,
                    ",\"line\":{},\"column\":{},\"marker\":",
                    m.pos.line, m.pos.col
                );
                json::string(&mut out, &m.setter_text);
                if let Some(s) = &m.setter {
                    out.push_str(",\"policy\":");
                    json::string(&mut out, &s.policy_key());
                    out.push_str(",\"field\":");
                    json::string(&mut out, field_name(s.field));
                }
                let _ = write!(out, ",\"policyFound\":{known},\"automations\":[");
                for (j, a) in automations.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    json::string(&mut out, a);
                }
                out.push_str("],\"value\":");
                json::string(&mut out, &m.value);
                out.push('}');
            }
            out.push_str("]}\n");
            out
        }
        Format::Text => {
            let mut table = vec![[
                "MARKER".to_string(),
                "POLICY".to_string(),
                "AUTOMATION".to_string(),
                "VALUE".to_string(),
            ]];
            for (file, m, automations, known) in &rows {
                let flag = if *known { "" } else { " (unknown)" };
                table.push([
                    format!("{}:{}:{}", file.rel, m.pos.line, m.pos.col),
                    format!("{}{flag}", m.setter_text),
                    if automations.is_empty() {
                        "-".to_string()
                    } else {
                        automations.join(",")
                    },
                    m.value.clone(),
                ]);
            }
            if rows.is_empty() {
                "no $imagepolicy markers\n".to_string()
            } else {
                columns(&table)
            }
        }
    };
    (text, ok)
}

/// Left-aligned columns separated by two spaces.
fn columns(rows: &[[String; 4]]) -> String {
    let mut widths = [0usize; 4];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `images plan` (and the report of `update`/`set`): changes per automation, file and marker,
/// with each automation's commit message.
pub fn plan(repo: &Repo, plan: &Plan, messages: &[Option<String>], format: Format) -> String {
    match format {
        Format::Text => plan_text(repo, plan, messages),
        Format::Json => plan_json(repo, plan, messages),
    }
}

fn plan_text(repo: &Repo, plan: &Plan, messages: &[Option<String>]) -> String {
    if plan.runs.is_empty() {
        return "no changes: every marker under an automation's update.path is up to date\n".into();
    }
    let mut out = String::new();
    for (i, (run, message)) in plan.runs.iter().zip(messages).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let auto = &repo.automations[run.automation];
        let path = if auto.path.is_empty() {
            "."
        } else {
            &auto.path
        };
        let _ = writeln!(
            out,
            "ImageUpdateAutomation {} (update.path: {path})",
            auto.key()
        );
        let mut last_file = None;
        for c in &run.changes {
            if last_file != Some(c.file) {
                let _ = writeln!(out, "  {}", repo.files[c.file].rel);
                last_file = Some(c.file);
            }
            let _ = writeln!(
                out,
                "    {}:{}  {}  {} -> {}",
                c.pos.line, c.pos.col, c.setter, c.old, c.new
            );
        }
        if let Some(message) = message {
            out.push_str("  commit message:\n");
            for line in message.lines() {
                let _ = writeln!(out, "{}", format!("    | {line}").trim_end());
            }
        }
    }
    out
}

fn plan_json(repo: &Repo, plan: &Plan, messages: &[Option<String>]) -> String {
    let mut out = String::from("{\"automations\":[");
    for (i, (run, message)) in plan.runs.iter().zip(messages).enumerate() {
        let auto = &repo.automations[run.automation];
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        json::string(&mut out, &auto.key());
        out.push_str(",\"path\":");
        json::string(&mut out, &auto.path);
        out.push_str(",\"changes\":[");
        for (j, c) in run.changes.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"file\":");
            json::string(&mut out, &repo.files[c.file].rel);
            let _ = write!(
                out,
                ",\"line\":{},\"column\":{},\"marker\":",
                c.pos.line, c.pos.col
            );
            json::string(&mut out, &c.setter.to_string());
            out.push_str(",\"object\":{\"apiVersion\":");
            json::string(&mut out, &c.object.api_version);
            out.push_str(",\"kind\":");
            json::string(&mut out, &c.object.kind);
            out.push_str(",\"name\":");
            json::string(&mut out, &c.object.name);
            out.push_str(",\"namespace\":");
            json::string(&mut out, &c.object.namespace);
            out.push_str("},\"old\":");
            json::string(&mut out, &c.old);
            out.push_str(",\"new\":");
            json::string(&mut out, &c.new);
            out.push('}');
        }
        out.push_str("],\"commitMessage\":");
        match message {
            Some(m) => json::string(&mut out, m),
            None => out.push_str("null"),
        }
        out.push('}');
    }
    let _ = writeln!(out, "],\"errors\":{}}}", plan.errors.len());
    out
}
