//! The document's top-level `webhooks` (OpenAPI 3.1): one entry per event type, the request
//! passgate makes to a receiver, so a receiver can generate its types and handlers from the
//! same document as the API's clients. utoipa 5 has no field for `webhooks`; the document's
//! extensions are written at its top level, so the section goes in there, made from
//! [`EVENT_SCHEMAS`] so that it cannot miss an event type.

use serde_json::{json, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::Modify;

use crate::webhooks::events::EVENT_SCHEMAS;

pub(super) struct Deliveries;

impl Modify for Deliveries {
    fn modify(&self, openapi: &mut OpenApi) {
        let schemas = openapi
            .components
            .as_ref()
            .map(|c| &c.schemas)
            .cloned()
            .unwrap_or_default();
        let when_sent = |data: &str| {
            schemas
                .get(data)
                .and_then(|s| serde_json::to_value(s).ok())
                .and_then(|s| s["description"].as_str().map(str::to_owned))
        };
        let section: serde_json::Map<String, Value> = EVENT_SCHEMAS
            .iter()
            .map(|e| {
                let description = when_sent(e.data).unwrap_or_else(|| e.event_type.to_owned());
                (
                    e.event_type.to_owned(),
                    delivery(e.event_type, e.body, &description),
                )
            })
            .collect();
        // The receiver authenticates a delivery by its signature; naming that as the
        // operations' security says so to tools that read only `security`.
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "webhook_signature",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    "webhook-signature",
                    "Standard Webhooks: `v1,` and the base64 HMAC-SHA256 of \
                     `{webhook-id}.{webhook-timestamp}.{body}` keyed by the webhook's secret \
                     (the bytes after `whsec_`, base64-decoded).",
                ))),
            );
        openapi
            .extensions
            .get_or_insert_with(Default::default)
            .insert("webhooks".to_owned(), Value::Object(section));
    }
}

/// The `POST` a subscribed endpoint receives for `event_type`.
fn delivery(event_type: &str, body: &str, description: &str) -> Value {
    let header = |name: &str, description: &str| {
        json!({
            "name": name, "in": "header", "required": true, "description": description,
            "schema": {"type": "string"}
        })
    };
    json!({"post": {
        "tags": ["webhooks"],
        "security": [{"webhook_signature": []}],
        "operationId": format!("deliver_{}", event_type.replace('.', "_")),
        "summary": format!("A `{event_type}` delivery"),
        "description": format!(
            "{description}\n\nSent to every enabled webhook subscribed to `{event_type}` or \
             `*`, by the Standard Webhooks specification: verify `webhook-signature` over \
             `{{webhook-id}}.{{webhook-timestamp}}.{{body}}` with the webhook's secret (any one \
             of the space-separated signatures may match while a rotated secret overlaps), and \
             de-duplicate by `webhook-id`, which a retry repeats with the same body bytes."
        ),
        "parameters": [
            header("webhook-id", "The event's id: the same on every retry of this event."),
            header("webhook-timestamp", "When this attempt was signed, in Unix seconds."),
            header("webhook-signature", "`v1,<base64 HMAC-SHA256>`; two, space-separated, while a rotated secret also signs."),
        ],
        "requestBody": {
            "required": true,
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}}
        },
        "responses": {
            "2XX": {"description": "Delivered: any 2xx answer settles it."},
            "410": {"description": "Gone: passgate disables this webhook and sends it nothing more."},
            "default": {"description": "Anything else, a timeout or a refused connection: retried with exponential backoff (`PASSGATE__WEBHOOKS__RETRY_BASE_SECS`, doubling) until `PASSGATE__WEBHOOKS__GIVE_UP_AFTER_SECS`."}
        }
    }})
}
