//! Renders a [`Diagnostic`] with miette: message, `file:line:column`, a snippet, hint and trail.

use std::fmt;
use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::diagnostic::{Diagnostic, Location};
use crate::source::path::display_relative;

/// Renders `diag` as text for a terminal (`color` adds ANSI colours).
pub fn render(diag: &Diagnostic, cwd: &Path, color: bool) -> String {
    let report = Report::new(diag, cwd);
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(2);
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("error: {diag}\n");
    }
    out
}

/// A diagnostic prepared for miette: the source read back from disk for the snippet.
#[derive(Debug)]
struct Report {
    message: String,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    span: Option<SourceSpan>,
}

impl Report {
    fn new(diag: &Diagnostic, cwd: &Path) -> Report {
        let show = |loc: &Location| {
            let file = display_relative(&loc.file, cwd);
            if loc.pos.line > 0 {
                format!("{file}:{}:{}", loc.pos.line, loc.pos.col)
            } else {
                file
            }
        };
        let mut message = diag.message.clone();
        let mut source = None;
        let mut span = None;
        if let Some(loc) = &diag.location {
            message = format!("{}: {message}", show(loc));
            if loc.pos.line > 0
                && !diag.sensitive
                && let Ok(text) = std::fs::read_to_string(&loc.file)
            {
                span = Some(span_at(&text, loc.pos.line, loc.pos.col));
                source = Some(NamedSource::new(display_relative(&loc.file, cwd), text));
            }
        }
        let mut help_lines: Vec<String> = diag.hint.iter().cloned().collect();
        for (note, loc) in &diag.trail {
            match loc {
                Some(loc) => help_lines.push(format!("{note} (at {})", show(loc))),
                None => help_lines.push(note.clone()),
            }
        }
        Report {
            message,
            help: (!help_lines.is_empty()).then(|| help_lines.join("\n")),
            source,
            span,
        }
    }
}

/// The byte span of the token starting at a 1-based line and character column.
fn span_at(text: &str, line: u32, col: u32) -> SourceSpan {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>()
        .min(text.len());
    let line_text = text[line_start..].split('\n').next().unwrap_or("");
    let start = line_text
        .char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map_or(line_text.len(), |(i, _)| i);
    let token = line_text[start..]
        .find(|c: char| c.is_whitespace())
        .unwrap_or(line_text.len() - start);
    SourceSpan::new((line_start + start).into(), token)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some("here".into()),
            span,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_the_token() {
        let text = "a: 1\nbé: 'x y'\n";
        let span = span_at(text, 2, 5);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "'x");
        let span = span_at(text, 9, 1);
        assert_eq!(span.offset(), text.len());
    }
}
