//! The authenticated caller, as an actix extractor. Routes declare their requirement once,
//! in their signature (`Authenticated<Admin>`), and this module enforces, in order:
//! a valid token (401), the security version and account state (401), the
//! `password_change` scope (403 `password_change_required`), then the role (403 `forbidden`).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::db;
use crate::domain::{Role, RoleSet};
use crate::error::ApiError;
use crate::state::AppState;

use super::jwt::PASSWORD_CHANGE_SCOPE;

/// Who is calling, once every check has passed.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub roles: RoleSet,
    /// The token only allows changing the password.
    pub restricted: bool,
}

/// What a route requires of its caller.
pub trait Requirement {
    /// Whether a `password_change`-scoped token is enough.
    const ALLOWS_RESTRICTED: bool = false;
    fn permits(roles: &RoleSet) -> bool;
}

/// Any signed-in user with a full token.
pub struct AnyUser;
/// The caller's own account (`/v1/me`): restricted tokens are accepted.
pub struct SelfService;
/// `password_admin` or `admin`.
pub struct PasswordAdmin;
/// `admin` only.
pub struct Admin;

impl Requirement for AnyUser {
    fn permits(_: &RoleSet) -> bool {
        true
    }
}

impl Requirement for SelfService {
    const ALLOWS_RESTRICTED: bool = true;
    fn permits(_: &RoleSet) -> bool {
        true
    }
}

impl Requirement for PasswordAdmin {
    fn permits(roles: &RoleSet) -> bool {
        roles.contains(Role::PasswordAdmin) || roles.contains(Role::Admin)
    }
}

impl Requirement for Admin {
    fn permits(roles: &RoleSet) -> bool {
        roles.contains(Role::Admin)
    }
}

pub struct Authenticated<R: Requirement>(pub Caller, PhantomData<R>);

impl<R: Requirement> std::ops::Deref for Authenticated<R> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// The bearer credential of a request, if it has one.
fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty() && t.len() <= 8192)
}

impl<R: Requirement + 'static> FromRequest for Authenticated<R> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))?;
            let token = token.ok_or(ApiError::InvalidToken)?;
            let claims = state.jwt.verify(&token)?;
            let user_id = claims.sub.clone();
            let current = state
                .db
                .run(move |conn| db::users::auth_state(conn, &user_id))
                .await?
                .ok_or(ApiError::InvalidToken)?;
            // A password change, reset, role change or disable bumps the version: every
            // token issued before it is dead from that moment.
            if current.disabled || current.security_version != claims.sv {
                return Err(ApiError::InvalidToken);
            }
            let restricted = claims.scope.as_deref() == Some(PASSWORD_CHANGE_SCOPE);
            if restricted && !R::ALLOWS_RESTRICTED {
                return Err(ApiError::PasswordChangeRequired);
            }
            let roles = RoleSet::parse(&claims.roles).map_err(|_| ApiError::InvalidToken)?;
            if !R::permits(&roles) {
                return Err(ApiError::Forbidden("Your role does not allow this.".into()));
            }
            Ok(Authenticated(
                Caller {
                    user_id: claims.sub,
                    roles,
                    restricted,
                },
                PhantomData,
            ))
        })
    }
}
