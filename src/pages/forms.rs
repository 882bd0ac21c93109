//! The three forms. Each handler reads the form, calls the same flow as the API and renders
//! the outcome; every failure is the page again with a message, never JSON or a 500.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::flows::{change_password, reset};
use crate::routes::origin;
use crate::state::AppState;

use super::{page, read_form, text};

/// The forgot-password form (`application/x-www-form-urlencoded`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ForgotForm {
    email: String,
}

/// The new-password form of the reset link page.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ResetForm {
    token: String,
    new_password: String,
    confirm_password: String,
}

/// The change-password form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ChangeForm {
    email: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// Messages shown next to one field.
type FieldErrors<'a> = &'a [String];

struct Input<'a> {
    name: &'a str,
    label: &'a str,
    kind: &'a str,
    autocomplete: &'a str,
    value: Option<&'a str>,
}

fn input(i: Input<'_>, errors: FieldErrors<'_>) -> Markup {
    let error_id = format!("{}-errors", i.name);
    html! {
        div.field {
            label for=(i.name) { (i.label) }
            input id=(i.name) name=(i.name) type=(i.kind) autocomplete=(i.autocomplete) required
                value=[i.value] aria-invalid=[(!errors.is_empty()).then_some("true")]
                aria-describedby=[(!errors.is_empty()).then_some(error_id.as_str())];
            @if !errors.is_empty() {
                ul.errors id=(error_id) role="alert" { @for e in errors { li { (e) } } }
            }
        }
    }
}

fn alert(message: Option<&str>) -> Markup {
    html! { @if let Some(m) = message { p.alert role="alert" { (m) } } }
}

fn policy(state: &AppState) -> Markup {
    let p = &state.policy;
    html! {
        div.policy id="policy" {
            (text::POLICY_HEADING)
            ul { @for rule in text::policy_rules(p.min_length, p.max_length, p.history, p.min_strength > 0, !p.breach_sources.is_empty()) { li { (rule) } } }
        }
    }
}

fn product(state: &AppState) -> &str {
    &state.settings.mail.product_name
}

/// Service trouble, worded for a person, with the right status.
fn trouble(e: &ApiError) -> (StatusCode, &'static str) {
    match e {
        ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, text::ERROR_RATE_LIMITED),
        ApiError::AccountLocked { .. } => (StatusCode::TOO_MANY_REQUESTS, text::ERROR_LOCKED),
        ApiError::Overloaded | ApiError::Unavailable | ApiError::BreachServiceUnavailable => {
            (StatusCode::SERVICE_UNAVAILABLE, text::ERROR_BUSY)
        }
        other => {
            crate::error::report(other);
            (StatusCode::SERVICE_UNAVAILABLE, text::ERROR_UNEXPECTED)
        }
    }
}

// --- Forgot password ---

fn forgot_page(
    state: &AppState,
    status: StatusCode,
    email: Option<&str>,
    email_errors: &[String],
    problem: Option<&str>,
) -> HttpResponse {
    let body = html! {
        h1 { (text::FORGOT_TITLE) }
        p { (text::FORGOT_INTRO) }
        (alert(problem))
        form method="post" action="/forgot-password" novalidate {
            (input(Input { name: "email", label: text::LABEL_EMAIL, kind: "email", autocomplete: "email", value: email }, email_errors))
            button type="submit" { (text::FORGOT_SUBMIT) }
        }
        nav { a href="/change-password" { (text::CHANGE_LINK) } }
    };
    page(status, product(state), text::FORGOT_TITLE, body)
}

/// The forgot-password page (HTML form: email).
#[utoipa::path(get, path = "/forgot-password", tag = "hosted pages", operation_id = "forgotPasswordPage", security(()),
    responses((status = 200, description = "The form", body = String, content_type = "text/html")))]
pub async fn forgot_form(state: web::Data<AppState>) -> HttpResponse {
    forgot_page(&state, StatusCode::OK, None, &[], None)
}

/// Submit the forgot-password form: the same "check your inbox" page whatever the email (the
/// rules of `POST /v1/password-resets` apply).
#[utoipa::path(post, path = "/forgot-password", tag = "hosted pages", operation_id = "forgotPasswordSubmit", security(()),
    request_body(content = ForgotForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Check your inbox", body = String, content_type = "text/html"),
        (status = 403, description = "Posted from another site: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not `application/x-www-form-urlencoded`: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 422, description = "The form again, with a message", body = String, content_type = "text/html"),
        (status = 429, description = "Too many requests from this address", body = String, content_type = "text/html"),
        (status = 503, description = "The service is busy", body = String, content_type = "text/html"),
    ))]
