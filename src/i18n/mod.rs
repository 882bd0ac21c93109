//! The languages passgate speaks: every text of the hosted pages, of every mail, of the
//! password policy's rules and of the JSON problems, as Project Fluent messages.
//!
//! English and Danish are shipped (`locales/<lang>/passgate.ftl`, embedded at build time);
//! the operator's `PASSGATE__I18N__DIRECTORY` (`<dir>/<lang>/*.ftl`, read once at start-up)
//! changes any text or adds a language, per message id. A message missing from a language
//! falls back to the default language, then to English.
//!
//! Using it (start-up builds one [`I18n`] and puts it in `AppState::i18n`):
//!
//! ```ignore
//! use crate::i18n::{ids, Lang};
//! let lang: Lang = state.i18n.negotiate(query_lang, accept_language); // a page or problem
//! let lang: Lang = state.i18n.for_locale(user.locale.as_deref());     // a mail
//! let title = state.i18n.message(lang, ids::PAGE_RESET_TITLE, &[]);
//! let rule = state.i18n.message(lang, ids::POLICY_RULE_LENGTH, &[("min", 15.into()), ("max", 256.into())]);
//! let html_lang = state.i18n.tag(lang); // "da": for <html lang>
//! ```
//!
//! Message ids are constants of [`ids`] (add one there and in every shipped file; a test
//! checks both). Arguments are rendered without Unicode isolation marks (plain-text mail
//! must not carry invisible characters); the pages escape them as HTML (maud does). The set
//! of languages is fixed at start-up, so nothing here grows with what clients send: a
//! [`Lang`] is an index into it, and negotiation reads a bounded part of the header.

pub mod ids;
mod load;
mod negotiate;

use std::borrow::Cow;

use chrono::{Datelike, NaiveDateTime, Timelike};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::domain::LanguageTag;

pub use ids::Id;
pub use load::LoadError;

/// A language served, from the fixed set of one [`I18n`] (an index into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(u8);

/// A message argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Self::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Self::Text(Cow::Owned(s))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Self::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(i64, u64, usize, u32, i32, u8);

/// Arguments by name, as messages take them (`{ $min }`).
pub type Args<'a> = [(&'a str, Arg<'a>)];

struct Language {
    tag: LanguageTag,
    bundle: FluentBundle<FluentResource>,
}

/// Every language served and its messages. Built once at start-up.
pub struct I18n {
    languages: Vec<Language>,
    default: Lang,
    english: Lang,
}

impl I18n {
    /// The shipped languages only, with `en` as the default: for tests and the command line.
    pub fn shipped() -> Self {
        Self::build(load::shipped_only(), "en").unwrap_or_else(|_| Self {
            languages: Vec::new(),
            default: Lang(0),
            english: Lang(0),
        })
    }

    /// The shipped languages, layered with the operator's directory, with the configured
    /// default. A syntax error, a directory that is no language tag or a default that is not
    /// served stops start-up: the error is one line naming the file (and line).
    pub fn load(settings: &crate::config::I18nSettings) -> Result<Self, LoadError> {
        let sources = load::read(settings.directory.as_deref())?;
        Self::build(sources, &settings.default_locale)
    }

    fn build(sources: Vec<load::Source>, default: &str) -> Result<Self, LoadError> {
        let mut languages = Vec::new();
        for source in sources {
            let mut bundle = FluentBundle::new_concurrent(vec![source.langid()]);
            // Plain-text mail must not carry U+2068/U+2069 around every argument.
            bundle.set_use_isolating(false);
            for resource in source.resources {
                // Later resources (the operator's) win per message id.
                bundle.add_resource_overriding(resource);
            }
            languages.push(Language {
                tag: source.tag,
                bundle,
            });
        }
        if languages.len() > usize::from(u8::MAX) {
            return Err(LoadError::new(
                "PASSGATE__I18N__DIRECTORY: at most 255 languages",
            ));
        }
        let find = |tag: &str| {
            languages
                .iter()
                .position(|l| l.tag.as_str().eq_ignore_ascii_case(tag))
                .map(|i| Lang(i as u8))
        };
        let english = find("en").unwrap_or(Lang(0));
        let Some(default) = find(default) else {
            let served: Vec<&str> = languages.iter().map(|l| l.tag.as_str()).collect();
            return Err(LoadError::new(format!(
                "PASSGATE__I18N__DEFAULT_LOCALE: `{default}` is not a language served (served: {})",
                served.join(", ")
            )));
        };
        Ok(Self {
            languages,
            default,
            english,
        })
    }

    /// The default language (`PASSGATE__I18N__DEFAULT_LOCALE`).
    pub fn default_lang(&self) -> Lang {
        self.default
    }

