//! "Active users": the list of `GET /v1/admin/users` (the same flow, one query per page) with
//! search, role filter and pages of 50, a checkbox per user the admin may reset, and the
//! "Reset password" button that takes the selection to the reset form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

use crate::flows::users::{self, ListQuery, UserPage};
use crate::i18n::ids;
use crate::pages::text::Ui;
use crate::state::AppState;

use super::view::{self, hidden, notice, scrolling};
use super::{console_page, ConsoleSession};

/// Users per page.
const PAGE_SIZE: i64 = 50;

/// The list's query: search text, role, cursor (each as typed; the flow checks them).
#[derive(Debug, Default, Clone)]
pub struct ListParams {
    pub q: String,
    pub role: String,
    pub cursor: String,
}

impl ListParams {
    pub fn from_query(query: &str) -> Self {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Self {
            q: get("q"),
            role: get("role"),
            cursor: get("cursor"),
        }
    }

    /// This list at another cursor, in the page's language.
    fn link(&self, ui: &Ui<'_>, cursor: Option<&str>) -> String {
        let mut pairs = vec![];
        if !self.q.is_empty() {
            pairs.push(("q", self.q.as_str()));
        }
        if !self.role.is_empty() {
            pairs.push(("role", self.role.as_str()));
        }
        if let Some(c) = cursor {
            pairs.push(("cursor", c));
        }
        pairs.push(("lang", ui.tag()));
        format!(
            "/admin/users?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }
}

/// The "Active users" page (search, role filter, pages of 50, a checkbox per user).
#[utoipa::path(get, path = "/admin/users", tag = "admin console", operation_id = "consoleUsersPage", security(("console_session" = [])),
    params(
        ("q" = Option<String>, Query, description = "Matches email or display name (at most 200 characters)"),
        ("role" = Option<String>, Query, description = "`admin`, `password_admin` or `user`; empty: every role"),
        ("cursor" = Option<String>, Query, description = "The next page's cursor, from the page's next link"),
        ("lang" = Option<String>, Query, description = "The page's language"),
    ),
    responses(
        (status = 200, description = "A page of at most 50 users, each with a checkbox (disabled, with the reason, for users the admin may not reset)", body = String, content_type = "text/html"),
        (status = 303, description = "No console session: to `/admin`"),
        (status = 422, description = "The search cannot be run (role, cursor or search text): the page with a message", body = String, content_type = "text/html"),
    ))]
pub async fn users_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: ConsoleSession,
) -> HttpResponse {
    let ui = Ui::new(&state, &req, None);
    let params = ListParams::from_query(req.query_string());
    list(&ui, &session, params, None).await
}

/// The list for `params`, with a refusal message when one brought the admin back here.
pub async fn list(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    params: ListParams,
    message: Option<String>,
) -> HttpResponse {
    let query = ListQuery {
        q: Some(params.q.clone()),
        role: Some(params.role.clone()),
        limit: Some(PAGE_SIZE),
        cursor: Some(params.cursor.clone()),
    };
    match users::list(ui.state, query).await {
        Ok(page) => {
            let status = if message.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            render(ui, session, status, &params, &page, message.as_deref())
        }
        Err(crate::error::ApiError::Validation(_)) => {
            let empty = UserPage {
                items: vec![],
                next_cursor: None,
            };
            let message = ui.t(ids::CONSOLE_USERS_INVALID);
            render(
                ui,
                session,
                StatusCode::UNPROCESSABLE_ENTITY,
                &params,
                &empty,
                Some(&message),
            )
        }
        Err(e) => view::trouble(ui, session, &e),
    }
}

fn render(
    ui: &Ui<'_>,
    session: &ConsoleSession,
    status: StatusCode,
    params: &ListParams,
    page: &UserPage,
    message: Option<&str>,
) -> HttpResponse {
    let title = ui.t(ids::CONSOLE_USERS_TITLE);
    let roles = [
        ("", ui.t(ids::CONSOLE_USERS_ROLE_ANY)),
        ("admin", view::role_name(ui, "admin")),
        ("password_admin", view::role_name(ui, "password_admin")),
        ("user", view::role_name(ui, "user")),
    ];
    let table = html! {
        table id="users" {
            thead { tr {
                th scope="col" { (ui.t(ids::CONSOLE_COL_SELECT)) }
                th scope="col" { (ui.t(ids::CONSOLE_COL_EMAIL)) }
                th scope="col" { (ui.t(ids::CONSOLE_COL_NAME)) }
                th scope="col" { (ui.t(ids::CONSOLE_COL_ROLES)) }
                th scope="col" { (ui.t(ids::CONSOLE_COL_STATE)) }
            } }
            tbody {
                @for user in &page.items {
                    @let refusal = view::reset_refusal(ui, &session.caller, user);
                    @let box_id = format!("select-{}", user.id);
                    @let why_id = format!("why-{}", user.id);
                    tr data-user-id=(user.id) {
                        td.select {
                            input type="checkbox" name="user_id" value=(user.id) id=(box_id)
                                disabled[refusal.is_some()]
                                aria-describedby=[refusal.as_ref().map(|_| why_id.as_str())];
                            label.visually-hidden for=(box_id) {
                                (ui.t_with(ids::CONSOLE_USERS_SELECT, &[("email", user.email.as_str().into())]))
                            }
                        }
                        td.email {
                            a href=(ui.link(&format!("/admin/users/{}", user.id))) { (user.email) }
                            @if let Some(why) = &refusal { span.reason id=(why_id) { (why) } }
                        }
                        td { (user.display_name.as_deref().unwrap_or("")) }
                        td { (view::roles(ui, user)) }
                        td { (view::state(ui, user)) }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { (title) }
        (notice(message, false))
        form.search method="get" action="/admin/users" role="search" {
            (hidden("lang", ui.tag()))
            div.field {
                label for="q" { (ui.t(ids::CONSOLE_USERS_SEARCH_LABEL)) }
                input id="q" name="q" type="search" maxlength="200" value=(params.q);
            }
            div.field {
                label for="role" { (ui.t(ids::CONSOLE_USERS_ROLE_LABEL)) }
                select id="role" name="role" {
                    @for (value, name) in &roles {
                        option value=(value) selected[params.role == *value] { (name) }
                    }
                }
            }
            button type="submit" { (ui.t(ids::CONSOLE_USERS_SEARCH_SUBMIT)) }
        }
        @if page.items.is_empty() {
            p { (ui.t(ids::CONSOLE_USERS_EMPTY)) }
        } @else {
            form.selection method="get" action="/admin/reset" {
                (hidden("lang", ui.tag()))
                (scrolling(&title, table))
                button type="submit" id="reset-selected" { (ui.t(ids::CONSOLE_USERS_RESET_SELECTED)) }
            }
        }
        nav.pager {
            @if !params.cursor.is_empty() {
                a href=(params.link(ui, None)) { (ui.t(ids::CONSOLE_USERS_FIRST)) }
            }
            @if let Some(next) = &page.next_cursor {
                a rel="next" href=(params.link(ui, Some(next))) { (ui.t(ids::CONSOLE_USERS_NEXT)) }
            }
        }
    };
    console_page(ui, session, status, &title, body)
}
