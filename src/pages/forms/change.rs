//! The change-password page: how a user given a temporary password sets their own.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::flows::change_password;
use crate::http::client_address;
use crate::i18n::ids;
use crate::pages::{lang_field, page, read_form, text::Ui};
use crate::state::AppState;

use super::{alert, input, policy, trouble, Input};

/// The change-password form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ChangeForm {
    email: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
    /// The page's language (the form keeps the language of the page it came from).
    lang: Option<String>,
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
    ui: &Ui<'_>,
    status: StatusCode,
    email: Option<&str>,
    errors: ChangeErrors,
    problem: Option<&str>,
) -> HttpResponse {
    let title = ui.t(ids::PAGE_CHANGE_TITLE);
    let body = html! {
        h1 { (title) }
        p { (ui.t(ids::PAGE_CHANGE_INTRO)) }
        (alert(problem))
        (policy(ui))
        form method="post" action="/change-password" novalidate {
            (lang_field(ui))
            (input(Input { name: "email", label: ui.t(ids::PAGE_LABEL_EMAIL), kind: "email", autocomplete: "email", value: email }, &errors.email))
            (input(Input { name: "current_password", label: ui.t(ids::PAGE_LABEL_CURRENT), kind: "password", autocomplete: "current-password", value: None }, &errors.current))
            (input(Input { name: "new_password", label: ui.t(ids::PAGE_LABEL_NEW), kind: "password", autocomplete: "new-password", value: None }, &errors.new))
            (input(Input { name: "confirm_password", label: ui.t(ids::PAGE_LABEL_CONFIRM), kind: "password", autocomplete: "new-password", value: None }, &errors.confirm))
            button type="submit" { (ui.t(ids::PAGE_CHANGE_SUBMIT)) }
        }
        nav { a href=(ui.link("/forgot-password")) { (ui.t(ids::PAGE_FORGOT_LINK)) } }
    };
    page(ui, status, &title, body)
}

/// The change-password page (email, current or temporary password, new password).
#[utoipa::path(get, path = "/change-password", tag = "hosted pages", operation_id = "changePasswordPage", security(()),
    params(("lang" = Option<String>, Query, description = "The page's language")),
    responses((status = 200, description = "The form", body = String, content_type = "text/html")))]
pub async fn change_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let ui = Ui::new(&state, &req, None);
    change_page(&ui, StatusCode::OK, None, ChangeErrors::none(), None)
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
    let ui = Ui::new(&state, &req, Some(get("lang"))).at("/change-password".into());
    let mut errors = ChangeErrors::none();
    let required = || vec![ui.t(ids::PAGE_ERROR_REQUIRED)];
    if email.is_empty() {
        errors.email = required();
    }
    if current.is_empty() {
        errors.current = required();
    }
    if new.is_empty() {
        errors.new = required();
    } else if new != confirm {
        errors.confirm = vec![ui.t(ids::PAGE_ERROR_MISMATCH)];
    }
    if !(errors.email.is_empty()
        && errors.current.is_empty()
        && errors.new.is_empty()
        && errors.confirm.is_empty())
    {
        return change_page(
            &ui,
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
        Ok(()) => {
            let title = ui.t(ids::PAGE_CHANGE_DONE_TITLE);
            page(
                &ui,
                StatusCode::OK,
                &title,
                html! { h1 { (title) } p { (ui.t(ids::PAGE_CHANGE_DONE_BODY)) } },
            )
        }
        Err(ApiError::PasswordPolicy(list)) => {
            errors.new = list.iter().map(|e| ui.password_rule(e)).collect();
            change_page(
                &ui,
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
            &ui,
            StatusCode::BAD_REQUEST,
            Some(email),
            errors,
            Some(&ui.t(ids::PAGE_ERROR_CREDENTIALS)),
        ),
        Err(e) => {
            let (status, message) = trouble(&ui, &e);
            let mut res = change_page(&ui, status, Some(email), errors, Some(&message));
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
