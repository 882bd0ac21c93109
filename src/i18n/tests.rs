use std::collections::BTreeSet;

use chrono::NaiveDate;
use fluent_syntax::ast;

use super::load::{self, Source};
use super::*;

fn ids_of(text: &str) -> BTreeSet<String> {
    let resource = match FluentResource::try_new(text.to_owned()) {
        Ok(r) => r,
        Err((_, errors)) => panic!("a shipped file does not parse: {errors:?}"),
    };
    resource
        .entries()
        .filter_map(|e| match e {
            ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_shipped_file_has_exactly_the_ids_the_code_uses() {
    let used: BTreeSet<String> = ids::ALL.iter().map(|i| i.as_str().to_owned()).collect();
    for lang in ["en", "da"] {
        let path = format!("{}/locales/{lang}/passgate.ftl", env!("CARGO_MANIFEST_DIR"));
        let found = ids_of(&std::fs::read_to_string(&path).unwrap());
        let missing: Vec<_> = used.difference(&found).collect();
        assert!(missing.is_empty(), "{path} lacks {missing:?}");
        let unused: Vec<_> = found.difference(&used).collect();
        assert!(
            unused.is_empty(),
            "{path} has ids no code asks for (add them to src/i18n/ids.rs or remove them): {unused:?}"
        );
    }
}

#[test]
fn every_message_renders_in_every_shipped_language_without_isolation_marks() {
    let i18n = I18n::shipped();
    let args: Vec<(&str, Arg)> = [
        "min",
        "max",
        "history",
        "minutes",
        "rule",
        "product",
        "email",
        "when",
        "address",
        "day",
        "month",
        "year",
        "time",
        "succeeded",
        "requested",
        "failed",
        "sources",
        "reason",
        "role",
        "mode",
        "first",
        "second",
        "why",
        "line",
    ]
    .into_iter()
    .map(|n| (n, Arg::Number(2)))
    .collect();
    for lang in i18n.languages() {
        for id in ids::ALL {
            let text = i18n.format(lang, id.as_str(), &args);
            let text = text.unwrap_or_else(|| panic!("{} lacks {}", i18n.tag(lang), id.as_str()));
            assert!(
                !text.contains(['\u{2068}', '\u{2069}']),
                "{}: {text:?}",
                id.as_str()
            );
        }
    }
}

#[test]
fn dates_are_written_in_the_language_and_in_utc() {
    let i18n = I18n::shipped();
    let at = NaiveDate::from_ymd_opt(2026, 12, 1)
        .unwrap()
        .and_hms_opt(15, 30, 0)
        .unwrap();
    let da = i18n.for_locale(Some("da-DK"));
    assert_eq!(i18n.datetime(da, at), "1. december 2026 kl. 15:30 (UTC)");
    let en = i18n.for_locale(None);
    assert_eq!(i18n.datetime(en, at), "1 December 2026 at 15:30 UTC");
}

#[test]
fn an_added_language_without_dates_gets_the_neutral_form_and_falls_back_per_message() {
    let mut sources = load::shipped_only();
    let resource = load::parse(
        std::path::Path::new("de/passgate.ftl"),
        "page-forgot-title = Passwort vergessen?\n".into(),
    )
    .unwrap();
    sources.push(Source {
        tag: LanguageTag::parse("de").unwrap(),
        resources: vec![resource],
    });
    let i18n = I18n::build(sources, "da").unwrap();
    let de = i18n.for_locale(Some("de-AT"));
    assert_eq!(i18n.tag(de), "de");
    assert_eq!(
        i18n.message(de, ids::PAGE_FORGOT_TITLE, &[]),
        "Passwort vergessen?"
    );
    // Missing in `de`: the default language's text.
    assert_eq!(
        i18n.message(de, ids::PAGE_FORGOT_SENT_TITLE, &[]),
        "Tjek din indbakke"
    );
    let at = NaiveDate::from_ymd_opt(2026, 3, 9)
        .unwrap()
        .and_hms_opt(7, 5, 0)
        .unwrap();
    assert_eq!(i18n.datetime(de, at), "2026-03-09 07:05 UTC");
}

#[test]
fn languages_are_chosen_explicitly_then_by_header_then_by_default() {
    let i18n = I18n::shipped();
    let tag = |l| i18n.tag(l).to_owned();
    assert_eq!(tag(i18n.negotiate(Some("da"), Some("en"))), "da");
    assert_eq!(
        tag(i18n.negotiate(Some("xx"), Some("da-DK,en;q=0.5"))),
        "da"
    );
    assert_eq!(tag(i18n.negotiate(Some("not a tag!"), None)), "en");
    assert_eq!(tag(i18n.negotiate(None, Some("fr, *;q=0.1"))), "en");
    assert_eq!(tag(i18n.negotiate(None, None)), "en");
    assert_eq!(tag(i18n.for_locale(Some("kl"))), "en");
    assert_eq!(tag(i18n.for_locale(Some("DA"))), "da");
}

#[test]
fn a_default_that_is_not_served_is_refused() {
    let e = I18n::build(load::shipped_only(), "fr")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("PASSGATE__I18N__DEFAULT_LOCALE"), "{e}");
}

#[test]
fn a_message_needing_an_argument_not_given_is_none() {
    let i18n = I18n::shipped();
    let en = i18n.default_lang();
    assert!(i18n.try_message(en, ids::FIELD_TOO_SHORT, &[]).is_none());
    assert_eq!(
        i18n.try_message(en, ids::FIELD_TOO_SHORT, &[("min", 15.into())])
            .as_deref(),
        Some("must be at least 15 characters")
    );
}
