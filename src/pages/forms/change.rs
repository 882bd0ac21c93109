//! The change-password page: how a user given a temporary password sets their own.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::flows::change_password;
use crate::http::client_address;
use crate::pages::{page, read_form, text};
use crate::state::AppState;

use super::{alert, input, policy, product, sentence, trouble, Input};

/// The change-password form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ChangeForm {
    email: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
}

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
        client_address(&req, &state),
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
            let mut res = change_page(&state, status, Some(email), errors, Some(message));
            if let Some(secs) = e.retry_after() {
                res.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(secs),
                );
            }
            res
        }
    }
}
