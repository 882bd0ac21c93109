//! The caller's own account: `/v1/me`.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Authenticated, Caller, SelfService};
use crate::domain::UserId;
use crate::error::{ApiError, Problem};
use crate::flows;
use crate::flows::sessions::TokenPair;
use crate::flows::users::User;
use crate::state::AppState;

use super::required_password;
use crate::http::client_address;

/// The signed-in user. Accepts restricted (`password_change`) tokens.
#[utoipa::path(get, path = "/v1/me", tag = "self", operation_id = "getMe",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = User),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    caller: Authenticated<SelfService>,
) -> Result<HttpResponse, ApiError> {
    let user: User = flows::users::find(&state, self_service_user(&caller)?)
        .await
        .map_err(|e| match e {
            ApiError::NotFound => ApiError::InvalidToken,
            other => other,
        })?;
    Ok(HttpResponse::Ok().json(user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "hP7qk-2mWxa-Tz9Lr-c4NvE", "new_password": "violet kettle marches under seven bridges"}))]
pub struct ChangePasswordRequest {
    /// The current password (or the temporary one an admin gave you).
    #[schema(value_type = String, min_length = 1, max_length = 256)]
    pub current_password: SecretString,
    /// Must pass the password policy (see `GET /v1/password-policy`) and differ from the
    /// current and recent passwords.
    #[schema(value_type = String, max_length = 256)]
    pub new_password: SecretString,
}

/// Change your own password. Accepts restricted (`password_change`) tokens: this is how a
/// temporary password is replaced. Returns a fresh session; every other session and every
/// earlier access token is revoked. A wrong current password counts toward the lockout
/// of this account from this client address, like a failed sign-in.
#[utoipa::path(post, path = "/v1/me/password", tag = "self", operation_id = "changePassword",
    request_body = ChangePasswordRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; a fresh token pair for the caller", body = TokenPair),
        (status = 400, description = "`current_password_incorrect` or `malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`password_policy` (every broken rule in `errors`) or `validation_failed`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`account_locked`: this client address (its /64 for IPv6) failed too often for this account, or the account's unfamiliar addresses reached their hourly ceiling; the right password is refused too until `Retry-After`. Unknown and disabled accounts lock alike.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until this address may try again"))),
        (status = 503, description = "`overloaded` or `unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Authenticated<SelfService>,
    req: HttpRequest,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    required_password("current_password", &body.current_password)?;
    let pair = flows::change_password::change_password(
        &state,
        self_service_user(&caller)?,
        body.current_password.expose_secret(),
        body.new_password.expose_secret(),
        client_address(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// `SelfService` refuses API keys before the handler runs, so a caller here is a user; the
/// `InvalidToken` is what an unknown user's token answers, never reached.
fn self_service_user(caller: &Caller) -> Result<UserId, ApiError> {
    caller.user_id().ok_or(ApiError::InvalidToken)
}
