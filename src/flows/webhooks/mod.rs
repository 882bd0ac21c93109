//! Webhook endpoints (contract: "Webhooks (admin)"): create (the secret shown once), list,
//! read, change, delete, rotate the secret (the old one signs too for 24 hours), send a
//! test event, and the attempt log. Admin only; the caller's authority is taken again in
//! the transaction of every change, which is audited as `webhook.*`. Delivery itself is
//! `webhooks::worker`.

mod deliveries;
mod input;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{self, Caller};
use crate::db::{self, audit::NewEvent, webhooks::WebhookRow, write_tx};
use crate::error::{ApiError, Why};
use crate::i18n::ids;
use crate::state::AppState;
use crate::webhooks::{self, events, signing, Event};

use super::ClientAddress;

pub use deliveries::{deliveries, DeliveryAttempt, DeliveryPage};
pub use input::WebhookInput;

use input::{accept_description, accept_events, accept_url};

/// Longest description (contract).
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Most entries in `events` (there are fewer types than this).
pub const MAX_EVENTS: usize = 20;
/// How long a rotated secret still signs.
const ROTATION_OVERLAP_HOURS: i64 = 24;

/// An endpoint as listed: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "url": "https://hooks.example.com/passgate",
    "events": ["password.changed", "user.disabled"], "description": "directory sync", "disabled": false,
    "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:00:00Z", "previous_secret_expires_at": null}))]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// Event types delivered, or `["*"]` for all.
    pub events: Vec<String>,
    #[schema(required)]
    pub description: Option<String>,
    /// Disabled endpoints get nothing (an endpoint answering `410 Gone` is disabled).
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// While set and in the future, deliveries carry a second signature made with the
    /// secret replaced by the last rotation.
    #[schema(required)]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

impl Webhook {
    fn from_row(row: WebhookRow, now: NaiveDateTime) -> Self {
        Self {
            events: serde_json::from_str(&row.events).unwrap_or_default(),
            previous_secret_expires_at: row
                .previous_secret_expires_at
                .filter(|t| *t > now)
                .map(|t| t.and_utc()),
            id: row.id,
            url: row.url,
            description: row.description,
            disabled: row.disabled,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A new endpoint, with its signing secret: shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "url": "https://hooks.example.com/passgate",
    "events": ["*"], "description": null, "disabled": false, "created_at": "2026-12-01T09:00:00Z",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo="}))]
pub struct CreatedWebhook {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    #[schema(required)]
    pub description: Option<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret to verify
    /// deliveries with. Shown only here (and by a rotation).
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=", "previous_secret_expires_at": "2026-12-02T09:00:00Z"}))]
pub struct RotatedSecret {
    /// The new secret; shown only here.
    pub secret: String,
    /// Until then deliveries are signed with the previous secret as well.
    pub previous_secret_expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestEvent {
    /// The `webhook-id` the test delivery carries.
    pub event_id: String,
}

fn audit(
    action: &'static str,
    caller: &Caller,
    origin: &ClientAddress,
    details: serde_json::Value,
) -> NewEvent {
    NewEvent::new(action)
        .actor(caller.id.clone())
        .client_ip(origin.client_ip.clone())
        .details(details)
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: WebhookInput,
    origin: ClientAddress,
) -> Result<CreatedWebhook, ApiError> {
    let mut errors = Vec::new();
    let events = accept_events(input.events.as_deref().unwrap_or_default(), &mut errors);
    let description = accept_description(input.description, &mut errors);
    let url = accept_url(state, input.url.as_deref().unwrap_or_default(), &mut errors).await;
    let (Some(url), Some(events)) = (url, events.filter(|_| errors.is_empty())) else {
        return Err(ApiError::Validation(errors));
    };
    let secret = signing::new_secret();
    let now = state.clock.now();
    let id = uuid::Uuid::now_v7().to_string();
    let row = WebhookRow {
        secret: state.webhook_secrets.seal(&id, &secret),
        id,
        url,
        description,
        events: serde_json::to_string(&events).unwrap_or_default(),
        disabled: false,
        previous_secret: None,
        previous_secret_expires_at: None,
        created_at: now,
        updated_at: now,
    };
    let (stored, caller) = (row.clone(), caller.clone());
    state.pauses.point("webhooks.create.before_write").await;
    state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                auth::still_authorized(c, &caller, now)?;
                if db::webhooks::count(c)? >= db::webhooks::MAX_ENDPOINTS {
                    return Err(ApiError::Conflict(Why::id(ids::PROBLEM_DETAIL_WEBHOOKS_FULL).with("max", db::webhooks::MAX_ENDPOINTS)));
                }
                db::webhooks::insert(c, &stored)?;
                let details = serde_json::json!({ "webhook_id": stored.id, "url": stored.url, "events": events });
                Ok(db::audit::record(c, now, audit("webhook.created", &caller, &origin, details))?)
            })
        })
        .await?;
    let shown = Webhook::from_row(row, now);
    Ok(CreatedWebhook {
        id: shown.id,
        url: shown.url,
        events: shown.events,
        description: shown.description,
        disabled: shown.disabled,
        created_at: shown.created_at,
        secret,
    })
}

pub async fn list(state: &AppState) -> Result<WebhookList, ApiError> {
    let rows = state.db.run(db::webhooks::list).await?;
    let now = state.clock.now();
    Ok(WebhookList {
        items: rows
            .into_iter()
            .map(|r| Webhook::from_row(r, now))
            .collect(),
    })
}

pub async fn get(state: &AppState, id: &str) -> Result<Webhook, ApiError> {
    let id = id.to_owned();
    let row = state
        .db
        .run(move |c| db::webhooks::find(c, &id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Webhook::from_row(row, state.clock.now()))
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: WebhookInput,
    origin: ClientAddress,
) -> Result<Webhook, ApiError> {
    let mut errors = Vec::new();
    let events = input
        .events
        .as_deref()
        .map(|e| accept_events(e, &mut errors));
    let description = input
        .description
        .map(|d| accept_description(Some(d), &mut errors));
    let url = match &input.url {
        Some(url) => accept_url(state, url, &mut errors).await,
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (caller, id, disabled) = (caller.clone(), id.to_owned(), input.disabled);
    let clock = state.clock.clone();
    let row = state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                let now = clock.now();
                auth::still_authorized(c, &caller, now)?;
                let mut row = db::webhooks::find(c, &id)?.ok_or(ApiError::NotFound)?;
                let mut changed = Vec::new();
                if let Some(url) = url.filter(|u| *u != row.url) {
                    row.url = url;
                    changed.push("url");
                }
                if let Some(Some(events)) = events {
                    let events = serde_json::to_string(&events).unwrap_or_default();
                    if events != row.events {
                        row.events = events;
                        changed.push("events");
                    }
                }
                if let Some(description) = description.filter(|d| *d != row.description) {
                    row.description = description;
                    changed.push("description");
                }
                if let Some(disabled) = disabled.filter(|d| *d != row.disabled) {
                    row.disabled = disabled;
                    changed.push("disabled");
                }
                if !changed.is_empty() {
                    row.updated_at = now;
                    db::webhooks::update(c, &row)?;
                    let details = serde_json::json!({ "webhook_id": row.id, "changed": changed });
                    db::audit::record(c, now, audit("webhook.updated", &caller, &origin, details))?;
                }
                Ok(row)
            })
        })
        .await?;
    Ok(Webhook::from_row(row, state.clock.now()))
}

