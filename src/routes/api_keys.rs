//! API keys for scripts and services: `/v1/admin/api-keys`.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Admin, Authenticated};
use crate::domain::{KeyName, Parsed, RoleSet};
use crate::error::{ApiError, Problem};
use crate::flows::api_keys::{self, ApiKeyList, CreatedApiKey, Creator};
use crate::state::AppState;

use super::integral;
use crate::http::client_address;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "nightly offboarding", "roles": ["password_admin"], "expires_in_days": 90}))]
pub struct CreateApiKeyRequest {
    // Its description is the type's: a field's own would wrap the schema in a one-item oneOf.
    #[schema(inline, value_type = KeyName)]
    pub name: Parsed<KeyName>,
    /// Roles that do not outrank the creator's highest role (asking for more → 403);
    /// `user` is always included.
    #[schema(value_type = Vec<crate::routes::admin_users::RoleName>)]
    pub roles: Parsed<RoleSet>,
    /// 1 to 3650 (`90` and `90.0` alike); omitted: the key does not expire.
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(default, deserialize_with = "integral::optional")]
    pub expires_in_days: Option<u32>,
}

/// Issue an API key (`admin`). The key is returned once; send it as
/// `Authorization: Bearer pgk_…` on any `/v1` route except `/v1/me`. It acts as itself:
/// audit events name the key as actor, and the reset hierarchy applies to its roles.
#[utoipa::path(post, path = "/v1/admin/api-keys", tag = "api keys", operation_id = "createApiKey",
    request_body = CreateApiKeyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `key` is shown only now", body = CreatedApiKey),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_token` (also when the caller lost its authority while the request ran)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden` (a role the creator lacks) or `password_change_required`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/api-keys")]
pub async fn create_key(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    body: web::Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let created = api_keys::create(
        &state,
        Creator::Caller(&caller.0),
        b.name,
        b.roles,
        b.expires_in_days,
        client_address(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Created().json(created))
}

/// List API keys (`admin`), revoked ones included; never a secret.
#[utoipa::path(get, path = "/v1/admin/api-keys", tag = "api keys", operation_id = "listApiKeys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every key", body = ApiKeyList),
    ))]
#[get("/v1/admin/api-keys")]
pub async fn list_keys(
    state: web::Data<AppState>,
    _caller: Authenticated<Admin>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api_keys::list(&state).await?))
}

/// Revoke an API key (`admin`). It stops working at once, on every instance.
#[utoipa::path(delete, path = "/v1/admin/api-keys/{id}", tag = "api keys", operation_id = "revokeApiKey",
    params(("id" = String, Path, description = "API key id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/v1/admin/api-keys/{id}")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    api_keys::revoke(&state, &caller.0, &id, client_address(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}
