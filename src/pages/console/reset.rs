//! The reset form for the selected users (`GET /admin/reset`) and its post
//! (`POST /admin/reset`), which runs `flows::admin_reset::reset_many` with the signed-in
//! admin as the caller: the same rules, re-checks inside each write, and audit as the API.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use secrecy::SecretString;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::flows::admin_reset::{self, ResetMode, ResetOptions, Target};
use crate::flows::users::{self, User};
use crate::http::client_address;
use crate::i18n::ids;
use crate::pages::text::Ui;
use crate::state::AppState;

use super::users::{list, ListParams};
use super::view::{self, hidden, notice};
use super::{console_page, read_console_form, results, ConsoleSession};

/// The reset form as posted.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ConsoleResetForm {
    /// This session's CSRF token.
    csrf: String,
    /// The page's language.
    lang: Option<String>,
    /// Once per selected user (at most `PASSGATE__ADMIN__MAX_BULK`).
    user_id: Vec<String>,
    /// `generate` (default), `set` or `link`.
    mode: String,
    /// Mode `set` only; ignored in the other modes.
    password: Option<String>,
    /// `on` requires a change at the next sign-in; absent: not.
    require_change: Option<String>,
    /// `on` emails the user a notice (never the password); absent: no notice.
    notify: Option<String>,
    /// `page` (default) or `csv`.
    output: Option<String>,
}

/// What the form shows as chosen.
struct Choices {
    mode: &'static str,
    require_change: bool,
    notify: bool,
    csv: bool,
}

impl Choices {
    fn defaults() -> Self {
        Self {
            mode: "generate",
            require_change: true,
            notify: true,
            csv: false,
        }
    }
}

/// The selection, read in one query: who will be reset, and who not (with why).
struct Selection {
    users: Vec<User>,
    skipped: Vec<(String, String)>,
}

async fn select(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    ids: &[&str],
) -> Result<Selection, ApiError> {
    let max = ui.state.settings.admin.max_bulk;
    let found = users::find_many(ui.state, ids, max).await?;
    let mut seen = HashSet::new();
    let mut selection = Selection {
        users: vec![],
        skipped: vec![],
    };
    for id in ids.iter().filter(|id| seen.insert(**id)) {
        match found.iter().find(|u| u.id == *id) {
            Some(user) => match view::reset_refusal(ui, &session.caller, user) {
                None => selection.users.push(user.clone()),
                Some(why) => selection.skipped.push((user.email.clone(), why)),
            },
            None => selection
                .skipped
                .push(((*id).to_owned(), ui.t(ids::CONSOLE_RESET_UNKNOWN))),
        }
    }
    Ok(selection)
}

/// Too few or too many users selected: the list again, with a message.
async fn refuse_count(ui: &Ui<'_>, session: &ConsoleSession, count: usize) -> Option<HttpResponse> {
    let max = ui.state.settings.admin.max_bulk;
    let message = if count == 0 {
        ui.t(ids::CONSOLE_USERS_NONE_SELECTED)
    } else if count > max {
        ui.t_with(ids::CONSOLE_USERS_TOO_MANY, &[("max", max.into())])
    } else {
        return None;
    };
    Some(list(ui, session, ListParams::default(), Some(message)).await)
}

/// The reset form for the selected users.
#[utoipa::path(get, path = "/admin/reset", tag = "admin console", operation_id = "consoleResetForm", security(("console_session" = [])),
    params(
        ("user_id" = Vec<String>, Query, description = "Once per selected user (at most `PASSGATE__ADMIN__MAX_BULK`)"),
        ("lang" = Option<String>, Query, description = "The page's language"),
    ),
    responses(
        (status = 200, description = "The form: the users to reset (and those that will not be, with why), the mode, the required change, the notice and the output", body = String, content_type = "text/html"),
        (status = 303, description = "No console session: to `/admin`"),
        (status = 422, description = "No user or more than `PASSGATE__ADMIN__MAX_BULK` selected: the list again with a message", body = String, content_type = "text/html"),
    ))]
pub async fn reset_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: ConsoleSession,
) -> HttpResponse {
    let ui = Ui::new(&state, &req, None);
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let ids: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "user_id")
        .map(|(_, v)| v.as_str())
        .collect();
    if let Some(refused) = refuse_count(&ui, &session, ids.len()).await {
        return refused;
    }
    match select(&ui, &session, &ids).await {
        Ok(selection) => form_page(
            &ui,
            &session,
            StatusCode::OK,
            &selection,
            &Choices::defaults(),
            &[],
        ),
        Err(e) => view::trouble(&ui, &session, &e),
    }
}

