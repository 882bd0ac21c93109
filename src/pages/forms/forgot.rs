//! The forgot-password page: an email address, then "check your inbox".

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use utoipa::ToSchema;

use crate::domain::Parsed;
use crate::error::ApiError;
use crate::flows::reset;
use crate::http::client_address;
use crate::i18n::ids;
use crate::pages::{lang_field, page, read_form, text::Ui};
use crate::state::AppState;

use super::{alert, input, trouble, Input};

/// The forgot-password form (`application/x-www-form-urlencoded`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ForgotForm {
    email: String,
    /// The page's language (the form keeps the language of the page it came from).
    lang: Option<String>,
}

fn forgot_page(
    ui: &Ui<'_>,
    status: StatusCode,
    email: Option<&str>,
    email_errors: &[String],
    problem: Option<&str>,
) -> HttpResponse {
    let title = ui.t(ids::PAGE_FORGOT_TITLE);
    let body = html! {
        h1 { (title) }
        p { (ui.t(ids::PAGE_FORGOT_INTRO)) }
        (alert(problem))
        form method="post" action="/forgot-password" novalidate {
            (lang_field(ui))
            (input(Input { name: "email", label: ui.t(ids::PAGE_LABEL_EMAIL), kind: "email", autocomplete: "email", value: email }, email_errors))
            button type="submit" { (ui.t(ids::PAGE_FORGOT_SUBMIT)) }
        }
        nav { a href=(ui.link("/change-password")) { (ui.t(ids::PAGE_CHANGE_LINK)) } }
    };
    page(ui, status, &title, body)
}

/// The forgot-password page (HTML form: email).
#[utoipa::path(get, path = "/forgot-password", tag = "hosted pages", operation_id = "forgotPasswordPage", security(()),
    params(("lang" = Option<String>, Query, description = "The page's language")),
    responses((status = 200, description = "The form", body = String, content_type = "text/html")))]
pub async fn forgot_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    forgot_page(
        &Ui::new(&state, &req, None),
        StatusCode::OK,
        None,
        &[],
        None,
    )
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
    let ui = Ui::new(&state, &req, fields.get("lang").map(String::as_str));
    let ui = ui.at("/forgot-password".into());
    let email = fields.get("email").map(|e| e.trim()).unwrap_or("");
    if email.is_empty() {
        return forgot_page(
            &ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &[ui.t(ids::PAGE_ERROR_REQUIRED)],
            None,
        );
    }
    let parsed = Parsed::from_raw(email.to_owned());
    match reset::request(&state, parsed, client_address(&req, &state)).await {
        Ok(()) => {
            let title = ui.t(ids::PAGE_FORGOT_SENT_TITLE);
            page(
                &ui,
                StatusCode::OK,
                &title,
                html! { h1 { (title) } p { (ui.t(ids::PAGE_FORGOT_SENT_BODY)) } },
            )
        }
        Err(ApiError::Validation(_)) => forgot_page(
            &ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(email),
            &[ui.t(ids::PAGE_ERROR_EMAIL)],
            None,
        ),
        Err(e) => {
            let (status, message) = trouble(&ui, &e);
            forgot_page(&ui, status, Some(email), &[], Some(&message))
        }
    }
}