    /// Every language served, in a fixed order (shipped first, then the operator's).
    pub fn languages(&self) -> impl Iterator<Item = Lang> + '_ {
        (0..self.languages.len()).map(|i| Lang(i as u8))
    }

    /// The language tag served, for `<html lang>` and `?lang=`.
    pub fn tag(&self, lang: Lang) -> &str {
        self.language(lang).map_or("en", |l| l.tag.as_str())
    }

    /// The language for a mail to a user with this `locale` (a stored language tag): the
    /// closest language served, else the default.
    pub fn for_locale(&self, locale: Option<&str>) -> Lang {
        locale
            .and_then(|l| LanguageTag::parse(l).ok())
            .and_then(|tag| self.closest(&tag))
            .unwrap_or(self.default)
    }

    /// The language of a page or problem: `explicit` (`?lang=` or a form's `lang` field)
    /// when it names a language served, else the best match of `Accept-Language`, else the
    /// default.
    pub fn negotiate(&self, explicit: Option<&str>, accept_language: Option<&str>) -> Lang {
        explicit
            .and_then(|e| LanguageTag::parse(e).ok())
            .and_then(|tag| self.closest(&tag))
            .or_else(|| accept_language.and_then(|h| self.accept_language(h)))
            .unwrap_or(self.default)
    }

    /// The best match of an `Accept-Language` header among the languages served, if any.
    pub fn accept_language(&self, header: &str) -> Option<Lang> {
        negotiate::best(header, |range| {
            if range == "*" {
                return Some(self.default);
            }
            LanguageTag::parse(range)
                .ok()
                .and_then(|tag| self.closest(&tag))
        })
    }

    /// The language served that is `tag` itself, or else shares its primary language
    /// (`da` for `da-DK`, `pt-BR` for `pt`).
    fn closest(&self, tag: &LanguageTag) -> Option<Lang> {
        let exact = self
            .languages
            .iter()
            .position(|l| l.tag.as_str().eq_ignore_ascii_case(tag.as_str()));
        exact
            .or_else(|| {
                self.languages
                    .iter()
                    .position(|l| l.tag.as_str().eq_ignore_ascii_case(tag.primary()))
            })
            .or_else(|| {
                self.languages
                    .iter()
                    .position(|l| l.tag.primary().eq_ignore_ascii_case(tag.primary()))
            })
            .map(|i| Lang(i as u8))
    }

    fn language(&self, lang: Lang) -> Option<&Language> {
        self.languages.get(usize::from(lang.0))
    }

    /// The text of message `id` in `lang`, falling back to the default language, then to
    /// English; the id itself if no language has it (never, for ids of [`ids`]: a test
    /// checks the shipped files).
    pub fn message(&self, lang: Lang, id: Id, args: &Args<'_>) -> String {
        self.try_message(lang, id, args)
            .unwrap_or_else(|| id.as_str().to_owned())
    }

    /// [`Self::message`], or `None` when no language has the message or it needs an
    /// argument not given (the caller then keeps a text of its own).
    pub fn try_message(&self, lang: Lang, id: Id, args: &Args<'_>) -> Option<String> {
        [lang, self.default, self.english]
            .into_iter()
            .find_map(|l| self.format(l, id.as_str(), args))
    }

    /// The message in `lang` itself, without falling back.
    fn format(&self, lang: Lang, id: &str, args: &Args<'_>) -> Option<String> {
        let bundle = &self.language(lang)?.bundle;
        let pattern = bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Text(s) => FluentValue::from(s.as_ref()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    /// A date and time for a mail, in UTC and saying so, as `lang` writes it
    /// (`mail-datetime` with the month's name: "1. december 2026 kl. 15:30 (UTC)"). A
    /// language without its own `mail-datetime` (an operator's that left it out) gets the
    /// language-neutral `2026-12-01 15:30 UTC` rather than another language's words.
    pub fn datetime(&self, lang: Lang, at: NaiveDateTime) -> String {
        let month = ids::MONTHS[at.month0() as usize];
        let month_name = self.format(lang, month.as_str(), &[]);
        let written = month_name.and_then(|month| {
            self.format(
                lang,
                ids::MAIL_DATETIME.as_str(),
                &[
                    ("day", Arg::Number(i64::from(at.day()))),
                    ("month", Arg::Text(Cow::Owned(month))),
                    // As text: a year is no quantity to group or pluralise.
                    ("year", Arg::Text(Cow::Owned(at.year().to_string()))),
                    (
                        "time",
                        Arg::Text(Cow::Owned(format!("{:02}:{:02}", at.hour(), at.minute()))),
                    ),
                ],
            )
        });
        written.unwrap_or_else(|| at.and_utc().format("%Y-%m-%d %H:%M UTC").to_string())
    }
}

#[cfg(test)]
mod tests;
