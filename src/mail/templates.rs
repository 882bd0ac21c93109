//! The texts of every message, from the message files (`mail-…` ids of
//! `locales/<lang>/passgate.ftl`), in the recipient's language: their `locale`, else the
//! default. Plain text always, arguments without invisible isolation marks; never a
//! password, and a token only inside the reset link itself. Dates are in UTC and say so.

use chrono::NaiveDateTime;

use crate::config::Settings;
use crate::i18n::{ids, I18n, Lang};

use super::{ChangeKind, LinkReason};

/// Stands for the link in a queued reset message; the worker puts the real link in.
pub const LINK_PLACEHOLDER: &str = "{{reset_link}}";

/// A subject from the settings (`PASSGATE__MAIL__RESET_SUBJECT`, …) when the operator set
/// one, for every language; else the message files' own.
fn subject(configured: &str, fallback: String, replace: &[(&str, &str)]) -> String {
    if configured.is_empty() {
        return fallback;
    }
    replace
        .iter()
        .fold(configured.to_owned(), |s, (from, to)| s.replace(from, to))
}

pub fn reset_link(
    settings: &Settings,
    i18n: &I18n,
    lang: Lang,
    email: &str,
    reason: LinkReason,
) -> (String, String) {
    let product = settings.mail.product_name.as_str();
    let minutes = settings.reset.token_ttl_secs.div_ceil(60);
    let who = [("product", product.into()), ("email", email.into())];
    let (opening, closing) = match reason {
        LinkReason::Requested => (
            ids::MAIL_RESET_OPENING_REQUESTED,
            ids::MAIL_RESET_CLOSING_REQUESTED,
        ),
        LinkReason::AdminReset => (ids::MAIL_RESET_OPENING_ADMIN, ids::MAIL_RESET_CLOSING_ADMIN),
    };
    let opening = i18n.message(lang, opening, &who);
    let instructions = i18n.message(
        lang,
        ids::MAIL_RESET_INSTRUCTIONS,
        &[("minutes", minutes.into())],
    );
    let closing = i18n.message(lang, closing, &[]);
    let default_subject = i18n.message(lang, ids::MAIL_RESET_SUBJECT, &who);
    (
        subject(
            &settings.mail.reset_subject,
            default_subject,
            &[("{product}", product)],
        ),
        format!(
            "{opening}\n\n{instructions}\n\n{LINK_PLACEHOLDER}\n\n{closing}\n\n-- \n{product}\n"
        ),
    )
}

