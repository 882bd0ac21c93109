//! Creating accounts: `POST /v1/admin/users` and `passgate create-admin`.

use chrono::{DateTime, Duration, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{self, Caller};
use crate::db::{self, audit::NewEvent, models::NewUser, write_tx};
use crate::domain::{DisplayName, Email, RoleSet, UserId};
use crate::error::{ApiError, FieldError};
use crate::flows::{hash_error, passwords, Origin};
use crate::password::{self, generate_temporary_password, PolicyInput};
use crate::state::AppState;

use super::{update, ProfileUpdate, User};

/// Input of `create`, already read from JSON.
#[derive(Debug, Default)]
pub struct NewAccount {
    pub email: String,
    pub display_name: Option<String>,
    pub roles: Option<Vec<String>>,
    pub password: Option<String>,
    pub require_change_on_next_sign_in: Option<bool>,
}

/// The created user, and the generated temporary password (shown once) if there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: User,
    /// Present only when passgate generated the password; shown this once, never stored in
    /// plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
    /// When the temporary password stops working (only when a change is required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password_expires_at: Option<DateTime<Utc>>,
}

struct ValidAccount {
    email: Email,
    display_name: Option<DisplayName>,
    roles: RoleSet,
}

fn parse_account(input: &NewAccount) -> Result<ValidAccount, Vec<FieldError>> {
    let mut errors = Vec::new();
    let email = Email::parse(&input.email)
        .map_err(|why| errors.push(FieldError::new("email", "invalid_email", why)))
        .ok();
    let display_name = match &input.display_name {
        Some(raw) => DisplayName::parse(raw)
            .map(Some)
            .map_err(|why| {
                errors.push(FieldError::new("display_name", "invalid_display_name", why))
            })
            .unwrap_or(None),
        None => None,
    };
    let roles = match &input.roles {
        Some(names) => RoleSet::parse(names)
            .map_err(|why| errors.push(FieldError::new("roles", "invalid_role", why)))
            .unwrap_or_else(|_| RoleSet::user()),
        None => RoleSet::user(),
    };
    match email {
        Some(email) if errors.is_empty() => Ok(ValidAccount {
            email,
            display_name,
            roles,
        }),
        _ => Err(errors),
    }
}

/// `POST /v1/admin/users` (actor given) and `passgate create-admin` (no actor).
///
/// No password: a generated temporary one, shown once, that must be changed at first
/// sign-in and expires after `ADMIN__TEMPORARY_PASSWORD_TTL_SECS`. A given password passes
/// the policy and is usable as it is unless a change is required.
pub async fn create(
    state: &AppState,
    actor: Option<&Caller>,
    input: NewAccount,
    origin: Origin,
) -> Result<CreatedUser, ApiError> {
    if let Some(pw) = &input.password {
        if state.policy.is_too_long(pw) {
            return Err(ApiError::PasswordPolicy(vec![state
                .policy
                .too_long_error("password")]));
        }
    }
    let account = parse_account(&input).map_err(ApiError::Validation)?;
    let (password, generated) = match &input.password {
        Some(given) => {
            let normalized = password::normalize(given);
            passwords::check_without_history(
                state,
                "password",
                PolicyInput {
                    password: normalized.expose_secret(),
                    email: Some(account.email.as_str()),
                    display_name: account.display_name.as_ref().map(DisplayName::as_str),
                },
            )
            .await?;
            (normalized, false)
        }
        None => (generate_temporary_password(), true),
    };
    let require_change = input.require_change_on_next_sign_in.unwrap_or(generated);

    // Refuse a taken email before spending a hash on it (the insert still guards the race).
    let normalized_email = account.email.normalized();
    if state
        .db
        .run(move |c| db::users::find_by_email(c, &normalized_email))
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(
            "A user with this email already exists.".into(),
        ));
    }
    let hash = state
        .hasher
        .hash(password.clone())
        .await
        .map_err(hash_error)?;

    let now = state.clock.now();
    let expires_at = require_change
        .then(|| now + Duration::seconds(state.settings.admin.temporary_password_ttl_secs as i64));
    let row = NewUser {
        id: UserId::new().to_string(),
        email: account.email.as_str().to_owned(),
        email_normalized: account.email.normalized(),
        display_name: account.display_name.map(DisplayName::into_inner),
        roles: account.roles.to_db(),
        password_hash: Some(hash),
        password_expires_at: expires_at,
        security_version: 1,
        password_changed_at: Some(now),
        password_change_required: require_change,
        disabled: false,
        failed_attempts: 0,
        lockout_count: 0,
        created_at: now,
        updated_at: now,
    };
    let actor = actor.cloned();
    let id = row.id.clone();
    let created = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                if let Some(caller) = &actor {
                    auth::still_authorized(c, caller, now)?;
                }
                db::users::insert(c, &row)?;
                let mut event = NewEvent::new("user.created")
                    .target(row.id.as_str())
                    .client_ip(origin.client_ip)
                    .details(serde_json::json!({
                        "roles": RoleSet::from_db(&row.roles).names(),
                        "generated_password": generated,
                        "password_change_required": require_change,
                    }));
                if let Some(caller) = &actor {
                    event = event.actor(caller.id.as_str());
                }
                db::audit::record(c, now, event)?;
                db::users::find(c, &id)?.ok_or(ApiError::NotFound)
            })
        })
        .await?;
    Ok(CreatedUser {
        user: created.into(),
        temporary_password: generated.then(|| password.expose_secret().to_owned()),
        temporary_password_expires_at: expires_at.map(|t| t.and_utc()),
    })
}

/// `passgate create-admin`: creates an admin, or gives an existing user the admin role.
/// Returns the user and, for a new user without a given password, the temporary password.
pub async fn create_or_promote_admin(
    state: &AppState,
    email: &str,
    password: Option<String>,
) -> Result<(CreatedUser, bool), ApiError> {
    let parsed =
        Email::parse(email).map_err(|why| ApiError::validation("email", "invalid_email", why))?;
    let normalized = parsed.normalized();
    let existing = state
        .db
        .run(move |c| db::users::find_by_email(c, &normalized))
        .await?;
    let Some(existing) = existing else {
        let created = create(
            state,
            None,
            NewAccount {
                email: email.to_owned(),
                roles: Some(vec!["admin".into()]),
                password,
                ..NewAccount::default()
            },
            Origin::default(),
        )
        .await?;
        return Ok((created, true));
    };
    let mut roles: Vec<String> = RoleSet::from_db(&existing.roles)
        .names()
        .into_iter()
        .map(String::from)
        .collect();
    roles.push("admin".into());
    let id = existing.id.clone();
    let user = update(
        state,
        None,
        &id,
        ProfileUpdate {
            roles: Some(roles),
            ..ProfileUpdate::default()
        },
        Origin::default(),
    )
    .await?;
    Ok((
        CreatedUser {
            user,
            temporary_password: None,
            temporary_password_expires_at: None,
        },
        false,
    ))
}
