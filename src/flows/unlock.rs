//! `POST /v1/admin/users/{id}/unlock`: clears every lockout of an account (contract:
//! "Admin", "Throttling"). The same who-may-reset-whom rule as a reset, decided again
//! inside the write transaction on the rows as they are then.

use crate::auth::{self, Caller};
use crate::db::{self, audit::NewEvent, write_tx};
use crate::domain::UserId;
use crate::error::ApiError;
use crate::state::AppState;

use super::admin_reset::may_reset_user;
use super::lockout::{self, AccountLockout};
use super::ClientAddress;

pub async fn unlock(
    state: &AppState,
    caller: &Caller,
    id: &str,
    origin: ClientAddress,
) -> Result<(), ApiError> {
    let id = UserId::parse(id).ok_or(ApiError::NotFound)?;
    let actor = caller.clone();
    let clock = state.clock.clone();
    state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                let now = clock.now();
                auth::still_authorized(c, &actor, now)?;
                let row = db::users::find_for_update(c, &id)?.ok_or(ApiError::NotFound)?;
                may_reset_user(&actor, &row)?;
                lockout::clear_account(c, &row.email_normalized)?;
                Ok(db::audit::record(
                    c,
                    now,
                    NewEvent::new("auth.unlocked")
                        .actor(actor.id)
                        .target(row.id)
                        .client_ip(origin.client_ip),
                )?)
            })
        })
        .await
}

/// The lockout of one account as it is now (what "Unlock" would clear).
pub async fn lockout_of(state: &AppState, id: &str) -> Result<AccountLockout, ApiError> {
    let id = UserId::parse(id).ok_or(ApiError::NotFound)?;
    let settings = state.settings.lockout.clone();
    let now = state.clock.now();
    state
        .db
        .run(move |c| {
            let row = db::users::find(c, &id)?.ok_or(ApiError::NotFound)?;
            lockout::account_lockout(c, &row.email_normalized, &settings, now)
        })
        .await
}