pub fn notice(
    settings: &Settings,
    i18n: &I18n,
    lang: Lang,
    email: &str,
    kind: ChangeKind,
    at: NaiveDateTime,
    client_ip: Option<&str>,
) -> (String, String) {
    let product = settings.mail.product_name.as_str();
    let (subject_id, body_id, how) = match kind {
        ChangeKind::SelfService => (
            ids::MAIL_NOTICE_SUBJECT_SELF,
            ids::MAIL_NOTICE_BODY_SELF,
            ids::MAIL_NOTICE_HOW_SELF,
        ),
        ChangeKind::ResetLink => (
            ids::MAIL_NOTICE_SUBJECT_RESET_LINK,
            ids::MAIL_NOTICE_BODY_RESET_LINK,
            ids::MAIL_NOTICE_HOW_RESET_LINK,
        ),
        ChangeKind::Admin => (
            ids::MAIL_NOTICE_SUBJECT_ADMIN,
            ids::MAIL_NOTICE_BODY_ADMIN,
            ids::MAIL_NOTICE_HOW_ADMIN,
        ),
    };
    // `{how}` of the operator's subject, in the recipient's language like the rest.
    let how = i18n.message(lang, how, &[]);
    let when = i18n.datetime(lang, at);
    let what = i18n.message(
        lang,
        body_id,
        &[
            ("product", product.into()),
            ("email", email.into()),
            ("when", when.into()),
        ],
    );
    let from = client_ip
        .map(|ip| {
            format!(
                " {}",
                i18n.message(lang, ids::MAIL_NOTICE_FROM, &[("address", ip.into())])
            )
        })
        .unwrap_or_default();
    let advice = i18n.message(lang, ids::MAIL_NOTICE_ADVICE, &[]);
    let default_subject = i18n.message(lang, subject_id, &[("product", product.into())]);
    (
        subject(
            &settings.mail.notice_subject,
            default_subject,
            &[("{product}", product), ("{how}", how.as_str())],
        ),
        format!("{what}{from}\n\n{advice}\n\n-- \n{product}\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(15, 30, 0)
            .unwrap()
    }

    #[test]
    fn texts_name_the_account_and_never_a_secret() {
        let s = Settings::default();
        let i18n = I18n::shipped();
        let en = i18n.default_lang();
        let (subject, body) = reset_link(&s, &i18n, en, "ada@example.com", LinkReason::Requested);
        assert_eq!(subject, "Reset your passgate password");
        assert!(
            body.contains("ada@example.com")
                && body.contains(LINK_PLACEHOLDER)
                && body.contains("30 minutes")
        );
        let (subject, body) = notice(
            &s,
            &i18n,
            en,
            "ada@example.com",
            ChangeKind::Admin,
            at(),
            Some("203.0.113.9"),
        );
        assert_eq!(
            subject,
            "Your passgate password was reset by an administrator"
        );
        assert!(
            body.contains("reset by an administrator")
                && body.contains("203.0.113.9")
                && body.contains("on 1 December 2026 at 15:30 UTC."),
            "{body}"
        );
    }

    #[test]
    fn a_danish_recipient_reads_danish_without_invisible_marks() {
        let s = Settings::default();
        let i18n = I18n::shipped();
        let da = i18n.for_locale(Some("da-DK"));
        let (subject, body) = reset_link(&s, &i18n, da, "mette@example.dk", LinkReason::AdminReset);
        assert_eq!(subject, "Nulstil din adgangskode til passgate");
        assert!(body.contains(
            "En administrator har nulstillet adgangskoden til din passgate-konto mette@example.dk."
        ));
        assert!(body.contains("inden for 30 minutter"));
        let (subject, body) = notice(
            &s,
            &i18n,
            da,
            "mette@example.dk",
            ChangeKind::SelfService,
            at(),
            Some("203.0.113.9"),
        );
        assert_eq!(subject, "Din adgangskode til passgate er blevet ændret");
        assert!(
            body.contains("blev ændret den 1. december 2026 kl. 15:30 (UTC). Ændringen blev foretaget fra IP-adressen 203.0.113.9."),
            "{body}"
        );
        assert!(
            !body.contains(['\u{2068}', '\u{2069}']) && !subject.contains(['\u{2068}', '\u{2069}'])
        );
    }
}

#[cfg(test)]
mod configurable {
    use super::*;

    #[test]
    fn subjects_and_product_name_are_configurable() {
        let mut s = Settings::default();
        let i18n = I18n::shipped();
        let en = i18n.default_lang();
        s.mail.product_name = "Acme ID".into();
        s.mail.reset_subject = "[{product}] password reset".into();
        s.mail.notice_subject = "[{product}] your password was {how}".into();
        assert_eq!(
            reset_link(&s, &i18n, en, "a@example.com", LinkReason::Requested).0,
            "[Acme ID] password reset"
        );
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let (subject, body) = notice(
            &s,
            &i18n,
            en,
            "a@example.com",
            ChangeKind::SelfService,
            at,
            None,
        );
        assert_eq!(subject, "[Acme ID] your password was changed");
        assert!(body.contains("Acme ID"));
        // `{how}` is in the recipient's language, like the rest of the mail.
        let da = i18n.for_locale(Some("da"));
        s.mail.notice_subject = "[{product}] {how}".into();
        let subject = |kind| notice(&s, &i18n, da, "a@example.com", kind, at, None).0;
        assert_eq!(subject(ChangeKind::SelfService), "[Acme ID] ændret");
        assert_eq!(
            subject(ChangeKind::ResetLink),
            "[Acme ID] nulstillet via et link i en e-mail"
        );
        assert_eq!(
            subject(ChangeKind::Admin),
            "[Acme ID] nulstillet af en administrator"
        );
    }
}
