//! Sign-in and sessions: `/v1/auth/token`, `/v1/auth/refresh`, `/v1/auth/logout`.

use actix_web::{post, web, HttpRequest, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::{Email, Parsed};
use crate::error::{ApiError, Problem};
use crate::flows::sessions::TokenPair;
use crate::flows::{self, sessions};
use crate::state::AppState;

use super::{required_password, validated};
use crate::http::client_address;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com", "password": "violet kettle marches under seven bridges"}))]
pub struct SignInRequest {
    #[schema(inline, value_type = Email)]
    pub email: Parsed<Email>,
    /// Longer than the policy maximum → 422 before any hashing.
    #[schema(value_type = String, min_length = 1, max_length = 256)]
    pub password: SecretString,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "m0QK3n1Yc8X2oZ7b4v6pR9sT1uW3xY5zA7cE9gI2kL4"}))]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512, message = "must be 1 to 512 characters"))]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

/// Sign in with email and password.
///
/// Unknown email, wrong password, disabled account and expired temporary password all get
/// the same `invalid_credentials` answer. When `password_change_required` is true the
/// access token carries `scope: "password_change"` and only `GET /v1/me` and
/// `POST /v1/me/password` accept it. Failures are counted per account and client address:
/// an address with too many is locked out of that account (`account_locked`, with
/// `Retry-After`) while the owner signing in from elsewhere gets in.
#[utoipa::path(post, path = "/v1/auth/token", tag = "auth", operation_id = "signIn", security(()),
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`account_locked`: this client address (its /64 for IPv6) failed too often for this account, or the account's unfamiliar addresses reached their hourly ceiling; the right password is refused too until `Retry-After`. Unknown and disabled accounts lock alike.", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until this address may try again"))),
        (status = 503, description = "`overloaded` or `unavailable`, with `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/auth/token")]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    required_password("password", &body.password)?;
    let pair = flows::sign_in::sign_in(
        &state,
        body.email,
        body.password.expose_secret(),
        client_address(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Exchange a refresh token for a new pair. The presented token is rotated; presenting an
/// already-rotated token revokes its whole session family.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", operation_id = "refreshToken", security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_token`: unknown, expired, revoked or reused", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = validated(body.into_inner())?;
    Ok(HttpResponse::Ok().json(sessions::refresh(&state, &body.refresh_token).await?))
}

/// Sign out: revokes the session of this refresh token. Idempotent.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", operation_id = "logout", security(()),
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The session is revoked"),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = validated(body.into_inner())?;
    sessions::logout(&state, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}
