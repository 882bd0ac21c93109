//! Reading the message files: the shipped ones, embedded at build time, and the operator's
//! directory, read once at start-up. Built on `fluent-bundle` directly: a start-up error
//! must name the file and line, operator files must win over shipped ones per message id
//! (`add_resource_overriding`), and a directory name is a language tag by the same rule as
//! a user's `locale`.

use std::path::{Path, PathBuf};

use fluent_bundle::FluentResource;
use fluent_syntax::ast;

use crate::domain::LanguageTag;

use super::ids;

/// The shipped files, in the order they are served.
const SHIPPED: &[(&str, &str, &str)] = &[
    (
        "en",
        "locales/en/passgate.ftl",
        include_str!("../../locales/en/passgate.ftl"),
    ),
    (
        "da",
        "locales/da/passgate.ftl",
        include_str!("../../locales/da/passgate.ftl"),
    ),
];

/// A message file that cannot be served, or a language setting that names none: one line,
/// naming the file and line (`<file>:<line>:<column>: <what>`), printed before the process
/// exits.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(String);

impl LoadError {
    pub fn new(line: impl Into<String>) -> Self {
        Self(line.into())
    }
}

/// One language's files, lowest layer first.
pub struct Source {
    pub tag: LanguageTag,
    pub resources: Vec<FluentResource>,
}

impl Source {
    pub fn langid(&self) -> unic_langid::LanguageIdentifier {
        // Plural rules come from this; a well-formed tag that unic-langid reads differently
        // still gets its primary language's rules, and else the root's.
        self.tag
            .as_str()
            .parse()
            .or_else(|_| self.tag.primary().parse())
            .unwrap_or_default()
    }
}

/// The shipped languages alone.
pub fn shipped_only() -> Vec<Source> {
    SHIPPED
        .iter()
        .filter_map(|(tag, _, text)| {
            let tag = LanguageTag::parse(tag).ok()?;
            // A syntax error in a shipped file fails the test that parses them; at run time
            // the entries that did parse are still served.
            let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, _)| r);
            Some(Source {
                tag,
                resources: vec![resource],
            })
        })
        .collect()
}

/// The shipped languages with the operator's directory layered over them.
pub fn read(directory: Option<&Path>) -> Result<Vec<Source>, LoadError> {
    let mut sources = shipped_only();
    let Some(dir) = directory.filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(sources);
    };
    let unreadable = |path: &Path, e: std::io::Error| {
        LoadError(format!(
            "PASSGATE__I18N__DIRECTORY: {}: cannot be read: {e}",
            path.display()
        ))
    };
    let mut languages: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| unreadable(dir, e))? {
        let entry = entry.map_err(|e| unreadable(dir, e))?;
        let path = entry.path();
        if !path.is_dir() {
            tracing::warn!(file = %path.display(), "not a language directory; ignored (the layout is <dir>/<lang>/*.ftl)");
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        languages.push((name, path));
    }
    languages.sort();
    for (name, path) in languages {
        let tag = language_of(&name).ok_or_else(|| {
            LoadError(format!(
                "PASSGATE__I18N__DIRECTORY: {}: `{name}` is not a language tag (BCP 47 with an ISO 639 language of 2 or 3 letters, e.g. `da` or `pt-BR`)",
                path.display()
            ))
        })?;
        let resources = read_language(&path)?;
        match sources
            .iter_mut()
            .find(|s| s.tag.as_str().eq_ignore_ascii_case(tag.as_str()))
        {
            Some(source) => source.resources.extend(resources),
            None => {
                let missing = ids::ALL
                    .iter()
                    .filter(|id| !resources.iter().any(|r| defines(r, id.as_str())))
                    .count();
                if missing > 0 {
                    tracing::warn!(language = %tag, missing, "messages missing from an added language fall back to the default language");
                }
                sources.push(Source { tag, resources });
            }
        }
    }
    Ok(sources)
}

/// A directory's name as the language it serves: a well-formed tag whose language is an ISO
/// 639 code of 2 or 3 letters. A user's `locale` may be any well-formed tag, but a directory
/// named `dansk` or `norsk` is a mistake that would serve a language no client asks for.
fn language_of(name: &str) -> Option<LanguageTag> {
    let tag = LanguageTag::parse(name).ok()?;
    let primary = tag.primary();
    (2..=3).contains(&primary.len()).then_some(tag)
}

/// Every `*.ftl` file of one language directory, in name order (a later file wins per id).
fn read_language(dir: &Path) -> Result<Vec<FluentResource>, LoadError> {
    let unreadable = |path: &Path, e: std::io::Error| {
        LoadError(format!("{}: cannot be read: {e}", path.display()))
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| unreadable(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ftl") && p.is_file())
        .collect();
    files.sort();
    let mut resources = Vec::with_capacity(files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| unreadable(&file, e))?;
        resources.push(parse(&file, text)?);
    }
    Ok(resources)
}

/// One operator file: a syntax error is refused with its line and column; a message id
/// passgate never asks for is named in a warning (most likely a typo).
pub fn parse(file: &Path, text: String) -> Result<FluentResource, LoadError> {
    let resource = match FluentResource::try_new(text) {
        Ok(resource) => resource,
        Err((resource, errors)) => {
            let first = errors.first();
            let at = first.map_or(0, |e| e.pos.start);
            let (line, column) = line_and_column(resource.source(), at);
            let what = first.map_or_else(|| "syntax error".to_owned(), |e| e.kind.to_string());
            return Err(LoadError(format!(
                "{}:{line}:{column}: {what} (Fluent syntax; see https://projectfluent.org/fluent/guide/)",
                file.display()
            )));
        }
    };
    for entry in resource.entries() {
        if let ast::Entry::Message(m) = entry {
            if !ids::ALL.iter().any(|id| id.as_str() == m.id.name) {
                tracing::warn!(file = %file.display(), id = m.id.name, "unknown message id; passgate never shows it");
            }
        }
    }
    Ok(resource)
}

fn defines(resource: &FluentResource, id: &str) -> bool {
    resource
        .entries()
        .any(|e| matches!(e, ast::Entry::Message(m) if m.id.name == id))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let e = parse(
            Path::new("/etc/passgate/locales/da/passgate.ftl"),
            "page-forgot-title = Glemt?\n\npage-forgot-intro Skriv\n".into(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("/etc/passgate/locales/da/passgate.ftl:3:"),
            "{e}"
        );
        assert!(!e.contains('\n'), "one line: {e}");
    }

    #[test]
    fn a_directory_is_named_by_an_iso_639_language() {
        for good in ["da", "en-GB", "pt-BR", "fil", "sr-Latn-RS", "DA"] {
            assert!(language_of(good).is_some(), "{good}");
        }
        for bad in ["dansk", "danish", "norsk", "d", "da_DK", "", "1a"] {
            assert!(language_of(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn lines_and_columns_count_characters() {
        assert_eq!(line_and_column("ab\ncø\nx", 6), (2, 3));
        assert_eq!(line_and_column("abc", 0), (1, 1));
        assert_eq!(line_and_column("abc", 99), (1, 4));
    }
}
