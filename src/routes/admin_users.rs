//! User administration: `/v1/admin/users`.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Admin, Authenticated, PasswordAdmin};
use crate::domain::{DisplayName, Email, LanguageTag, Parsed, RoleSet};
use crate::error::{ApiError, Problem};
use crate::flows::users::{
    self, CreatedUser, ListQuery, NewAccount, ProfileUpdate, User, UserPage,
};
use crate::state::AppState;

use crate::http::client_address;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Matches email or display name (case-insensitive substring).
    pub q: Option<String>,
    /// Only users holding this role.
    #[param(value_type = Option<RoleName>)]
    pub role: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "super::integral::optional_in_query")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; absent or empty: the first page.
    pub cursor: Option<String>,
}

/// A role name.
#[derive(ToSchema)]
#[allow(non_camel_case_types, dead_code)]
pub enum RoleName {
    user,
    password_admin,
    admin,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "grace@example.com", "display_name": "Grace Hopper", "roles": ["user"], "locale": "da"}))]
pub struct CreateUserRequest {
    #[schema(inline, value_type = Email)]
    pub email: Parsed<Email>,
    #[schema(inline, value_type = Option<DisplayName>)]
    pub display_name: Option<Parsed<DisplayName>>,
    /// Defaults to `["user"]`; `user` is always included.
    #[schema(value_type = Option<Vec<RoleName>>)]
    pub roles: Option<Parsed<RoleSet>>,
    /// Omit to have passgate generate a temporary password (shown once in the response).
    #[schema(value_type = Option<String>, max_length = 256)]
    pub password: Option<SecretString>,
    /// Defaults to true for a generated password and false for a given one.
    pub require_change_on_next_sign_in: Option<bool>,
    /// The user's language for mail (BCP 47, e.g. `da`); absent or null: the default.
    #[schema(inline, value_type = Option<LanguageTag>)]
    pub locale: Option<Parsed<LanguageTag>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"roles": ["user", "password_admin"], "disabled": false}))]
pub struct UpdateUserRequest {
    #[schema(inline, value_type = Option<DisplayName>)]
    pub display_name: Option<Parsed<DisplayName>>,
    /// The complete new set of roles; `user` is always included.
    #[schema(value_type = Option<Vec<RoleName>>)]
    pub roles: Option<Parsed<RoleSet>>,
    pub disabled: Option<bool>,
    /// The user's language for mail (BCP 47, e.g. `da`); `null` clears it (mail then uses
    /// the default).
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(inline, value_type = Option<LanguageTag>)]
    pub locale: Option<Option<Parsed<LanguageTag>>>,
}

/// List users (`password_admin` or `admin`).
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", operation_id = "listUsers",
    params(UserListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users in creation order", body = UserPage),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (limit, role or cursor)", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/admin/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _caller: Authenticated<PasswordAdmin>,
    params: web::Query<UserListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = users::list(
        &state,
        ListQuery {
            q: p.q,
            role: p.role,
            limit: p.limit,
            cursor: p.cursor,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Create a user (`admin`). Without `password`, a temporary password is generated, shown
/// once, and must be changed at first sign-in; it expires after
/// `PASSGATE__ADMIN__TEMPORARY_PASSWORD_TTL_SECS`. A given password must pass the policy.
#[utoipa::path(post, path = "/v1/admin/users", tag = "admin", operation_id = "createUser",
    request_body = CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CreatedUser),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: the email is taken (case-insensitively)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` or `password_policy`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`overloaded` or `unavailable`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let input = NewAccount {
        email: b.email,
        display_name: b.display_name,
        roles: b.roles,
        password: b.password,
        require_change_on_next_sign_in: b.require_change_on_next_sign_in,
        locale: b.locale,
    };
    let created = users::create(&state, Some(&caller), input, client_address(&req, &state)).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Read one user (`password_admin` or `admin`).
#[utoipa::path(get, path = "/v1/admin/users/{id}", tag = "admin", operation_id = "getUser",
    params(("id" = String, Path, description = "User id (UUID)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/admin/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _caller: Authenticated<PasswordAdmin>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(users::get(&state, &id).await?))
}

/// Update a user (`admin`). Changing roles or `disabled` revokes the user's earlier tokens
/// and ends every session; disabling also voids outstanding reset links. Admins cannot
/// change their own roles or disable themselves, and there is always at least one enabled
/// admin: a change that would leave none answers 409, also when two admins demote each other
/// at the same moment. The caller's own authority is checked again at the moment of the
/// write.
#[utoipa::path(patch, path = "/v1/admin/users/{id}", tag = "admin", operation_id = "updateUser",
    params(("id" = String, Path, description = "User id (UUID)")),
    request_body = UpdateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated user", body = User),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: the change would leave no enabled admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/v1/admin/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let change = ProfileUpdate {
        display_name: b.display_name,
        roles: b.roles,
        disabled: b.disabled,
        locale: b.locale,
    };
    let user = users::update(
        &state,
        Some(&caller),
        &id,
        change,
        client_address(&req, &state),
    )
    .await?;
    Ok(HttpResponse::Ok().json(user))
}
