//! The texts of every message, in one place. Plain text always; never a password, and a
//! token only inside the reset link itself.

use chrono::NaiveDateTime;

use crate::config::Settings;

use super::{ChangeKind, LinkReason};

/// Stands for the link in a queued reset message; the worker puts the real link in.
pub const LINK_PLACEHOLDER: &str = "{{reset_link}}";

pub fn reset_link(settings: &Settings, email: &str, reason: LinkReason) -> (String, String) {
    let product = &settings.mail.product_name;
    let minutes = settings.reset.token_ttl_secs.div_ceil(60);
    let opening = match reason {
        LinkReason::Requested => format!("Someone (hopefully you) asked to reset the password of your {product} account {email}."),
        LinkReason::AdminReset => {
            format!("An administrator reset the password of your {product} account {email}. Your old password no longer works.")
        }
    };
    let closing = match reason {
        LinkReason::Requested => {
            "If you did not ask for this, ignore this message: your password stays as it is."
        }
        LinkReason::AdminReset => "If you did not expect this, contact your administrator.",
    };
    (
        settings.mail.reset_subject.replace("{product}", product),
        format!(
            "{opening}\n\nTo choose a new password, open this link within {minutes} minutes. It works once.\n\n{LINK_PLACEHOLDER}\n\n{closing}\n\n-- \n{product}\n"
        ),
    )
}

pub fn notice(
    settings: &Settings,
    email: &str,
    kind: ChangeKind,
    at: NaiveDateTime,
    client_ip: Option<&str>,
) -> (String, String) {
    let product = &settings.mail.product_name;
    let how = match kind {
        ChangeKind::SelfService => "changed",
        ChangeKind::ResetLink => "reset through an emailed link",
        ChangeKind::Admin => "reset by an administrator",
    };
    let when = at.and_utc().format("%Y-%m-%d %H:%M UTC");
    let from = client_ip
        .map(|ip| format!(" from the address {ip}"))
        .unwrap_or_default();
    (
        settings.mail.notice_subject.replace("{product}", product).replace("{how}", how),
        format!(
            "The password of your {product} account {email} was {how} on {when}{from}.\n\n\
             If this was you, there is nothing to do. If it was not, reset your password now and tell your administrator.\n\n-- \n{product}\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_name_the_account_and_never_a_secret() {
        let s = Settings::default();
        let (subject, body) = reset_link(&s, "ada@example.com", LinkReason::Requested);
        assert!(subject.contains("Reset"));
        assert!(
            body.contains("ada@example.com")
                && body.contains(LINK_PLACEHOLDER)
                && body.contains("30 minutes")
        );
        let (_, body) = notice(
            &s,
            "ada@example.com",
            ChangeKind::Admin,
            chrono::DateTime::UNIX_EPOCH.naive_utc(),
            Some("203.0.113.9"),
        );
        assert!(
            body.contains("reset by an administrator")
                && body.contains("203.0.113.9")
                && body.contains("1970-01-01 00:00 UTC")
        );
    }
}

#[cfg(test)]
mod configurable {
    use super::*;

    #[test]
    fn subjects_and_product_name_are_configurable() {
        let mut s = Settings::default();
        s.mail.product_name = "Acme ID".into();
        s.mail.reset_subject = "[{product}] password reset".into();
        s.mail.notice_subject = "[{product}] your password was {how}".into();
        assert_eq!(
            reset_link(&s, "a@example.com", LinkReason::Requested).0,
            "[Acme ID] password reset"
        );
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let (subject, body) = notice(&s, "a@example.com", ChangeKind::SelfService, at, None);
        assert_eq!(subject, "[Acme ID] your password was changed");
        assert!(body.contains("Acme ID"));
    }
}
