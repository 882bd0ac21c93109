//! The `Authenticated<R>` extractor: reads the bearer credential and lets `auth` decide.
//! The bearer value tells the two kinds apart: API keys start with `pgk_`, anything else is
//! read as an access token.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::auth::caller::{authorize, Requirement};
use crate::auth::jwt::PASSWORD_CHANGE_SCOPE;
use crate::auth::{api_key, Authenticated, Caller, CallerKind};
use crate::db;
use crate::domain::{RoleSet, UserId};
use crate::error::ApiError;
use crate::state::AppState;

use super::client_ip;

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
        let client_ip = state
            .as_ref()
            .and_then(|s| client_ip(req, &s.trusted_proxies))
            .map(|ip| ip.to_string());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no app state")))?;
            let token = token.ok_or(ApiError::InvalidToken)?;
            if token.starts_with(api_key::PREFIX) {
                let Some(key) = api_key::authenticate(&state.db, &state.clock, &token).await?
                else {
                    // Only failures count toward the address's limit: a valid key is always
                    // accepted, even from an address over it (see `api_key::authenticate`).
                    if let Some(ip) = client_ip.as_deref() {
                        state
                            .api_key_limiter
                            .hit(&state.db, ip, state.clock.now())
                            .await?;
                    }
                    return Err(ApiError::InvalidToken);
                };
                if !R::ALLOWS_API_KEY {
                    return Err(ApiError::Forbidden(
                        crate::i18n::ids::PROBLEM_DETAIL_API_KEY_NOT_A_PERSON.into(),
                    ));
                }
                return authorize::<R>(Caller {
                    id: key.id,
                    roles: key.roles,
                    restricted: false,
                    kind: CallerKind::ApiKey,
                    security_version: None,
                });
            }
            let claims = state.jwt.verify(&token)?;
            // A `sub` that is no user id names no user: the same answer as an unknown one.
            let user_id = UserId::parse(&claims.sub).ok_or(ApiError::InvalidToken)?;
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
            let roles = RoleSet::parse(&claims.roles).map_err(|_| ApiError::InvalidToken)?;
            authorize::<R>(Caller {
                id: claims.sub,
                roles,
                restricted,
                kind: CallerKind::User(user_id),
                security_version: Some(claims.sv),
            })
        })
    }
}
