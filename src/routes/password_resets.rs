//! Self-service reset of a forgotten password: `/v1/password-resets`.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{Email, Parsed};
use crate::error::{ApiError, Problem};
use crate::flows::reset;
use crate::state::AppState;

use crate::http::client_address;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com"}))]
pub struct ResetRequest {
    #[schema(inline, value_type = Email)]
    pub email: Parsed<Email>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "accepted"}))]
pub struct ResetAccepted {
    /// Always `accepted`, whether or not the email belongs to an account.
    pub status: &'static str,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "q3Jm0S9xXw3c2T1h0bC5Zk9pQ7vN4rL8aE6uY2sD1fG"}))]
pub struct ResetTokenRequest {
    /// The token from the emailed link.
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"valid": true, "expires_at": "2026-11-25T09:30:00Z"}))]
pub struct ResetTokenStatus {
    pub valid: bool,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "q3Jm0S9xXw3c2T1h0bC5Zk9pQ7vN4rL8aE6uY2sD1fG", "new_password": "violet kettle marches under seven bridges"}))]
pub struct ResetConfirmRequest {
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
    /// Must pass the password policy (see `GET /v1/password-policy`).
    #[schema(value_type = String, max_length = 256)]
    pub new_password: SecretString,
}

/// Ask for a reset link. Always 202 with the same body, whether the email is unknown,
/// disabled, throttled (at most `PASSGATE__RESET__ACCOUNT_MAX_EMAILS` emails per account per
/// window) or real; a real, active account is emailed a single-use link. Too many requests
/// from one client address → 429 `rate_limited`.
#[utoipa::path(post, path = "/v1/password-resets", tag = "password reset", operation_id = "requestPasswordReset", security(()),
    request_body = ResetRequest,
    responses(
        (status = 202, description = "Accepted (whatever the email)", body = ResetAccepted),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: not an email address", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/password-resets")]
pub async fn request_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<ResetRequest>,
) -> Result<HttpResponse, ApiError> {
    reset::request(
        &state,
        body.into_inner().email,
        client_address(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(ResetAccepted { status: "accepted" }))
}

/// Check a reset token without using it (e.g. before showing a new-password form).
#[utoipa::path(post, path = "/v1/password-resets/verify", tag = "password reset", operation_id = "verifyPasswordReset", security(()),
    request_body = ResetTokenRequest,
    responses(
        (status = 200, description = "The token is usable", body = ResetTokenStatus),
        (status = 400, description = "`reset_token_invalid` (unknown, expired or used) or `malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/password-resets/verify")]
pub async fn verify_reset(
    state: web::Data<AppState>,
    body: web::Json<ResetTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let expires_at = reset::verify(&state, &body.token).await?;
    Ok(HttpResponse::Ok().json(ResetTokenStatus {
        valid: true,
        expires_at,
    }))
}

/// Set a new password with a reset token. The token is consumed atomically (of concurrent
/// confirms exactly one succeeds); every session is revoked and `password_change_required`
/// cleared. A policy rejection leaves the token usable.
#[utoipa::path(post, path = "/v1/password-resets/confirm", tag = "password reset", operation_id = "confirmPasswordReset", security(()),
    request_body = ResetConfirmRequest,
    responses(
        (status = 204, description = "The password is set"),
        (status = 400, description = "`reset_token_invalid` (unknown, expired or used) or `malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`password_policy`: every broken rule in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`overloaded` or `unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/password-resets/confirm")]
pub async fn confirm_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<ResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    reset::confirm(
        &state,
        &body.token,
        &body.new_password,
        client_address(&req, &state),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
