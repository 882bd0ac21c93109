//! The pages' words: every text is a message of `locales/<lang>/passgate.ftl` (ids in
//! `i18n::ids`), looked up in the page's language through [`Ui`].

use actix_web::HttpRequest;

use crate::error::FieldError;
use crate::i18n::{ids, Args, Id, Lang};
use crate::state::AppState;

/// What a page is rendered for: the service, the language chosen for this request, and the
/// address to which the language links point (this page, without `lang`).
pub struct Ui<'a> {
    pub state: &'a AppState,
    pub lang: Lang,
    here: String,
}

impl<'a> Ui<'a> {
    /// The language of a request: `lang` from the form (`form_lang`, so a post keeps the
    /// language of the page it came from) or the query string, else the best match of
    /// `Accept-Language`, else the default.
    pub fn new(state: &'a AppState, req: &HttpRequest, form_lang: Option<&str>) -> Self {
        let query: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        let query_lang = query
            .iter()
            .find(|(k, _)| k == "lang")
            .map(|(_, v)| v.as_str());
        let accept = req
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let explicit = form_lang.filter(|l| !l.is_empty()).or(query_lang);
        let lang = state.i18n.negotiate(explicit, accept);
        let rest: Vec<&(String, String)> = query.iter().filter(|(k, _)| k != "lang").collect();
        let here = match serde_urlencoded::to_string(rest) {
            Ok(q) if !q.is_empty() => format!("{}?{q}", req.path()),
            _ => req.path().to_owned(),
        };
        Self { state, lang, here }
    }

    /// The same language, with the language links pointing at `here` (a path and query).
    pub fn at(mut self, here: String) -> Self {
        self.here = here;
        self
    }

    pub fn t(&self, id: Id) -> String {
        self.state.i18n.message(self.lang, id, &[])
    }

    pub fn t_with(&self, id: Id, args: &Args<'_>) -> String {
        self.state.i18n.message(self.lang, id, args)
    }

    /// The language tag served, for `<html lang>` and the forms' `lang` field.
    pub fn tag(&self) -> &str {
        self.state.i18n.tag(self.lang)
    }

    /// A link to another page in this language.
    pub fn link(&self, path: &str) -> String {
        format!("{path}?lang={}", self.tag())
    }

    /// This page in each language served: (tag, the language's own name, link, current).
    pub fn languages(&self) -> Vec<(String, String, String, bool)> {
        let i18n = &self.state.i18n;
        let sep = if self.here.contains('?') { '&' } else { '?' };
        i18n.languages()
            .map(|l| {
                let tag = i18n.tag(l).to_owned();
                let name = i18n.message(l, ids::LANGUAGE_NAME, &[]);
                let link = format!("{}{sep}lang={tag}", self.here);
                (tag, name, link, l == self.lang)
            })
            .collect()
    }

    /// A broken password rule under the new-password field, as a sentence in this language.
    pub fn password_rule(&self, e: &FieldError) -> String {
        let rule = crate::error::field_message(e, &self.state.i18n, self.lang);
        self.t_with(ids::PAGE_ERROR_PASSWORD, &[("rule", rule.into())])
    }

    /// The policy in force, as bullet points.
    pub fn policy_rules(&self) -> Vec<String> {
        let p = &self.state.policy;
        let mut rules = vec![
            self.t_with(
                ids::POLICY_RULE_LENGTH,
                &[("min", p.min_length.into()), ("max", p.max_length.into())],
            ),
            self.t(ids::POLICY_RULE_COMMON),
            self.t(ids::POLICY_RULE_USER_INFO),
        ];
        if !p.breach_sources.is_empty() {
            rules.push(self.t(ids::POLICY_RULE_BREACHED));
        }
        if p.min_strength > 0 {
            rules.push(self.t(ids::POLICY_RULE_STRENGTH));
        }
        rules.push(self.t_with(ids::POLICY_RULE_HISTORY, &[("history", p.history.into())]));
        rules
    }
}