pub async fn forgot_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let fields = match read_form(&req, payload, &state).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let email = fields.get("email").map(|e| e.trim()).unwrap_or("");
    if email.is_empty() {
        return forgot_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &[text::ERROR_REQUIRED.into()],
            None,
        );
    }
    match reset::request(&state, email, origin(&req, &state)).await {
        Ok(()) => page(
            StatusCode::OK,
            product(&state),
            text::FORGOT_SENT_TITLE,
            html! { h1 { (text::FORGOT_SENT_TITLE) } p { (text::FORGOT_SENT_BODY) } },
        ),
        Err(ApiError::Validation(_)) => forgot_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(email),
            &[text::ERROR_EMAIL.into()],
            None,
        ),
        Err(e) => {
            let (status, message) = trouble(&e);
            forgot_page(&state, status, Some(email), &[], Some(message))
        }
    }
}

// --- Reset link landing page ---

fn token_from_query(req: &HttpRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn dead_link_page(state: &AppState, status: StatusCode) -> HttpResponse {
    let body = html! {
        h1 { (text::LINK_DEAD_TITLE) }
        p { (text::LINK_DEAD_BODY) }
        p { a href="/forgot-password" { (text::LINK_DEAD_ACTION) } }
    };
    page(status, product(state), text::LINK_DEAD_TITLE, body)
}

fn reset_page(
    state: &AppState,
    status: StatusCode,
    token: &str,
    new_errors: &[String],
    confirm_errors: &[String],
    problem: Option<&str>,
) -> HttpResponse {
    let body = html! {
        h1 { (text::RESET_TITLE) }
        (alert(problem))
        (policy(state))
        form method="post" action="/reset-password" novalidate {
            input type="hidden" name="token" value=(token);
            (input(Input { name: "new_password", label: text::LABEL_NEW, kind: "password", autocomplete: "new-password", value: None }, new_errors))
            (input(Input { name: "confirm_password", label: text::LABEL_CONFIRM, kind: "password", autocomplete: "new-password", value: None }, confirm_errors))
            button type="submit" { (text::RESET_SUBMIT) }
        }
    };
    page(status, product(state), text::RESET_TITLE, body)
}

/// The landing page of the emailed reset link: a new-password form listing the policy, or
/// "this link no longer works". Opening it (GET, or HEAD as mail scanners do) never uses the
/// token; only the form post does.
#[utoipa::path(get, path = "/reset-password", tag = "hosted pages", operation_id = "resetPasswordPage", security(()),
    params(("token" = Option<String>, Query, description = "The token from the emailed link")),
    responses(
        (status = 200, description = "The form, or \"this link no longer works\"", body = String, content_type = "text/html"),
        (status = 503, description = "The service is busy", body = String, content_type = "text/html"),
    ))]
pub async fn reset_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(token) = token_from_query(&req) else {
        return dead_link_page(&state, StatusCode::OK);
    };
    match reset::verify(&state, &token).await {
        Ok(_) => reset_page(&state, StatusCode::OK, &token, &[], &[], None),
        Err(ApiError::ResetTokenInvalid) => dead_link_page(&state, StatusCode::OK),
        Err(e) => {
            let (status, message) = trouble(&e);
            reset_page(&state, status, &token, &[], &[], Some(message))
        }
    }
}

/// Submit the new password. A policy rejection shows every broken rule and keeps the token.
#[utoipa::path(post, path = "/reset-password", tag = "hosted pages", operation_id = "resetPasswordSubmit", security(()),
    request_body(content = ResetForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The password is set", body = String, content_type = "text/html"),
        (status = 400, description = "This link no longer works", body = String, content_type = "text/html"),
        (status = 403, description = "Posted from another site: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not `application/x-www-form-urlencoded`: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 422, description = "The form again, with every broken rule", body = String, content_type = "text/html"),
        (status = 503, description = "The service is busy", body = String, content_type = "text/html"),
    ))]
pub async fn reset_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let fields = match read_form(&req, payload, &state).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let (token, new, confirm) = (get("token"), get("new_password"), get("confirm_password"));
    if token.is_empty() {
        return dead_link_page(&state, StatusCode::BAD_REQUEST);
    }
    if new.is_empty() {
        return reset_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            &[text::ERROR_REQUIRED.into()],
            &[],
            None,
        );
    }
    if new != confirm {
        return reset_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            &[],
            &[text::ERROR_MISMATCH.into()],
            None,
        );
    }
    match reset::confirm(&state, token, new, origin(&req, &state)).await {
        Ok(()) => page(
            StatusCode::OK,
            product(&state),
            text::RESET_DONE_TITLE,
            html! { h1 { (text::RESET_DONE_TITLE) } p { (text::RESET_DONE_BODY) } },
        ),
        Err(ApiError::PasswordPolicy(errors)) => {
            let messages: Vec<String> = errors.into_iter().map(|e| sentence(&e.message)).collect();
            reset_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                token,
                &messages,
                &[],
                None,
            )
        }
        Err(ApiError::ResetTokenInvalid) => dead_link_page(&state, StatusCode::BAD_REQUEST),
        Err(e) => {
            let (status, message) = trouble(&e);
            reset_page(&state, status, token, &[], &[], Some(message))
        }
    }
}

