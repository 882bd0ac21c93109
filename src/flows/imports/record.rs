//! One line of an import: read as JSON, every field parsed into its domain type, the hash
//! checked against the schemes and bounds of `password::legacy` — no hashing here.

use chrono::{DateTime, NaiveDateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::domain::{DisplayName, Email, LanguageTag, Parsed, RoleSet};
use crate::error::{ApiError, FieldError, Why};
use crate::flows::{accept, passwords};
use crate::i18n::ids;
use crate::password::{legacy, own};
use crate::state::AppState;

/// One user, one line of `application/x-ndjson` (the export writes the same form).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com", "display_name": "Ada Lovelace", "roles": ["user"],
    "password_hash": "pbkdf2_sha256$1000000$Jw9wa2GUvLrO$5ZEmq7cI4Cs2qfZxAGQ6GtJL9ukzEO40C4dTkpcNc1E=",
    "locale": "en"}))]
pub struct ImportLine {
    #[schema(value_type = String, max_length = 254, format = "email")]
    pub email: Parsed<Email>,
    #[schema(value_type = Option<String>, max_length = 200)]
    #[serde(default)]
    pub display_name: Option<Parsed<DisplayName>>,
    /// Default `["user"]`; `user` is always included.
    #[schema(value_type = Option<Vec<String>>)]
    #[serde(default)]
    pub roles: Option<Parsed<RoleSet>>,
    /// Default false.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// A hash in one of the accepted formats (a string, at most 2048 characters), or a
    /// Keycloak password credential as a realm export holds it (an object). Verified at the
    /// next sign-in, then replaced with argon2id. Not with `password`. The export leaves it
    /// out when the account has no password, or only a temporary one that has expired:
    /// such an account is entered through a reset link, there as here.
    #[schema(value_type = Option<super::schema::PasswordHash>)]
    #[serde(default)]
    pub password_hash: Option<serde_json::Value>,
    /// The user's current password in plain text, hashed at import (the policy is not
    /// applied: it is the password the user has now). Not with `password_hash`.
    #[schema(value_type = Option<String>, max_length = 256)]
    #[serde(default)]
    pub password: Option<SecretString>,
    /// When the password (`password_hash` or `password`) stops opening the account, RFC
    /// 3339: a temporary password's expiry, as the export writes it (an extension of the
    /// format; absent: it does not expire). Only with `password_hash` or `password`; an
    /// upsert takes it with a new hash.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default)]
    pub password_expires_at: Option<DateTime<Utc>>,
    /// Default false.
    #[serde(default)]
    pub require_change_on_next_sign_in: Option<bool>,
    /// BCP 47 language tag; `null` or absent: none (an upsert leaves it unless given).
    #[schema(value_type = Option<String>, max_length = 35)]
    #[serde(default, deserialize_with = "nullable")]
    pub locale: Option<Option<Parsed<LanguageTag>>>,
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// What a line gives its account: a hash as it is, a password to hash, or nothing (only
/// a reset link opens the account).
pub enum Secret {
    None,
    Hash {
        stored: String,
        scheme: &'static str,
    },
    Plain(SecretString),
}

/// A line that passed every check of its own.
pub struct Record {
    pub line: u64,
    pub email: Email,
    pub display_name: Option<DisplayName>,
    pub roles: Option<RoleSet>,
    pub disabled: Option<bool>,
    pub secret: Secret,
    /// When the secret stops opening the account (only with one).
    pub expires_at: Option<NaiveDateTime>,
    pub require_change: Option<bool>,
    /// `Some(None)`: clear it.
    pub locale: Option<Option<LanguageTag>>,
}

/// The email of a line that could not be read as a whole, for the failure report.
pub fn email_of(text: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct JustEmail {
        email: Option<String>,
    }
    serde_json::from_slice::<JustEmail>(text)
        .ok()
        .and_then(|j| j.email)
        .filter(|e| e.len() <= 254)
}

/// Reads and checks one line. Errors are the line's failure (`malformed_request`,
/// `validation_failed` with every broken field).
pub fn parse(state: &AppState, line: u64, text: &[u8]) -> Result<Record, ApiError> {
    let raw: ImportLine = serde_json::from_slice(text).map_err(|e| {
        // serde's own words stay English, inside the localised sentence.
        let why = e.to_string();
        let why = why.split(" at line").next().unwrap_or_default().to_owned();
        ApiError::Malformed(
            Why::id(ids::PROBLEM_DETAIL_LINE_NOT_A_USER)
                .with("line", line)
                .with("why", why),
        )
    })?;
    let mut errors = Vec::new();
    let email = accept("email", raw.email, &mut errors);
    let display_name = raw
        .display_name
        .and_then(|d| accept("display_name", d, &mut errors));
    let roles = raw.roles.and_then(|r| accept("roles", r, &mut errors));
    let locale = raw
        .locale
        .map(|l| l.and_then(|tag| accept("locale", tag, &mut errors)));
    let secret = match (raw.password_hash, raw.password) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "password",
                "conflicting_fields",
                "give password_hash or password, not both",
            ));
            Secret::None
        }
        (Some(hash), None) => match stored_form(state, &hash) {
            Ok((stored, scheme)) => Secret::Hash { stored, scheme },
            Err(why) => {
                // The hash format's own words stay English, inside the localised sentence.
                let message = format!("is not a password hash passgate can import: {}", why.0);
                errors.push(
                    FieldError::new("password_hash", "unsupported_hash", message)
                        .with_arg("why", why.0),
                );
                Secret::None
            }
        },
        (None, Some(password)) => {
            if let Err(ApiError::PasswordPolicy(mut too_long)) = passwords::refuse_too_long(
                state,
                "password",
                password.expose_secret(),
                passwords::Presented::New,
            ) {
                errors.append(&mut too_long);
            }
            Secret::Plain(password)
        }
        (None, None) => Secret::None,
    };
    if raw.password_expires_at.is_some() && matches!(secret, Secret::None) && errors.is_empty() {
        errors.push(FieldError::new(
            "password_expires_at",
            "missing_password",
            "goes with password_hash or password",
        ));
    }
    match email {
        Some(email) if errors.is_empty() => Ok(Record {
            line,
            email,
            display_name,
            roles,
            disabled: raw.disabled,
            secret,
            expires_at: raw.password_expires_at.map(|t| t.naive_utc()),
            require_change: raw.require_change_on_next_sign_in,
            locale,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// The text stored for a given hash (a Keycloak object in its canonical form), and its
/// scheme, or why it is refused.
fn stored_form(
    state: &AppState,
    hash: &serde_json::Value,
) -> Result<(String, &'static str), legacy::Unsupported> {
    let stored = match hash {
        serde_json::Value::String(s) => s.clone(),
        object @ serde_json::Value::Object(_) => legacy::canonical_credential(object)?,
        _ => {
            return Err(legacy::Unsupported(
                "a string, or a Keycloak credential object".into(),
            ))
        }
    };
    // An argon2id with the parameters configured here (another passgate's export with the
    // same settings) costs what every sign-in here costs already: the bounds, which keep
    // an import from making sign-ins costlier, have nothing to refuse in it.
    let h = &state.settings.hashing;
    if stored.len() <= legacy::bounds::MAX_HASH_LEN
        && own::has_params(&stored, h.memory_kib, h.iterations, h.parallelism)
    {
        return Ok((stored, "argon2id"));
    }
    let scheme = legacy::parse(&stored)?.scheme;
    Ok((stored, scheme))
}
