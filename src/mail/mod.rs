//! Mail: messages are queued in the `outbox` table inside the transaction of the change
//! that causes them, and a background worker delivers them (SMTP through lettre, or printed
//! by the `log` transport in development) with retries. A slow or failing mail server never
//! slows or fails an API call, and a message is never lost on restart.

pub mod templates;
pub mod transport;
pub mod worker;

use chrono::NaiveDateTime;

use crate::config::Settings;
use crate::db::{self, models::UserRow, outbox::OutboxRow, DbConn};
use crate::domain::UserId;
use crate::i18n::I18n;

pub use transport::Transport;
pub use worker::OutboxWorker;

pub const KIND_RESET_LINK: &str = "reset_link";
pub const KIND_NOTICE: &str = "notice";

/// Why a reset link is sent.
#[derive(Debug, Clone, Copy)]
pub enum LinkReason {
    /// The user asked for it (forgot password).
    Requested,
    /// An admin reset the password in `link` mode.
    AdminReset,
}

/// How a password changed, for the notice.
#[derive(Debug, Clone, Copy)]
pub enum ChangeKind {
    SelfService,
    ResetLink,
    Admin,
}

/// Queues a reset-link message for `user`, in their language (`locale`, else the default). The message holds no token: the worker makes
/// one when it sends, and only if the user's security version is still `security_version`
/// (a password change meanwhile makes the message obsolete).
pub fn queue_reset_link(
    conn: &mut DbConn,
    settings: &Settings,
    i18n: &I18n,
    user: &UserRow,
    security_version: i64,
    reason: LinkReason,
    now: NaiveDateTime,
) -> db::Result<()> {
    let lang = i18n.for_locale(user.locale.as_deref());
    let (subject, body) = templates::reset_link(settings, i18n, lang, &user.email, reason);
    queue(
        conn,
        KIND_RESET_LINK,
        &user.email,
        subject,
        body,
        Some((&user.id, security_version)),
        now,
    )
}

/// Queues the "your password was changed" notice, in the user's language, unless notices
/// are switched off.
pub fn queue_notice(
    conn: &mut DbConn,
    settings: &Settings,
    i18n: &I18n,
    user: &UserRow,
    kind: ChangeKind,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> db::Result<()> {
    if !settings.mail.notify_password_changes {
        return Ok(());
    }
    let lang = i18n.for_locale(user.locale.as_deref());
    let (subject, body) =
        templates::notice(settings, i18n, lang, &user.email, kind, now, client_ip);
    queue(conn, KIND_NOTICE, &user.email, subject, body, None, now)
}

fn queue(
    conn: &mut DbConn,
    kind: &str,
    recipient: &str,
    subject: String,
    body: String,
    user: Option<(&UserId, i64)>,
    now: NaiveDateTime,
) -> db::Result<()> {
    db::outbox::insert(
        conn,
        &OutboxRow {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.to_owned(),
            recipient: recipient.to_owned(),
            subject,
            body_text: body,
            user_id: user.map(|(id, _)| *id),
            security_version: user.map(|(_, sv)| sv),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            locked_until: None,
            delivered_at: None,
            failed_at: None,
            last_error: None,
        },
    )
}
