//! The password policy, public so frontends need not copy its rules.

use actix_web::{get, post, web, HttpResponse};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::patterns::{DISPLAY_NAME_MAX_LEN, EMAIL_MAX_LEN};
use crate::error::{ApiError, FieldError, Problem};
use crate::flows::passwords;
use crate::password::{self, Policy, PolicyInput};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "violet kettle marches under seven bridges", "email": "ada@example.com", "display_name": "Ada Lovelace"}))]
pub struct PolicyCheckRequest {
    /// Longer than the policy maximum: only `too_long` is reported.
    #[schema(value_type = String)]
    pub password: SecretString,
    /// Checked for `contains_user_info`.
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// Checked for `contains_user_info`.
    #[schema(max_length = 200)]
    pub display_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"ok": false, "errors": [{"field": "password", "code": "too_short", "message": "must be at least 15 characters"}], "strength": 1}))]
pub struct PolicyCheckResult {
    pub ok: bool,
    pub errors: Vec<FieldError>,
    /// zxcvbn score, 0 (trivial) to 4 (strong).
    pub strength: u8,
}

/// The password rules in force.
#[utoipa::path(get, path = "/v1/password-policy", tag = "password policy", operation_id = "getPasswordPolicy", security(()),
    responses((status = 200, description = "The rules in force", body = Policy)))]
#[get("/v1/password-policy")]
pub async fn get_policy(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(&state.policy)
}

/// Check a candidate password against the policy (without history), breach sources included.
/// Hashes nothing, stores nothing.
#[utoipa::path(post, path = "/v1/password-policy/check", tag = "password policy", operation_id = "checkPassword", security(()),
    request_body = PolicyCheckRequest,
    responses(
        (status = 200, description = "The verdict, with every broken rule", body = PolicyCheckResult),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `email` or `display_name` over its maximum", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`unavailable`: the breach range service failed and `BREACH_RANGE_FAIL_OPEN` is false", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/password-policy/check")]
pub async fn check_password(
    state: web::Data<AppState>,
    body: web::Json<PolicyCheckRequest>,
) -> Result<HttpResponse, ApiError> {
    // The user details are free text here, not accounts: only their size is bounded, before
    // any rule looks at them (a long name of many words would make many search terms).
    let mut errors = Vec::new();
    if body.email.as_ref().is_some_and(|e| e.len() > EMAIL_MAX_LEN) {
        errors.push(
            FieldError::new(
                "email",
                "too_long",
                format!("must be at most {EMAIL_MAX_LEN} characters"),
            )
            .with_arg("max", EMAIL_MAX_LEN),
        );
    }
    if body
        .display_name
        .as_ref()
        .is_some_and(|d| d.chars().take(DISPLAY_NAME_MAX_LEN + 1).count() > DISPLAY_NAME_MAX_LEN)
    {
        errors.push(
            FieldError::new(
                "display_name",
                "too_long",
                format!("must be at most {DISPLAY_NAME_MAX_LEN} characters"),
            )
            .with_arg("max", DISPLAY_NAME_MAX_LEN),
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let given = body.password.expose_secret();
    let normalized = if state.policy.is_too_long(given) {
        None
    } else {
        Some(password::normalize(given))
    };
    let candidate = normalized.as_ref().map_or(given, |p| p.expose_secret());
    let mut report = state.policy.check(
        "password",
        PolicyInput {
            password: candidate,
            email: body.email.as_deref(),
            display_name: body.display_name.as_deref(),
        },
    );
    if normalized.is_some() {
        report
            .errors
            .extend(passwords::breached_error(&state, "password", candidate).await?);
    }
    Ok(HttpResponse::Ok().json(PolicyCheckResult {
        ok: report.errors.is_empty(),
        // In the request's language, as a `password_policy` problem's are.
        errors: crate::error::in_request_language(report.errors),
        strength: report.strength,
    }))
}
