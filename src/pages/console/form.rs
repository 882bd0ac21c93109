//! Reading a console form post: the hosted forms' checks, then the session's CSRF token.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::i18n::ids;
use crate::pages::{form_pairs, text::Ui, MAX_FORM_BYTES};
use crate::state::AppState;

use super::frame::refused;
use super::ConsoleSession;

/// A console form's fields, in their order and with their repeats (`user_id` comes once per
/// selected user).
#[derive(Debug, Clone, Default)]
pub struct ConsoleForm(pub Vec<(String, String)>);

impl ConsoleForm {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Reads a console form post: origin rule + urlencoded + size bound (as pages::read_form) and
/// then the csrf check; Err(response) is the 403/415 refusal page, nothing done.
/// The fields keep their order and repeats (`user_id` comes once per selected user).
pub async fn read_console_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    session: &ConsoleSession,
) -> Result<ConsoleForm, HttpResponse> {
    // Room for a bulk reset's every `user_id` (a UUID and its name, about 45 bytes each).
    let limit = MAX_FORM_BYTES + 64 * state.settings.admin.max_bulk;
    let form = match form_pairs(req, payload, state, limit).await {
        Ok(pairs) => ConsoleForm(pairs),
        Err(refusal) => {
            // The language links of a page answering a post lead to the console's door.
            let ui = Ui::new(state, req, None).at("/admin".into());
            let (title, message) = refusal.texts();
            return Err(refused(&ui, session, refusal.status(), title, message));
        }
    };
    if !session.csrf_ok(form.get("csrf")) {
        let ui = Ui::new(state, req, form.get("lang")).at("/admin".into());
        return Err(refused(
            &ui,
            session,
            actix_web::http::StatusCode::FORBIDDEN,
            ids::CONSOLE_CSRF_TITLE,
            ids::CONSOLE_CSRF_BODY,
        ));
    }
    Ok(form)
}
