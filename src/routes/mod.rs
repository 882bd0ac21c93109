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
pub mod user_imports;
pub mod webhooks;

use actix_web::web;
use validator::Validate;

use crate::error::{ApiError, FieldError};
use crate::i18n::ids;

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
        .service(user_imports::import_users)
        .service(user_imports::export_users)
        .service(admin_resets::reset_user)
        .service(admin_resets::reset_many)
        .service(admin_resets::unlock_user)
        .service(api_keys::create_key)
        .service(api_keys::list_keys)
        .service(api_keys::revoke_key)
        .service(audit::list_events)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::rotate_secret)
        .service(webhooks::test_webhook)
        .service(webhooks::list_deliveries);
}

/// For a PATCH field that may be cleared: absent stays `None` (with `#[serde(default)]`),
/// `null` is `Some(None)`, a value `Some(Some(v))`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// A password that must be given (`validator` cannot read through `SecretString`, and would
/// copy the value into its error): the answer `length(min = 1)` gave.
pub fn required_password(field: &str, value: &secrecy::SecretString) -> Result<(), ApiError> {
    use secrecy::ExposeSecret;
    if value.expose_secret().is_empty() {
        Err(ApiError::Validation(vec![FieldError::worded(
            field,
            "length",
            ids::FIELD_TEXT_NOT_EMPTY,
        )]))
    } else {
        Ok(())
    }
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
                    // `length(min, max)` is worded by `field-length` with its bounds.
                    let bound = |name| e.params.get(name).and_then(serde_json::Value::as_i64);
                    let error = FieldError::new(&field, &e.code, message);
                    match (bound("min"), bound("max")) {
                        (Some(min), Some(max)) => error.with_arg("min", min).with_arg("max", max),
                        _ => error,
                    }
                })
            })
            .collect();
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::Validation(fields)
    })?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use crate::domain::Parsed;
    use crate::flows::admin_reset::{ResetMode, ResetOptions};
    use crate::flows::users::NewAccount;

    const SECRET: &str = "violet kettle marches under seven bridges";

    fn read<T: DeserializeOwned + std::fmt::Debug>(body: serde_json::Value) -> String {
        let value: T = serde_json::from_value(body).expect("a valid request body");
        format!("{value:?} {value:#?}")
    }

    #[test]
    fn no_request_holding_a_password_prints_it() {
        let printed = [
            read::<super::auth::SignInRequest>(
                json!({"email": "a@example.com", "password": SECRET}),
            ),
            read::<super::me::ChangePasswordRequest>(
                json!({"current_password": SECRET, "new_password": SECRET}),
            ),
            read::<super::password_resets::ResetConfirmRequest>(
                json!({"token": "t", "new_password": SECRET}),
            ),
            read::<super::admin_users::CreateUserRequest>(
                json!({"email": "a@example.com", "password": SECRET}),
            ),
            read::<super::admin_resets::ResetUserRequest>(
                json!({"mode": "set", "password": SECRET}),
            ),
            read::<super::admin_resets::BulkResetRequest>(
                json!({"user_ids": ["x"], "mode": "set", "password": SECRET}),
            ),
            read::<super::policy::PolicyCheckRequest>(json!({"password": SECRET})),
            format!(
                "{:?}",
                NewAccount {
                    email: Parsed::from_raw("a@example.com".into()),
                    display_name: None,
                    roles: None,
                    password: Some(SECRET.into()),
                    require_change_on_next_sign_in: None,
                    locale: None,
                }
            ),
            format!(
                "{:?}",
                ResetOptions {
                    mode: ResetMode::Set,
                    password: Some(SECRET.into()),
                    require_change: true,
                    notify_user: true,
                }
            ),
        ];
        for text in printed {
            assert!(!text.contains(SECRET), "{text}");
            assert!(!text.contains("violet"), "{text}");
        }
    }
}