// --- Change password (e.g. replace a temporary password) ---

struct ChangeErrors {
    email: Vec<String>,
    current: Vec<String>,
    new: Vec<String>,
    confirm: Vec<String>,
}

impl ChangeErrors {
    fn none() -> Self {
        Self {
            email: vec![],
            current: vec![],
            new: vec![],
            confirm: vec![],
        }
    }
}

fn change_page(
    state: &AppState,
    status: StatusCode,
    email: Option<&str>,
    errors: ChangeErrors,
    problem: Option<&str>,
) -> HttpResponse {
    let body = html! {
        h1 { (text::CHANGE_TITLE) }
        p { (text::CHANGE_INTRO) }
        (alert(problem))
        (policy(state))
        form method="post" action="/change-password" novalidate {
            (input(Input { name: "email", label: text::LABEL_EMAIL, kind: "email", autocomplete: "email", value: email }, &errors.email))
            (input(Input { name: "current_password", label: text::LABEL_CURRENT, kind: "password", autocomplete: "current-password", value: None }, &errors.current))
            (input(Input { name: "new_password", label: text::LABEL_NEW, kind: "password", autocomplete: "new-password", value: None }, &errors.new))
            (input(Input { name: "confirm_password", label: text::LABEL_CONFIRM, kind: "password", autocomplete: "new-password", value: None }, &errors.confirm))
            button type="submit" { (text::CHANGE_SUBMIT) }
        }
        nav { a href="/forgot-password" { (text::FORGOT_LINK) } }
    };
    page(status, product(state), text::CHANGE_TITLE, body)
}

/// The change-password page (email, current or temporary password, new password).
#[utoipa::path(get, path = "/change-password", tag = "hosted pages", operation_id = "changePasswordPage", security(()),
    responses((status = 200, description = "The form", body = String, content_type = "text/html")))]
pub async fn change_form(state: web::Data<AppState>) -> HttpResponse {
    change_page(&state, StatusCode::OK, None, ChangeErrors::none(), None)
}

/// Submit the change-password form; how a user given a temporary password sets their own.
#[utoipa::path(post, path = "/change-password", tag = "hosted pages", operation_id = "changePasswordSubmit", security(()),
    request_body(content = ChangeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The password is changed", body = String, content_type = "text/html"),
        (status = 400, description = "The email address or current password is not correct", body = String, content_type = "text/html"),
        (status = 403, description = "Posted from another site: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not `application/x-www-form-urlencoded`: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 422, description = "The form again, with messages", body = String, content_type = "text/html"),
        (status = 429, description = "The account is locked for a while", body = String, content_type = "text/html"),
        (status = 503, description = "The service is busy", body = String, content_type = "text/html"),
    ))]
pub async fn change_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let fields = match read_form(&req, payload, &state).await {
        Ok(fields) => fields,
        Err(refused) => return refused,
    };
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let (email, current, new, confirm) = (
        get("email").trim(),
        get("current_password"),
        get("new_password"),
        get("confirm_password"),
    );
    let mut errors = ChangeErrors::none();
    let required = || vec![text::ERROR_REQUIRED.to_owned()];
    if email.is_empty() {
        errors.email = required();
    }
    if current.is_empty() {
        errors.current = required();
    }
    if new.is_empty() {
        errors.new = required();
    } else if new != confirm {
        errors.confirm = vec![text::ERROR_MISMATCH.to_owned()];
    }
    if !(errors.email.is_empty()
        && errors.current.is_empty()
        && errors.new.is_empty()
        && errors.confirm.is_empty())
    {
        return change_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(email),
            errors,
            None,
        );
    }
    match change_password::change_password_with_email(
        &state,
        email,
        current,
        new,
        origin(&req, &state),
    )
    .await
    {
        Ok(()) => page(
            StatusCode::OK,
            product(&state),
            text::CHANGE_DONE_TITLE,
            html! { h1 { (text::CHANGE_DONE_TITLE) } p { (text::CHANGE_DONE_BODY) } },
        ),
        Err(ApiError::PasswordPolicy(list)) => {
            errors.new = list.into_iter().map(|e| sentence(&e.message)).collect();
            change_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(email),
                errors,
                None,
            )
        }
        Err(
            ApiError::InvalidCredentials
            | ApiError::CurrentPasswordIncorrect
            | ApiError::Validation(_),
        ) => change_page(
            &state,
            StatusCode::BAD_REQUEST,
            Some(email),
            errors,
            Some(text::ERROR_CREDENTIALS),
        ),
        Err(e) => {
            let (status, message) = trouble(&e);
            change_page(&state, status, Some(email), errors, Some(message))
        }
    }
}

/// Policy messages are written to follow the field name ("must be at least 15 characters");
/// on a page they stand alone under the field's label.
fn sentence(message: &str) -> String {
    let mut s = format!("The password {message}");
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}
