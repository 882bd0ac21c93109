//! `passgate reset-password --email E` (contract: "Command line"): for an operator with
//! shell access when the only admin forgot their password and mail is not set up. A fresh
//! temporary password (to be changed at the next sign-in), every session revoked, every
//! lockout of the account cleared, audited with the command line as the actor.

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::db::{self, audit::NewEvent, write_tx};
use crate::domain::Email;
use crate::error::ApiError;
use crate::mail::{self, ChangeKind};
use crate::password::generate_temporary_password;
use crate::state::AppState;
use crate::webhooks::{self, events, Event};

use super::hash_error;
use super::{lockout, passwords};

/// What the command prints: the password alone on stdout, the rest on stderr.
pub struct BreakGlassReset {
    pub user_id: String,
    pub email: String,
    pub disabled: bool,
    pub temporary_password: SecretString,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn reset_password(state: &AppState, email: &str) -> Result<BreakGlassReset, ApiError> {
    let normalized = Email::parse(email)
        .map_err(|why| crate::flows::invalid_email("email", why))?
        .normalized();
    let temporary = generate_temporary_password();
    let hash = state
        .hasher
        .hash(temporary.clone())
        .await
        .map_err(hash_error)?;
    let now = state.clock.now();
    let expires_at = passwords::temporary_expiry(state, true, now);
    let (settings, history) = (state.settings.clone(), state.policy.history);
    let i18n = state.i18n.clone();
    let user = state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                let found = db::users::find_by_email(c, &normalized)?.ok_or(ApiError::NotFound)?;
                let user = db::users::find_for_update(c, &found.id)?.ok_or(ApiError::NotFound)?;
                let change = db::users::PasswordChange {
                    new_hash: Some(&hash),
                    change_required: true,
                    expires_at,
                    now,
                };
                passwords::apply(c, history, &user, None, &change)?;
                lockout::clear_account(c, &user.email_normalized)?;
                db::audit::record(
                    c,
                    now,
                    NewEvent::new("password.reset_by_admin")
                        .target(user.id)
                        .details(serde_json::json!({
                            "mode": "generate",
                            "require_change_on_next_sign_in": true,
                        }))
                        .by_command_line(),
                )?;
                webhooks::enqueue(
                    c,
                    &Event::of(&events::PasswordChanged {
                        user_id: user.id.to_string(),
                        kind: events::PasswordChangeKind::Admin,
                        actor_id: None,
                    }),
                    now,
                )?;
                mail::queue_notice(c, &settings, &i18n, &user, ChangeKind::Admin, None, now)?;
                Ok(user)
            })
        })
        .await?;
    state
        .metrics
        .password_changes_total
        .with_label_values(&["admin"])
        .inc();
    Ok(BreakGlassReset {
        user_id: user.id.to_string(),
        email: user.email,
        disabled: user.disabled,
        temporary_password: temporary,
        expires_at: expires_at.map(|t| t.and_utc()),
    })
}