pub async fn delete(
    state: &AppState,
    caller: &Caller,
    id: &str,
    origin: ClientAddress,
) -> Result<(), ApiError> {
    let (caller, id) = (caller.clone(), id.to_owned());
    let clock = state.clock.clone();
    state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                let now = clock.now();
                auth::still_authorized(c, &caller, now)?;
                if !db::webhooks::delete(c, &id)? {
                    return Err(ApiError::NotFound);
                }
                let details = serde_json::json!({ "webhook_id": id });
                Ok(db::audit::record(
                    c,
                    now,
                    audit("webhook.deleted", &caller, &origin, details),
                )?)
            })
        })
        .await
}

/// A new secret; the replaced one keeps signing (a second signature) for 24 hours, so
/// receivers can switch without losing a delivery.
pub async fn rotate_secret(
    state: &AppState,
    caller: &Caller,
    id: &str,
    origin: ClientAddress,
) -> Result<RotatedSecret, ApiError> {
    let secret = signing::new_secret();
    let sealed = state.webhook_secrets.seal(id, &secret);
    let (caller, id) = (caller.clone(), id.to_owned());
    let clock = state.clock.clone();
    let expires = state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                let now = clock.now();
                auth::still_authorized(c, &caller, now)?;
                let row = db::webhooks::find(c, &id)?.ok_or(ApiError::NotFound)?;
                let expires = now + chrono::Duration::hours(ROTATION_OVERLAP_HOURS);
                db::webhooks::set_secrets(c, &id, &sealed, Some(&row.secret), Some(expires), now)?;
                let details = serde_json::json!({ "webhook_id": id, "previous_secret_expires_at": expires.and_utc() });
                db::audit::record(c, now, audit("webhook.secret_rotated", &caller, &origin, details))?;
                Ok(expires)
            })
        })
        .await?;
    Ok(RotatedSecret {
        secret,
        previous_secret_expires_at: expires.and_utc(),
    })
}

/// Queues a `webhook.test` event for this endpoint alone.
pub async fn test(state: &AppState, caller: &Caller, id: &str) -> Result<TestEvent, ApiError> {
    let (caller, id) = (caller.clone(), id.to_owned());
    let clock = state.clock.clone();
    let event_id = state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<_, ApiError> {
                let now = clock.now();
                auth::still_authorized(c, &caller, now)?;
                db::webhooks::find(c, &id)?.ok_or(ApiError::NotFound)?;
                let event = Event::of(&events::WebhookTest {
                    webhook_id: id.clone(),
                });
                Ok(webhooks::enqueue_to(c, &id, &event, now)?)
            })
        })
        .await?;
    state.webhook_wake.notify_one();
    Ok(TestEvent { event_id })
}
