//! One user (`GET /admin/users/{id}`): who they are, their state and lockout, "Unlock",
//! "Disable"/"Enable", "Reset password", and their recent audit events. The actions post
//! to the flows the admin API uses (`flows::unlock`, `flows::users::update`), with the same
//! rules and the same re-checks inside the write.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use maud::{html, Markup};

use crate::auth::{caller::authorize, Admin, Caller};
use crate::error::ApiError;
use crate::flows::audit_log::{self, AuditEvent, AuditQuery};
use crate::flows::lockout::AccountLockout;
use crate::flows::unlock;
use crate::flows::users::{self, ProfileUpdate, User};
use crate::http::client_address;
use crate::i18n::{ids, Id};
use crate::pages::text::Ui;
use crate::state::AppState;

use super::view::{self, hidden, notice, scrolling};
use super::{console_page, read_console_form, ConsoleSession};

/// Audit events shown.
const RECENT_EVENTS: i64 = 20;

/// One user's page.
#[utoipa::path(get, path = "/admin/users/{id}", tag = "admin console", operation_id = "consoleUserPage", security(("console_session" = [])),
    params(
        ("id" = String, Path, description = "User id (UUID)"),
        ("done" = Option<String>, Query, description = "`unlocked`, `disabled` or `enabled`: the notice after an action"),
        ("lang" = Option<String>, Query, description = "The page's language"),
    ),
    responses(
        (status = 200, description = "The user: name, email, roles, state, last sign-in, last password change, lockout (with \"Unlock\"), \"Disable\"/\"Enable\" (admins), \"Reset password\", and the 20 most recent audit events about them", body = String, content_type = "text/html"),
        (status = 303, description = "No console session: to `/admin`"),
        (status = 404, description = "No such user", body = String, content_type = "text/html"),
    ))]
pub async fn user_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: ConsoleSession,
    id: web::Path<String>,
) -> HttpResponse {
    let ui = Ui::new(&state, &req, None);
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let done = pairs
        .iter()
        .find(|(k, _)| k == "done")
        .and_then(|(_, v)| match v.as_str() {
            "unlocked" => Some(ids::CONSOLE_DONE_UNLOCKED),
            "disabled" => Some(ids::CONSOLE_DONE_DISABLED),
            "enabled" => Some(ids::CONSOLE_DONE_ENABLED),
            _ => None,
        });
    // The language links keep the page, not the notice of an action done before.
    let ui = ui.at(format!("/admin/users/{id}"));
    show(
        &ui,
        &session,
        &id,
        StatusCode::OK,
        done.map(|d| (ui.t(d), true)),
    )
    .await
}

/// The page, with a notice (done, or refused and why).
async fn show(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    id: &str,
    status: StatusCode,
    message: Option<(String, bool)>,
) -> HttpResponse {
    let read = async {
        let user = users::get(ui.state, id).await?;
        let lockout = unlock::lockout_of(ui.state, id).await?;
        let events = audit_log::list(
            ui.state,
            AuditQuery {
                user_id: Some(user.id.clone()),
                actor_id: None,
                action: None,
                since: None,
                until: None,
                limit: Some(RECENT_EVENTS),
                cursor: None,
            },
        )
        .await?
        .items;
        // The actors' addresses in one query, however many events there are.
        let actor_ids: Vec<&str> = events
            .iter()
            .filter_map(|e| e.actor_id.as_deref())
            .collect();
        let actors = users::find_many(ui.state, &actor_ids, actor_ids.len()).await?;
        Ok::<_, ApiError>((user, lockout, events, actors))
    };
    match read.await {
        Ok((user, lockout, events, actors)) => {
            let body = render(ui, session, &user, &lockout, &events, &actors, message);
            let title = user
                .display_name
                .clone()
                .unwrap_or_else(|| user.email.clone());
            console_page(ui, session, status, &title, body)
        }
        Err(ApiError::NotFound) => {
            let message = ui.t(ids::CONSOLE_USER_NOT_FOUND);
            view::message_page(
                ui,
                session,
                StatusCode::NOT_FOUND,
                ids::CONSOLE_USERS_TITLE,
                &message,
            )
        }
        Err(e) => view::trouble(ui, session, &e),
    }
}

