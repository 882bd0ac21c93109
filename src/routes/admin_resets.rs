//! Admin password reset: one user (`/v1/admin/users/{id}/password-reset`) or many
//! (`/v1/admin/password-resets`).

use actix_web::{post, web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Authenticated, PasswordAdmin};
use crate::error::{ApiError, FieldError, Problem};
use crate::flows::admin_reset::{
    self, BulkResetResult, ResetMode, ResetOptions, ResetResult, Target,
};
use crate::flows::unlock;
use crate::state::AppState;

use crate::http::client_address;

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mode": "generate", "require_change_on_next_sign_in": true, "notify_user": true}))]
pub struct ResetUserRequest {
    pub mode: ResetMode,
    /// Mode `set` only: the new password (policy-checked).
    #[schema(value_type = Option<String>, max_length = 256)]
    pub password: Option<SecretString>,
    /// Default true: the user must change the password at the next sign-in; the temporary
    /// password then expires after `PASSGATE__ADMIN__TEMPORARY_PASSWORD_TTL_SECS`.
    #[serde(default = "default_true")]
    pub require_change_on_next_sign_in: bool,
    /// Default true: email the user a notice of the reset (never the password).
    #[serde(default = "default_true")]
    pub notify_user: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_ids": ["019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6c"],
    "mode": "generate", "require_change_on_next_sign_in": true, "notify_user": true}))]
pub struct BulkResetRequest {
    /// The users to reset (exactly one of `user_ids` and `emails`).
    #[schema(min_items = 1)]
    pub user_ids: Option<Vec<String>>,
    /// The users to reset, by email, matched case-insensitively.
    #[schema(min_items = 1)]
    pub emails: Option<Vec<String>>,
    pub mode: ResetMode,
    /// Mode `set` only: the new password for every listed user (policy-checked once).
    #[schema(value_type = Option<String>, max_length = 256)]
    pub password: Option<SecretString>,
    #[serde(default = "default_true")]
    pub require_change_on_next_sign_in: bool,
    #[serde(default = "default_true")]
    pub notify_user: bool,
}

/// Reset one user's password (`password_admin` or `admin`).
///
/// Modes: `generate` (a random temporary password, returned once), `set` (the given
/// password), `link` (the password stops working and the user is emailed a reset link).
/// Every reset revokes the user's sessions and is audited. Who may reset whom: `admin` may
/// reset anyone but themself; `password_admin` may reset users whose roles are only `user`
/// and/or `password_admin`; nobody resets their own password here.
#[utoipa::path(post, path = "/v1/admin/users/{id}/password-reset", tag = "admin", operation_id = "resetUserPassword",
    params(("id" = String, Path, description = "User id (UUID)")),
    request_body = ResetUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reset", body = ResetResult),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden` (role, the target outranks the caller, or the target is the caller) or `password_change_required`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` or `password_policy`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`overloaded` or `unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/users/{id}/password-reset")]
pub async fn reset_user(
    state: web::Data<AppState>,
    caller: Authenticated<PasswordAdmin>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<ResetUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let options = ResetOptions {
        mode: b.mode,
        password: b.password,
        require_change: b.require_change_on_next_sign_in,
        notify_user: b.notify_user,
    };
    let result =
        admin_reset::reset_single(&state, &caller, &id, options, client_address(&req, &state))
            .await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Clear every lockout of one account (`password_admin` or `admin`).
///
/// Every source locked out of the account (contract: "Throttling") may try again at once,
/// the shared ceiling of unfamiliar sources starts afresh and the remembered wrong-password
/// digests are forgotten. The same who-may-reset-whom rule as a reset applies, checked again
/// inside the write; audited as `auth.unlocked`.
#[utoipa::path(post, path = "/v1/admin/users/{id}/unlock", tag = "admin", operation_id = "unlockUser",
    params(("id" = String, Path, description = "User id (UUID)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every lockout of the account is cleared"),
        (status = 403, description = "`forbidden` (role, the target outranks the caller, or the target is the caller) or `password_change_required`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/users/{id}/unlock")]
pub async fn unlock_user(
    state: web::Data<AppState>,
    caller: Authenticated<PasswordAdmin>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    unlock::unlock(&state, &caller, &id, client_address(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reset the passwords of many users at once (`password_admin` or `admin`).
///
/// Each user is reset in its own transaction; one failure (`not_found`, `forbidden`) never
/// blocks the others. Results come in request order, duplicates collapsed. More users than
/// `PASSGATE__ADMIN__MAX_BULK` → 422 `batch_too_large` before any work. Who may reset whom:
/// `admin` may reset anyone but themself; `password_admin` may reset users whose roles are
/// only `user` and/or `password_admin`; nobody resets their own password here. The rule and
/// the caller's authority are checked again inside each user's transaction, so a promotion
/// or demotion while the password is hashed is never raced past. A failed item echoes the
/// requested `user_id`; an address in `emails` that breaks the email rules (look-alikes such
/// as the Kelvin sign included) is a per-item `validation_failed`, never folded onto another
/// account.
#[utoipa::path(post, path = "/v1/admin/password-resets", tag = "admin", operation_id = "resetPasswords",
    request_body = BulkResetRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Per-user results", body = BulkResetResult),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `password_policy` or `batch_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/password-resets")]
pub async fn reset_many(
    state: web::Data<AppState>,
    caller: Authenticated<PasswordAdmin>,
    req: HttpRequest,
    body: web::Json<BulkResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let targets = match (b.user_ids, b.emails) {
        (Some(ids), None) => ids.into_iter().map(Target::Id).collect(),
        (None, Some(emails)) => emails.into_iter().map(Target::Email).collect(),
        _ => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "user_ids",
                "exactly_one_of",
                "give exactly one of `user_ids` and `emails`",
            )
            .with_arg("first", "user_ids")
            .with_arg("second", "emails")]))
        }
    };
    let options = ResetOptions {
        mode: b.mode,
        password: b.password,
        require_change: b.require_change_on_next_sign_in,
        notify_user: b.notify_user,
    };
    let result = admin_reset::reset_many(
        &state,
        &caller,
        targets,
        options,
        client_address(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Ok().json(result))
}
