//! Outgoing mail and the self-service reset it carries.

use serde::{Deserialize, Serialize};

use super::values::Sender;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Log,
    Smtp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465` (TLS).
    pub smtp_url: String,
    pub from: Sender,
    /// Product name used in subjects and texts.
    pub product_name: String,
    /// Subject of reset-link messages in every language; `{product}` is replaced. Empty (the
    /// default): the message files' `mail-reset-subject`, in the recipient's language.
    pub reset_subject: String,
    /// Subject of password-change notices in every language; `{product}` and `{how}`
    /// ("changed", "reset by an administrator", …, in the recipient's language:
    /// `mail-notice-how-…`) are replaced. Empty (the default): the message files'
    /// `mail-notice-subject-…`.
    pub notice_subject: String,
    /// Email users a notice whenever their password changes.
    pub notify_password_changes: bool,
    /// First retry delay after a failed delivery; doubles per attempt up to `retry_max_secs`.
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    /// A message still undelivered this long after it was queued is given up (and counted).
    pub give_up_after_secs: u64,
    /// How often the outbox worker looks for due mail when nothing wakes it.
    pub poll_interval_ms: u64,
    /// Longest one SMTP delivery may take.
    pub send_timeout_secs: u64,
    /// How long a worker keeps a claimed message to itself; a message claimed by a process
    /// that died is retried by another after this. Must exceed the send timeout.
    pub claim_lease_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: MailTransport::Log,
            smtp_url: "smtp://127.0.0.1:25".into(),
            // A constant that parses (the unit tests load the defaults): cannot fail.
            from: "passgate@localhost"
                .parse()
                .expect("a valid built-in sender"),
            product_name: "passgate".into(),
            reset_subject: String::new(),
            notice_subject: String::new(),
            notify_password_changes: true,
            retry_base_secs: 5,
            retry_max_secs: 600,
            give_up_after_secs: 86_400,
            poll_interval_ms: 1000,
            send_timeout_secs: 15,
            claim_lease_secs: 120,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResetSettings {
    pub link_template: String,
    pub token_ttl_secs: u64,
    /// Reset emails per account per `account_window_secs`; further requests send nothing.
    pub account_max_emails: u32,
    pub account_window_secs: u64,
    /// Reset requests per client address per `address_window_secs`; further ones get 429.
    pub address_max_requests: u32,
    pub address_window_secs: u64,
}

impl Default for ResetSettings {
    fn default() -> Self {
        Self {
            link_template: "{public_url}/reset-password?token={token}".into(),
            token_ttl_secs: 1800,
            account_max_emails: 3,
            account_window_secs: 900,
            address_max_requests: 20,
            address_window_secs: 60,
        }
    }
}