fn render(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    user: &User,
    lockout: &AccountLockout,
    events: &[AuditEvent],
    actors: &[User],
    message: Option<(String, bool)>,
) -> Markup {
    let is_admin = authorize::<Admin>(session.caller.clone()).is_ok();
    let action = |name: &str| format!("/admin/users/{}/{name}", user.id);
    let fact = |label: Id, value: String| html! { dt { (ui.t(label)) } dd { (value) } };
    html! {
        h1 { (user.display_name.as_deref().unwrap_or(&user.email)) }
        (notice(message.as_ref().map(|(m, _)| m.as_str()), message.as_ref().is_some_and(|(_, ok)| *ok)))
        dl.facts {
            (fact(ids::CONSOLE_COL_NAME, user.display_name.clone().unwrap_or_else(|| "—".into())))
            (fact(ids::CONSOLE_COL_EMAIL, user.email.clone()))
            (fact(ids::CONSOLE_COL_ROLES, view::roles(ui, user)))
            (fact(ids::CONSOLE_COL_STATE, view::state(ui, user)))
            (fact(ids::CONSOLE_USER_LAST_SIGN_IN, view::date_or_never(ui, user.last_sign_in_at)))
            (fact(ids::CONSOLE_USER_LAST_CHANGE, view::date_or_never(ui, user.password_changed_at)))
            dt { (ui.t(ids::CONSOLE_USER_LOCKOUT)) }
            dd id="lockout" { (lockout_text(ui, lockout)) }
        }
        h2 { (ui.t(ids::CONSOLE_USER_ACTIONS)) }
        div.actions {
            @if lockout.is_locked() {
                form method="post" action=(action("unlock")) {
                    (hidden("csrf", &session.csrf)) (hidden("lang", ui.tag()))
                    button type="submit" id="unlock" { (ui.t(ids::CONSOLE_USER_UNLOCK)) }
                }
            }
            @if is_admin {
                @if user.disabled {
                    form method="post" action=(action("enable")) {
                        (hidden("csrf", &session.csrf)) (hidden("lang", ui.tag()))
                        button type="submit" id="enable" { (ui.t(ids::CONSOLE_USER_ENABLE)) }
                    }
                } @else {
                    form method="post" action=(action("disable")) {
                        (hidden("csrf", &session.csrf)) (hidden("lang", ui.tag()))
                        button type="submit" id="disable" { (ui.t(ids::CONSOLE_USER_DISABLE)) }
                    }
                }
            }
            a.button id="reset-one" href=(format!("/admin/reset?user_id={}&lang={}", user.id, ui.tag())) {
                (ui.t(ids::CONSOLE_RESET_TITLE))
            }
        }
        h2 { (ui.t(ids::CONSOLE_USER_AUDIT)) }
        @if events.is_empty() {
            p { (ui.t(ids::CONSOLE_USER_NO_EVENTS)) }
        } @else {
            (scrolling(&ui.t(ids::CONSOLE_USER_AUDIT), audit_table(ui, events, actors)))
        }
        p { a href=(ui.link("/admin/users")) { (ui.t(ids::CONSOLE_RESET_BACK)) } }
    }
}

fn lockout_text(ui: &Ui<'_>, lockout: &AccountLockout) -> String {
    let mut parts = vec![];
    if let Some(until) = lockout.until.filter(|_| lockout.locked_sources > 0) {
        parts.push(ui.t_with(
            ids::CONSOLE_USER_LOCKED_SOURCES,
            &[
                ("sources", lockout.locked_sources.into()),
                ("when", ui.state.i18n.datetime(ui.lang, until).into()),
            ],
        ));
    }
    if let Some(until) = lockout.unfamiliar_refused_until {
        parts.push(ui.t_with(
            ids::CONSOLE_USER_LOCKED_UNFAMILIAR,
            &[("when", ui.state.i18n.datetime(ui.lang, until).into())],
        ));
    }
    if parts.is_empty() {
        return ui.t(ids::CONSOLE_USER_NOT_LOCKED);
    }
    parts.join(" ")
}