/// Run the reset for the selected users; the results once, as a page or a CSV download.
#[utoipa::path(post, path = "/admin/reset", tag = "admin console", operation_id = "consoleResetSubmit", security(("console_session" = [])),
    request_body(content = ConsoleResetForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The results, shown once (`no-store`): each user's temporary password or why it failed; with `output=csv` a `text/csv` attachment `password-resets-YYYYMMDD-HHMMSS.csv` with the columns `email,user_id,status,temporary_password,error` (cells a spreadsheet would read as a formula start with `'`)", body = String, content_type = "text/html"),
        (status = 303, description = "No console session: to `/admin`, nothing done"),
        (status = 403, description = "Posted from another site, or without this session's CSRF token: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 413, description = "The form is too large", body = String, content_type = "text/html"),
        (status = 415, description = "Not `application/x-www-form-urlencoded`: a page saying so, nothing done", body = String, content_type = "text/html"),
        (status = 422, description = "The typed password breaks the policy (each broken rule listed), or no/too many users: the form or the list again, nothing done", body = String, content_type = "text/html"),
        (status = 503, description = "The service is busy", body = String, content_type = "text/html"),
    ))]
pub async fn reset_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    session: ConsoleSession,
) -> HttpResponse {
    let form = match read_console_form(&req, payload, &state, &session).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let ids = form.all("user_id");
    let here = format!(
        "/admin/reset?{}",
        serde_urlencoded::to_string(ids.iter().map(|id| ("user_id", *id)).collect::<Vec<_>>())
            .unwrap_or_default()
    );
    let ui = Ui::new(&state, &req, form.get("lang")).at(here);
    if let Some(refused) = refuse_count(&ui, &session, ids.len()).await {
        return refused;
    }
    let mode = match form.get("mode").unwrap_or("generate") {
        "generate" => Some(ResetMode::Generate),
        "set" => Some(ResetMode::Set),
        "link" => Some(ResetMode::Link),
        _ => None,
    };
    let Some(mode) = mode else {
        let errors = [ui.t(ids::CONSOLE_RESET_MODE_INVALID)];
        return again(&ui, &session, &ids, &Choices::defaults(), &errors).await;
    };
    let choices = Choices {
        mode: match mode {
            ResetMode::Generate => "generate",
            ResetMode::Set => "set",
            ResetMode::Link => "link",
        },
        require_change: form.get("require_change") == Some("on"),
        notify: form.get("notify") == Some("on"),
        csv: form.get("output") == Some("csv"),
    };
    // The browser sends the password field in every mode; only `set` takes it.
    let password = form
        .get("password")
        .filter(|p| !p.is_empty() && mode == ResetMode::Set)
        .map(|p| SecretString::from(p.to_owned()));
    let options = ResetOptions {
        mode,
        password,
        require_change: choices.require_change,
        notify_user: choices.notify,
    };
    let targets = ids.iter().map(|id| Target::Id((*id).to_owned())).collect();
    let origin = client_address(&req, &state);
    // Item errors are worded as the flow's problems are, here in the page's language.
    let outcome = crate::error::speaking(
        state.i18n.clone(),
        ui.lang,
        admin_reset::reset_many(&state, &session.caller, targets, options, origin),
    )
    .await;
    let errors: Vec<String> = match outcome {
        Ok(done) => {
            let emails = users::find_many(&state, &ids, state.settings.admin.max_bulk)
                .await
                .unwrap_or_default();
            let ui = ui.at("/admin/users".into());
            return if choices.csv {
                results::csv(&ui, &done, &emails)
            } else {
                results::page(&ui, &session, &done, &emails)
            };
        }
        Err(ApiError::PasswordPolicy(broken)) => {
            broken.iter().map(|e| ui.password_rule(e)).collect()
        }
        Err(ApiError::Validation(_)) => vec![ui.t(ids::CONSOLE_RESET_PASSWORD_REQUIRED)],
        Err(ApiError::BatchTooLarge { .. }) => {
            return refuse_count(&ui, &session, usize::MAX)
                .await
                .unwrap_or_else(|| view::trouble(&ui, &session, &ApiError::Unavailable));
        }
        // The admin lost their authority while the request ran: their session is over.
        Err(ApiError::InvalidToken) => return view::see_other("/admin".into()),
        Err(e) => return view::trouble(&ui, &session, &e),
    };
    again(&ui, &session, &ids, &choices, &errors).await
}

/// The form again (422), nothing done, with what was wrong under the password field.
async fn again(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    ids: &[&str],
    choices: &Choices,
    errors: &[String],
) -> HttpResponse {
    match select(ui, session, ids).await {
        Ok(selection) => form_page(
            ui,
            session,
            StatusCode::UNPROCESSABLE_ENTITY,
            &selection,
            choices,
            errors,
        ),
        Err(e) => view::trouble(ui, session, &e),
    }
}

fn form_page(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    status: StatusCode,
    selection: &Selection,
    choices: &Choices,
    password_errors: &[String],
) -> HttpResponse {
    let title = ui.t(ids::CONSOLE_RESET_TITLE);
    let modes = [
        ("generate", ids::CONSOLE_RESET_MODE_GENERATE),
        ("set", ids::CONSOLE_RESET_MODE_SET),
        ("link", ids::CONSOLE_RESET_MODE_LINK),
    ];
    let outputs = [
        ("page", ids::CONSOLE_RESET_OUTPUT_PAGE, !choices.csv),
        ("csv", ids::CONSOLE_RESET_OUTPUT_CSV, choices.csv),
    ];
    let invalid = !password_errors.is_empty();
    let body = html! {
        h1 { (title) }
        @if invalid { (notice(Some(&ui.t(ids::CONSOLE_RESET_NOT_DONE)), false)) }
        h2 { (ui.t(ids::CONSOLE_RESET_SELECTED)) " (" (selection.users.len()) ")" }
        ul.selected id="selected" {
            @for user in &selection.users {
                li data-user-id=(user.id) { (user.email) @if let Some(name) = &user.display_name { " · " (name) } }
            }
        }
        @if !selection.skipped.is_empty() {
            h2 { (ui.t(ids::CONSOLE_RESET_SKIPPED)) }
            ul.skipped id="skipped" {
                @for (who, why) in &selection.skipped { li { (who) ": " span.reason { (why) } } }
            }
        }
        @if selection.users.is_empty() {
            p.alert role="alert" { (ui.t(ids::CONSOLE_RESET_NOTHING)) }
        } @else {
            form method="post" action="/admin/reset" {
                (hidden("csrf", &session.csrf))
                (hidden("lang", ui.tag()))
                @for user in &selection.users { (hidden("user_id", &user.id)) }
                fieldset {
                    legend { (ui.t(ids::CONSOLE_RESET_MODE_LEGEND)) }
                    @for (value, label) in modes {
                        @let id = format!("mode-{value}");
                        div.choice {
                            input type="radio" name="mode" id=(id) value=(value) checked[choices.mode == value];
                            label for=(id) { (ui.t(label)) }
                        }
                    }
                    div.field {
                        label for="password" { (ui.t(ids::CONSOLE_RESET_PASSWORD_LABEL)) }
                        input id="password" name="password" type="password" autocomplete="new-password"
                            aria-invalid=[invalid.then_some("true")]
                            aria-describedby=[invalid.then_some("password-errors")];
                        @if invalid {
                            ul.errors id="password-errors" role="alert" { @for e in password_errors { li { (e) } } }
                        }
                    }
                }
                div.choice {
                    input type="checkbox" name="require_change" id="require_change" value="on" checked[choices.require_change];
                    label for="require_change" { (ui.t(ids::CONSOLE_RESET_REQUIRE_CHANGE)) }
                }
                div.choice {
                    input type="checkbox" name="notify" id="notify" value="on" checked[choices.notify];
                    label for="notify" { (ui.t(ids::CONSOLE_RESET_NOTIFY)) }
                }
                fieldset {
                    legend { (ui.t(ids::CONSOLE_RESET_OUTPUT_LEGEND)) }
                    @for (value, label, checked) in outputs {
                        @let id = format!("output-{value}");
                        div.choice {
                            input type="radio" name="output" id=(id) value=(value) checked[checked];
                            label for=(id) { (ui.t(label)) }
                        }
                    }
                }
                button type="submit" id="reset-submit" { (ui.t(ids::CONSOLE_RESET_SUBMIT)) }
            }
        }
        p { a href=(ui.link("/admin/users")) { (ui.t(ids::CONSOLE_RESET_BACK)) } }
    };
    console_page(ui, session, status, &title, body)
}
