//! The events other services can subscribe to, and the body each is delivered with:
//! `{"type", "timestamp", "data"}`, serialised once when queued so every attempt sends the
//! same bytes. Payloads carry ids and kinds only: never a password, hash, token, key secret
//! or link. Each type's schema is in the OpenAPI document (`…Event` components).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// Every event type an endpoint may subscribe to (or `"*"` for all).
pub const EVENT_TYPES: [&str; 10] = [
    "password.changed",
    "password.reset_requested",
    "user.created",
    "user.updated",
    "user.disabled",
    "user.locked",
    "user.imported",
    "api_key.created",
    "api_key.revoked",
    "webhook.test",
];

/// A queued event: its type and its `data`.
#[derive(Debug, Clone)]
pub struct Event {
    event_type: &'static str,
    data: serde_json::Value,
}

/// A payload of one event type.
pub trait EventData: Serialize {
    const TYPE: &'static str;
}

impl Event {
    pub fn of<D: EventData>(data: &D) -> Self {
        Self {
            event_type: D::TYPE,
            data: serde_json::to_value(data).unwrap_or_default(),
        }
    }

    pub fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// The delivered body; `timestamp` is the event's time.
    pub fn body(&self, at: NaiveDateTime) -> String {
        #[derive(Serialize)]
        struct Envelope<'a> {
            #[serde(rename = "type")]
            event_type: &'a str,
            timestamp: DateTime<Utc>,
            data: &'a serde_json::Value,
        }
        serde_json::to_string(&Envelope {
            event_type: self.event_type,
            timestamp: at.and_utc(),
            data: &self.data,
        })
        .unwrap_or_default()
    }
}

/// How a password changed.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PasswordChangeKind {
    /// The user, with their current password (API or hosted page).
    #[serde(rename = "self")]
    SelfService,
    /// An admin (or an API key) reset it.
    Admin,
    /// Through an emailed reset link.
    Reset,
}

/// `password.changed`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PasswordChanged {
    pub user_id: String,
    pub kind: PasswordChangeKind,
    /// The user or API key that made the change (the user themself for `self` and `reset`);
    /// null for the command line.
    #[schema(required)]
    pub actor_id: Option<String>,
}

/// `password.reset_requested`: sent only for real, enabled accounts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PasswordResetRequested {
    pub user_id: String,
}

/// `user.created`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserCreated {
    pub user_id: String,
    #[schema(required)]
    pub actor_id: Option<String>,
}

/// `user.updated`: which fields changed (`display_name`, `roles`, `disabled`, `locale`, …),
/// never their values.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserUpdated {
    pub user_id: String,
    #[schema(required)]
    pub actor_id: Option<String>,
    pub changed: Vec<String>,
}

/// `user.disabled` (sent besides `user.updated`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDisabled {
    pub user_id: String,
    #[schema(required)]
    pub actor_id: Option<String>,
}

/// `user.locked`: one source was locked out of the account after too many failures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserLocked {
    pub user_id: String,
    /// When the source may try again.
    pub until: DateTime<Utc>,
    /// The locked-out source as the lockout records it: an IPv4 address, an IPv6 /64, or
    /// `unknown`.
    pub source: String,
    /// How many times in a row this source has been locked out of the account.
    pub lockout: i32,
}

/// `user.imported`: one per import request, with its counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UsersImported {
    #[schema(required)]
    pub actor_id: Option<String>,
    pub received: u64,
    pub created: u64,
    pub updated: u64,
    pub failed: u64,
}

/// `api_key.created`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    pub api_key_id: String,
    #[schema(required)]
    pub actor_id: Option<String>,
    pub roles: Vec<String>,
}

/// `api_key.revoked`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyRevoked {
    pub api_key_id: String,
    #[schema(required)]
    pub actor_id: Option<String>,
}

/// `webhook.test`: sent by `POST /v1/admin/webhooks/{id}/test`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookTest {
    pub webhook_id: String,
}

fn type_schema(name: &str) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([name]))
        .description(Some("The event type."))
        .build()
}

macro_rules! event_types {
    ($($data:ident => $name:literal, $envelope:ident;)*) => {
        $(
            impl EventData for $data {
                const TYPE: &'static str = $name;
            }

            #[doc = concat!("The body of a `", $name, "` delivery.")]
            #[derive(Debug, Clone, Serialize, ToSchema)]
            pub struct $envelope {
                #[serde(rename = "type")]
                #[schema(schema_with = $envelope::type_schema)]
                pub event_type: String,
                /// When the event happened.
                pub timestamp: DateTime<Utc>,
                pub data: $data,
            }

            impl $envelope {
                /// `type` as a one-value enum, so a receiver's generated types can tell
                /// the bodies apart by it.
                fn type_schema() -> utoipa::openapi::Object {
                    type_schema($name)
                }
            }
        )*

        /// Each event type with the schema names of its body and of its `data`, in the
        /// order of [`EVENT_TYPES`]: the spec's `webhooks` section is made from this.
        pub const EVENT_SCHEMAS: [EventSchemas; EVENT_TYPES.len()] = [
            $(EventSchemas { event_type: $name, body: stringify!($envelope), data: stringify!($data) },)*
        ];
    };
}

/// Where one event type is described in the OpenAPI document.
#[derive(Debug, Clone, Copy)]
pub struct EventSchemas {
    pub event_type: &'static str,
    /// The component describing the whole delivery body.
    pub body: &'static str,
    /// The component describing its `data`, whose description says when it is sent.
    pub data: &'static str,
}

event_types! {
    PasswordChanged => "password.changed", PasswordChangedEvent;
    PasswordResetRequested => "password.reset_requested", PasswordResetRequestedEvent;
    UserCreated => "user.created", UserCreatedEvent;
    UserUpdated => "user.updated", UserUpdatedEvent;
    UserDisabled => "user.disabled", UserDisabledEvent;
    UserLocked => "user.locked", UserLockedEvent;
    UsersImported => "user.imported", UserImportedEvent;
    ApiKeyCreated => "api_key.created", ApiKeyCreatedEvent;
    ApiKeyRevoked => "api_key.revoked", ApiKeyRevokedEvent;
    WebhookTest => "webhook.test", WebhookTestEvent;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_type_timestamp_data() {
        let at = DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        let body = Event::of(&WebhookTest {
            webhook_id: "w".into(),
        })
        .body(at);
        assert_eq!(
            body,
            r#"{"type":"webhook.test","timestamp":"2027-01-15T08:00:00Z","data":{"webhook_id":"w"}}"#
        );
    }
}
