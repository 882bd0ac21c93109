//! The caller's own account: `/v1/me`.

use actix_web::{get, web, HttpResponse};

use crate::auth::{Authenticated, SelfService};
use crate::error::{ApiError, Problem};
use crate::flows::users::{self, User};
use crate::state::AppState;

/// The signed-in user. Accepts restricted (`password_change`) tokens.
#[utoipa::path(get, path = "/v1/me", tag = "self", operation_id = "getMe",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = User),
        (status = 401, description = "`invalid_token`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    caller: Authenticated<SelfService>,
) -> Result<HttpResponse, ApiError> {
    let user = users::get(&state, &caller.user_id)
        .await
        .map_err(|e| match e {
            ApiError::NotFound => ApiError::InvalidToken,
            other => other,
        })?;
    Ok(HttpResponse::Ok().json(user))
}
