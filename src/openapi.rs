//! The OpenAPI document, generated from the handlers' annotations. `openapi/openapi.json` in
//! the repository is this document; a test fails when they differ.

use std::sync::LazyLock;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};
use crate::flows::audit_log::{AuditEvent, AuditEventPage};
use crate::flows::sessions::TokenPair;
use crate::flows::users::{CreatedUser, User, UserPage};
use crate::password::Policy;
use crate::routes;
use crate::webhooks::events as ev;

mod deliveries;

use deliveries::Deliveries;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "passgate",
        description = "Password-management identity service: sign-in with JWT roles, change your own password, \
self-service reset by emailed link, and admin reset for one or many users.\n\n\
Every error is `application/problem+json` (RFC 9457) with a stable `code`. \
Send `Accept-Language` to have a problem's `title`, `detail` and `errors[].message` (and the \
`message`s of `POST /v1/password-policy/check`) in your language: English (`en`), Danish (`da`) \
and any language the operator added, best match by weight, else the configured default; the \
`code`s never change, so programs read those. A parser's own explanation (a JSON or query \
string that could not be read, a password hash that cannot be imported) is quoted in English \
inside the translated sentence. The hosted pages also take `?lang=` (and their forms a `lang` \
field).\n\n\
Token, password and reset responses carry `Cache-Control: no-store`; every response carries \
`X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and `X-Request-Id`.\n\n\
**Who may reset whom** (admin routes): `admin` may reset anyone but themself; `password_admin` may \
reset users whose roles are only `user` and/or `password_admin`; nobody resets their own password \
through the admin routes (use `POST /v1/me/password`)."
    ),
    servers((url = "/", description = "The passgate instance serving this document")),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::health::jwks,
        routes::health::openapi_json,
        crate::pages::forms::forgot::forgot_form,
        crate::pages::forms::forgot::forgot_submit,
        crate::pages::forms::reset::reset_form,
        crate::pages::forms::reset::reset_submit,
        crate::pages::forms::change::change_form,
        crate::pages::forms::change::change_submit,
        crate::pages::console::sign_in::console_home,
        crate::pages::console::sign_in::sign_in_submit,
        crate::pages::console::sign_in::sign_out_submit,
        crate::pages::console::users::users_page,
        crate::pages::console::reset::reset_form,
        crate::pages::console::reset::reset_submit,
        crate::pages::console::user::user_page,
        crate::pages::console::user::unlock_submit,
        crate::pages::console::user::disable_submit,
        crate::pages::console::user::enable_submit,
        routes::auth::sign_in,
        routes::auth::refresh,
        routes::auth::logout,
        routes::me::get_me,
        routes::me::change_password,
        routes::password_resets::request_reset,
        routes::password_resets::verify_reset,
        routes::password_resets::confirm_reset,
        routes::policy::get_policy,
        routes::policy::check_password,
        routes::admin_users::list_users,
        routes::admin_users::create_user,
        routes::admin_users::get_user,
        routes::admin_users::update_user,
        routes::user_imports::import_users,
        routes::user_imports::export_users,
        routes::admin_resets::reset_user,
        routes::admin_resets::reset_many,
        routes::admin_resets::unlock_user,
        routes::api_keys::create_key,
        routes::api_keys::list_keys,
        routes::api_keys::revoke_key,
        routes::audit::list_events,
        routes::webhooks::create_webhook,
        routes::webhooks::list_webhooks,
        routes::webhooks::get_webhook,
        routes::webhooks::update_webhook,
        routes::webhooks::delete_webhook,
        routes::webhooks::rotate_secret,
        routes::webhooks::test_webhook,
        routes::webhooks::list_deliveries,
    ),
    components(schemas(
        Problem, FieldError, TokenPair, User, UserPage, CreatedUser, AuditEvent, AuditEventPage, Policy,
        routes::health::Status, routes::admin_users::RoleName,
        crate::pages::forms::ForgotForm, crate::pages::forms::ResetForm, crate::pages::forms::ChangeForm,
        crate::pages::console::sign_in::ConsoleSignInForm, crate::pages::console::sign_in::ConsoleSignOutForm,
        crate::pages::console::reset::ConsoleResetForm, crate::pages::console::user::ConsoleActionForm,
        routes::auth::SignInRequest, routes::auth::RefreshRequest, routes::me::ChangePasswordRequest,
        routes::admin_users::CreateUserRequest, routes::admin_users::UpdateUserRequest,
        routes::policy::PolicyCheckRequest, routes::policy::PolicyCheckResult,
        routes::password_resets::ResetRequest, routes::password_resets::ResetAccepted,
        routes::password_resets::ResetTokenRequest, routes::password_resets::ResetTokenStatus,
        routes::password_resets::ResetConfirmRequest,
        routes::admin_resets::ResetUserRequest, routes::admin_resets::BulkResetRequest,
        crate::flows::admin_reset::ResetMode, crate::flows::admin_reset::ResetResult, crate::flows::admin_reset::ResetSummary,
        crate::flows::admin_reset::BulkResetResult, crate::flows::admin_reset::ItemError,
        routes::api_keys::CreateApiKeyRequest, crate::flows::api_keys::ApiKey, crate::flows::api_keys::CreatedApiKey,
        crate::flows::api_keys::ApiKeyList,
        routes::webhooks::CreateWebhookRequest, routes::webhooks::UpdateWebhookRequest, routes::webhooks::WebhookEventType,
        crate::flows::webhooks::Webhook, crate::flows::webhooks::CreatedWebhook, crate::flows::webhooks::WebhookList,
        crate::flows::webhooks::RotatedSecret, crate::flows::webhooks::TestEvent,
        crate::flows::webhooks::DeliveryAttempt, crate::flows::webhooks::DeliveryPage,
        ev::PasswordChangeKind, ev::PasswordChanged, ev::PasswordResetRequested, ev::UserCreated, ev::UserUpdated,
        ev::UserDisabled, ev::UserLocked, ev::UsersImported, ev::ApiKeyCreated, ev::ApiKeyRevoked, ev::WebhookTest,
        ev::PasswordChangedEvent, ev::PasswordResetRequestedEvent, ev::UserCreatedEvent, ev::UserUpdatedEvent,
        ev::UserDisabledEvent, ev::UserLockedEvent, ev::UserImportedEvent, ev::ApiKeyCreatedEvent,
        ev::ApiKeyRevokedEvent, ev::WebhookTestEvent,
        crate::flows::imports::ImportLine, crate::flows::imports::ImportReport,
        crate::flows::imports::ImportSummary, crate::flows::imports::ImportFailure,
        crate::flows::imports::LineError,
    )),
    modifiers(&BearerAuth, &CommonResponses, &Deliveries),
    tags(
        (name = "auth", description = "Sign-in and sessions"),
        (name = "self", description = "The signed-in user's own account"),
        (name = "password reset", description = "Self-service reset of a forgotten password by emailed link"),
        (name = "password policy", description = "The rules every new password must pass"),
        (name = "admin", description = "User administration (`password_admin` or `admin`)"),
        (name = "api keys", description = "Credentials for scripts and services (`admin`)"),
        (name = "webhooks", description = "Signed event deliveries to other services, by the Standard Webhooks specification (`admin`). \
Each delivery is a `POST` with `webhook-id`, `webhook-timestamp` and `webhook-signature` headers and a body `{type, timestamp, data}`; \
the `…Event` schemas describe each event type's body, and the document's `webhooks` section describes each delivery"),
        (name = "hosted pages", description = "Server-rendered HTML forms (no JavaScript) for the reset link, a forgotten password and a temporary password; off with `PASSGATE__PAGES__ENABLED=false`"),
        (name = "admin console", description = "The admin console: server-rendered HTML pages (no JavaScript) under `/admin` for `admin` and `password_admin`, over the same flows, rules and audit as the admin API. \
A session is a cookie (`passgate_console`: `HttpOnly`, `SameSite=Strict`, `Path=/admin`; with an https `PASSGATE__SERVER__PUBLIC_URL` it is `__Host-passgate_console`, `Secure`, `Path=/`, as browsers require of the `__Host-` prefix) naming a server-side session stored only as a SHA-256 hash; \
it ends after `PASSGATE__CONSOLE__IDLE_TIMEOUT_SECS` without a request (15 minutes), `PASSGATE__CONSOLE__ABSOLUTE_TIMEOUT_SECS` after sign-in (8 hours), on sign-out, and at once when the admin's password, roles or disabled state change. \
Every console request without a live session is answered 303 to `/admin`, and nothing is done. Every form carries a CSRF token (the session's, or on the sign-in form one bound to the `passgate_console_signin` cookie) and must pass the hosted pages' origin rule (else 403, nothing done). \
Every page: `Cache-Control: no-store`, a strict CSP with `frame-ancestors 'none'`, `X-Frame-Options: DENY`. Off with `PASSGATE__PAGES__ADMIN_CONSOLE=false` or `PASSGATE__PAGES__ENABLED=false` (then every `/admin` path answers 404)"),
        (name = "operations", description = "Health, readiness, keys and this document. `/metrics` (with `/healthz` and `/readyz`) is served only on the management listener, `PASSGATE__MANAGEMENT__HOST`/`PORT`, never on this port"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /v1/auth/token`, or an API key (`pgk_…`).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "console_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "passgate_console",
                "The admin console's session cookie from `POST /admin/sign-in` \
                 (`__Host-passgate_console` when the public URL is https).",
            ))),
        );
    }
}

/// Answers every operation of a kind can give, added once here instead of on each handler:
/// a JSON body can be unreadable (400), too large (413) or of another type (415); a bearer
/// credential can be missing or invalid (401) or not allowed (403); anything under /v1 can
/// find the database unreachable or the hashing queue full (503).
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|b| b.content.contains_key("application/json"));
                let bearer = operation.security.as_ref().is_some_and(|s| {
                    serde_json::to_value(s).is_ok_and(|v| v.to_string().contains("bearer"))
                });
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                };
                if json_body {
                    add("400", "`malformed_request`: the body could not be read");
                    add("413", "`payload_too_large`");
                    add("415", "`unsupported_media_type`: send application/json");
                }
                if bearer {
                    add("401", "`invalid_token`");
                    add("403", "`forbidden` or `password_change_required`");
                }
                if path.starts_with("/v1") {
                    add("503", "`unavailable` or `overloaded`, with `Retry-After`");
                }
            }
        }
    }
}

/// The document as served at `/openapi.json` and checked in at `openapi/openapi.json`.
pub static SPEC_JSON: LazyLock<String> = LazyLock::new(|| {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
});

/// Every documented path template with the methods it serves, for telling 405 from 404
/// (`middleware::RouteTable`, built from this at start-up).
pub fn documented_routes() -> Vec<(String, Vec<String>)> {
    let doc = ApiDoc::openapi();
    doc.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let json = serde_json::to_value(item).unwrap_or_default();
            let methods = [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .iter()
            .filter(|m| json.get(**m).is_some())
            .map(|m| m.to_uppercase())
            .collect();
            (path.clone(), methods)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::webhooks::EVENT_TYPES;

    #[test]
    fn every_event_type_has_its_body_schema_and_can_be_subscribed_to() {
        let spec: Value = serde_json::from_str(&super::SPEC_JSON).unwrap();
        let schemas = spec["components"]["schemas"].as_object().unwrap();
        for event_type in EVENT_TYPES {
            let bodies: Vec<&String> = schemas
                .iter()
                .filter(|(_, s)| s["properties"]["type"]["enum"] == json!([event_type]))
                .map(|(name, _)| name)
                .collect();
            assert_eq!(bodies.len(), 1, "{event_type}: {bodies:?}");
            assert!(bodies[0].ends_with("Event"), "{}", bodies[0]);
        }
        let subscribable: Vec<&str> = std::iter::once("*").chain(EVENT_TYPES).collect();
        assert_eq!(
            schemas["WebhookEventType"]["enum"],
            json!(subscribable),
            "WebhookEventType is \"*\" and EVENT_TYPES, in order"
        );
    }

    #[test]
    fn every_event_type_is_a_documented_delivery_of_its_body() {
        let spec: Value = serde_json::from_str(&super::SPEC_JSON).unwrap();
        let webhooks = spec["webhooks"]
            .as_object()
            .expect("a top-level webhooks section");
        let mut documented: Vec<&str> = webhooks.keys().map(String::as_str).collect();
        let mut sent = EVENT_TYPES.to_vec();
        documented.sort_unstable();
        sent.sort_unstable();
        assert_eq!(documented, sent);
        for event_type in EVENT_TYPES {
            let post = &webhooks[event_type]["post"];
            let body = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap();
            let name = body.strip_prefix("#/components/schemas/").unwrap();
            assert_eq!(
                spec["components"]["schemas"][name]["properties"]["type"]["enum"],
                json!([event_type]),
                "{event_type} refers to its own body"
            );
            let headers: Vec<&str> = post["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(
                headers,
                ["webhook-id", "webhook-timestamp", "webhook-signature"]
            );
            // The data schema's own description says when the event is sent.
            assert!(
                !post["description"]
                    .as_str()
                    .unwrap()
                    .starts_with(event_type),
                "{event_type} has a description"
            );
        }
    }
}
