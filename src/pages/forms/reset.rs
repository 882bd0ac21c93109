//! The landing page of the emailed reset link: a new password for the token.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use secrecy::SecretString;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::flows::reset;
use crate::http::client_address;
use crate::i18n::ids;
use crate::pages::{lang_field, page, read_form, text::Ui};
use crate::state::AppState;

use super::{alert, input, policy, trouble, Input};

/// The new-password form of the reset link page.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ResetForm {
    token: String,
    new_password: String,
    confirm_password: String,
    /// The page's language (the form keeps the language of the page it came from).
    lang: Option<String>,
}

fn token_from_query(req: &HttpRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn dead_link_page(ui: &Ui<'_>, status: StatusCode) -> HttpResponse {
    let title = ui.t(ids::PAGE_LINK_DEAD_TITLE);
    let body = html! {
        h1 { (title) }
        p { (ui.t(ids::PAGE_LINK_DEAD_BODY)) }
        p { a href=(ui.link("/forgot-password")) { (ui.t(ids::PAGE_LINK_DEAD_ACTION)) } }
    };
    page(ui, status, &title, body)
}

fn reset_page(
    ui: &Ui<'_>,
    status: StatusCode,
    token: &str,
    new_errors: &[String],
    confirm_errors: &[String],
    problem: Option<&str>,
) -> HttpResponse {
    let title = ui.t(ids::PAGE_RESET_TITLE);
    let body = html! {
        h1 { (title) }
        (alert(problem))
        (policy(ui))
        form method="post" action="/reset-password" novalidate {
            input type="hidden" name="token" value=(token);
            (lang_field(ui))
            (input(Input { name: "new_password", label: ui.t(ids::PAGE_LABEL_NEW), kind: "password", autocomplete: "new-password", value: None }, new_errors))
            (input(Input { name: "confirm_password", label: ui.t(ids::PAGE_LABEL_CONFIRM), kind: "password", autocomplete: "new-password", value: None }, confirm_errors))
            button type="submit" { (ui.t(ids::PAGE_RESET_SUBMIT)) }
        }
    };
    page(ui, status, &title, body)
}

/// The language links of a posted reset form point back to its link (with the token).
fn link_page(token: &str) -> String {
    let query = serde_urlencoded::to_string([("token", token)]).unwrap_or_default();
    format!("/reset-password?{query}")
}

/// The landing page of the emailed reset link: a new-password form listing the policy, or
/// "this link no longer works". Opening it (GET, or HEAD as mail scanners do) never uses the
/// token; only the form post does.
#[utoipa::path(get, path = "/reset-password", tag = "hosted pages", operation_id = "resetPasswordPage", security(()),
    params(
        ("token" = Option<String>, Query, description = "The token from the emailed link"),
        ("lang" = Option<String>, Query, description = "The page's language"),
    ),
    responses(
        (status = 200, description = "The form, or \"this link no longer works\"", body = String, content_type = "text/html"),
        (status = 503, description = "The service is busy", body = String, content_type = "text/html"),
    ))]
pub async fn reset_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let ui = Ui::new(&state, &req, None);
    let Some(token) = token_from_query(&req) else {
        return dead_link_page(&ui, StatusCode::OK);
    };
    match reset::verify(&state, &token).await {
        Ok(_) => reset_page(&ui, StatusCode::OK, &token, &[], &[], None),
        Err(ApiError::ResetTokenInvalid) => dead_link_page(&ui, StatusCode::OK),
        Err(e) => {
            let (status, message) = trouble(&ui, &e);
            reset_page(&ui, status, &token, &[], &[], Some(&message))
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
    let ui = Ui::new(&state, &req, Some(get("lang")));
    if token.is_empty() {
        return dead_link_page(&ui.at("/reset-password".into()), StatusCode::BAD_REQUEST);
    }
    let ui = ui.at(link_page(token));
    if new.is_empty() {
        return reset_page(
            &ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            &[ui.t(ids::PAGE_ERROR_REQUIRED)],
            &[],
            None,
        );
    }
    if new != confirm {
        return reset_page(
            &ui,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            &[],
            &[ui.t(ids::PAGE_ERROR_MISMATCH)],
            None,
        );
    }
    let new = SecretString::from(new);
    match reset::confirm(&state, token, &new, client_address(&req, &state)).await {
        Ok(()) => {
            let title = ui.t(ids::PAGE_RESET_DONE_TITLE);
            let ui = ui.at("/reset-password".into());
            page(
                &ui,
                StatusCode::OK,
                &title,
                html! { h1 { (title) } p { (ui.t(ids::PAGE_RESET_DONE_BODY)) } },
            )
        }
        Err(ApiError::PasswordPolicy(errors)) => {
            let messages: Vec<String> = errors.iter().map(|e| ui.password_rule(e)).collect();
            reset_page(
                &ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                token,
                &messages,
                &[],
                None,
            )
        }
        Err(ApiError::ResetTokenInvalid) => dead_link_page(&ui, StatusCode::BAD_REQUEST),
        Err(e) => {
            let (status, message) = trouble(&ui, &e);
            reset_page(&ui, status, token, &[], &[], Some(&message))
        }
    }
}
