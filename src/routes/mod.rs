//! HTTP only: one file per resource. Each handler reads the request, calls one flow and
//! maps its result; the rules live in `flows/`.

pub mod admin_resets;
pub mod admin_users;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod health;
pub mod integral;
pub mod me;
pub mod password_resets;
pub mod policy;

use actix_web::web;
use validator::Validate;

use crate::error::{ApiError, FieldError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::jwks)
        .service(health::openapi_json)
        .service(auth::sign_in)
        .service(auth::refresh)
        .service(auth::logout)
        .service(me::get_me)
        .service(me::change_password)
        .service(password_resets::request_reset)
        .service(password_resets::verify_reset)
        .service(password_resets::confirm_reset)
        .service(policy::get_policy)
        .service(policy::check_password)
        .service(admin_users::list_users)
        .service(admin_users::create_user)
        .service(admin_users::get_user)
        .service(admin_users::update_user)
        .service(admin_resets::reset_user)
        .service(admin_resets::reset_many)
        .service(api_keys::create_key)
        .service(api_keys::list_keys)
        .service(api_keys::revoke_key)
        .service(audit::list_events);
}

/// Field rules declared on request types with `validator`, reported as `validation_failed`.
pub fn validated<T: Validate>(body: T) -> Result<T, ApiError> {
    body.validate().map_err(|errors| {
        let mut fields: Vec<FieldError> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, list)| {
                list.iter().map(move |e| {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| format!("breaks the rule `{}`", e.code));
                    FieldError::new(&field, &e.code, message)
                })
            })
            .collect();
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::Validation(fields)
    })?;
    Ok(body)
}