fn audit_table(ui: &Ui<'_>, events: &[AuditEvent], actors: &[User]) -> Markup {
    let actor = |e: &AuditEvent| match e.actor_id.as_deref() {
        Some(id) => actors
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| id.to_owned(), |u| u.email.clone()),
        None if e.details.get("actor").and_then(|a| a.as_str()) == Some("command_line") => {
            ui.t(ids::CONSOLE_ACTOR_COMMAND_LINE)
        }
        None => String::new(),
    };
    html! {
        table id="audit" {
            thead { tr {
                th scope="col" { (ui.t(ids::CONSOLE_COL_WHEN)) }
                th scope="col" { (ui.t(ids::CONSOLE_COL_ACTION)) }
                th scope="col" { (ui.t(ids::CONSOLE_COL_ACTOR)) }
                th scope="col" { (ui.t(ids::CONSOLE_COL_ADDRESS)) }
                th scope="col" { (ui.t(ids::CONSOLE_COL_OUTCOME)) }
            } }
            tbody {
                @for e in events {
                    tr data-action=(e.action) {
                        td { (view::date(ui, e.occurred_at)) }
                        td { code { (e.action) } }
                        td.actor { (actor(e)) }
                        td.address { (e.client_ip.as_deref().unwrap_or("")) }
                        td { (ui.t(if e.outcome == "success" { ids::CONSOLE_OUTCOME_SUCCESS } else { ids::CONSOLE_OUTCOME_FAILURE })) }
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Action {
    Unlock,
    Disable,
    Enable,
}

/// Unlock the user (every lockout of the account cleared).
#[utoipa::path(post, path = "/admin/users/{id}/unlock", tag = "admin console", operation_id = "consoleUnlockUser", security(("console_session" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    request_body(content = ConsoleActionForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Done: to the user page with `?done=unlocked`; no console session: to `/admin`, nothing done"),
        (status = 403, description = "The admin may not (the reason on the user page), or posted from another site or without the CSRF token: nothing done", body = String, content_type = "text/html"),
        (status = 404, description = "No such user", body = String, content_type = "text/html"),
    ))]
pub async fn unlock_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    session: ConsoleSession,
    id: web::Path<String>,
) -> HttpResponse {
    act(&state, &req, payload, &session, &id, Action::Unlock).await
}

/// Disable the user (`admin` only): the same rules as `PATCH /v1/admin/users/{id}`.
#[utoipa::path(post, path = "/admin/users/{id}/disable", tag = "admin console", operation_id = "consoleDisableUser", security(("console_session" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    request_body(content = ConsoleActionForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Done: to the user page with `?done=disabled`; no console session: to `/admin`, nothing done"),
        (status = 403, description = "Not an admin, or oneself (the reason on the user page), or posted from another site or without the CSRF token: nothing done", body = String, content_type = "text/html"),
        (status = 404, description = "No such user", body = String, content_type = "text/html"),
        (status = 409, description = "It would leave no enabled admin: the user page with the reason, nothing done", body = String, content_type = "text/html"),
    ))]
pub async fn disable_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    session: ConsoleSession,
    id: web::Path<String>,
) -> HttpResponse {
    act(&state, &req, payload, &session, &id, Action::Disable).await
}

/// Enable the user again (`admin` only).
#[utoipa::path(post, path = "/admin/users/{id}/enable", tag = "admin console", operation_id = "consoleEnableUser", security(("console_session" = [])),
    params(("id" = String, Path, description = "User id (UUID)")),
    request_body(content = ConsoleActionForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Done: to the user page with `?done=enabled`; no console session: to `/admin`, nothing done"),
        (status = 403, description = "Not an admin (the reason on the user page), or posted from another site or without the CSRF token: nothing done", body = String, content_type = "text/html"),
        (status = 404, description = "No such user", body = String, content_type = "text/html"),
    ))]
pub async fn enable_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    session: ConsoleSession,
    id: web::Path<String>,
) -> HttpResponse {
    act(&state, &req, payload, &session, &id, Action::Enable).await
}

/// The form of every action on the user page.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ConsoleActionForm {
    /// This session's CSRF token.
    csrf: String,
    lang: Option<String>,
}

async fn act(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    session: &ConsoleSession,
    id: &str,
    action: Action,
) -> HttpResponse {
    let form = match read_console_form(req, payload, state, session).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let ui = Ui::new(state, req, form.get("lang")).at(format!("/admin/users/{id}"));
    let origin = client_address(req, state);
    let caller: &Caller = &session.caller;
    let outcome = match action {
        Action::Unlock => unlock::unlock(state, caller, id, origin)
            .await
            .map(|()| "unlocked"),
        Action::Disable | Action::Enable => {
            let disabled = matches!(action, Action::Disable);
            match authorize::<Admin>(caller.clone()) {
                Err(e) => Err(e),
                Ok(admin) => users::update(
                    state,
                    Some(&admin.0),
                    id,
                    ProfileUpdate {
                        disabled: Some(disabled),
                        ..Default::default()
                    },
                    origin,
                )
                .await
                .map(|_| if disabled { "disabled" } else { "enabled" }),
            }
        }
    };
    match outcome {
        Ok(done) => view::see_other(format!("/admin/users/{id}?done={done}&lang={}", ui.tag())),
        Err(e @ (ApiError::Forbidden(_) | ApiError::Conflict(_))) => {
            let why = match action {
                // Unlocking follows the reset rule, and says why as the list does.
                Action::Unlock => view::refusal_text(&ui, caller, id, &e),
                _ => e.problem_in(&ui.state.i18n, ui.lang).detail,
            };
            let message = ui.t_with(ids::CONSOLE_REFUSED, &[("reason", why.into())]);
            show(&ui, session, id, e.status_code(), Some((message, false))).await
        }
        Err(ApiError::NotFound) => show(&ui, session, id, StatusCode::NOT_FOUND, None).await,
        // The admin lost their authority while the request ran (the write re-checks it):
        // their session is over, as the next click would find.
        Err(ApiError::InvalidToken) => view::see_other("/admin".into()),
        Err(e) => view::trouble(&ui, session, &e),
    }
}
