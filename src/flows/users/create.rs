//! Creating accounts: `POST /v1/admin/users` and `passgate create-admin`.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{self, Caller};
use crate::db::{self, audit::NewEvent, models::NewUser, write_tx};
use crate::domain::{DisplayName, Email, LanguageTag, Parsed, RoleSet, UserId};
use crate::error::ApiError;
use crate::flows::{accept, hash_error, passwords, ClientAddress};
use crate::password::{self, generate_temporary_password, PolicyInput};
use crate::state::AppState;
use crate::webhooks::{self, events, Event};

use super::{update, ProfileUpdate, User};

/// Input of `create`, each field parsed where it was read (JSON, the command line).
#[derive(Debug)]
pub struct NewAccount {
    pub email: Parsed<Email>,
    pub display_name: Option<Parsed<DisplayName>>,
    /// Absent: `user` only.
    pub roles: Option<Parsed<RoleSet>>,
    pub password: Option<SecretString>,
    pub require_change_on_next_sign_in: Option<bool>,
    /// The user's language; absent: none (mail uses the default).
    pub locale: Option<Parsed<LanguageTag>>,
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
    locale: Option<LanguageTag>,
}

/// Every refused field at once.
fn accept_account(
    email: Parsed<Email>,
    display_name: Option<Parsed<DisplayName>>,
    roles: Option<Parsed<RoleSet>>,
    locale: Option<Parsed<LanguageTag>>,
) -> Result<ValidAccount, ApiError> {
    let mut errors = Vec::new();
    let email = accept("email", email, &mut errors);
    let display_name = display_name.map(|d| accept("display_name", d, &mut errors));
    let roles = roles.map(|r| accept("roles", r, &mut errors));
    let locale = locale.map(|l| accept("locale", l, &mut errors));
    match email {
        Some(email) if errors.is_empty() => Ok(ValidAccount {
            email,
            display_name: display_name.flatten(),
            roles: roles.flatten().unwrap_or_else(RoleSet::user),
            locale: locale.flatten(),
        }),
        _ => Err(ApiError::Validation(errors)),
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
    origin: ClientAddress,
) -> Result<CreatedUser, ApiError> {
    let NewAccount {
        email,
        display_name,
        roles,
        password,
        require_change_on_next_sign_in,
        locale,
    } = input;
    if let Some(pw) = &password {
        passwords::refuse_too_long(
            state,
            "password",
            pw.expose_secret(),
            passwords::Presented::New,
        )?;
    }
    let account = accept_account(email, display_name, roles, locale)?;
    let (password, generated) = match &password {
        Some(given) => {
            let normalized = password::normalize(given.expose_secret());
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
    let require_change = require_change_on_next_sign_in.unwrap_or(generated);

    // Refuse a taken email before spending a hash on it (the insert still guards the race).
    let normalized_email = account.email.normalized();
    if state
        .db
        .run(move |c| db::users::find_by_email(c, &normalized_email))
        .await?
        .is_some()
    {
        return Err(email_taken());
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
        id: UserId::new(),
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
        created_at: now,
        updated_at: now,
        locale: account.locale.map(LanguageTag::into_inner),
    };
    let actor = actor.cloned();
    let id = row.id;
    let created = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                if let Some(caller) = &actor {
                    auth::still_authorized(c, caller, now)?;
                }
                db::users::insert(c, &row).map_err(|e| match e {
                    db::Error::Unique { .. } => email_taken(),
                    other => other.into(),
                })?;
                let mut event = NewEvent::new("user.created")
                    .target(row.id)
                    .client_ip(origin.client_ip)
                    .details(serde_json::json!({
                        "roles": RoleSet::from_db(&row.roles).names(),
                        "generated_password": generated,
                        "password_change_required": require_change,
                    }));
                event = match &actor {
                    Some(caller) => event.actor(caller.id.as_str()),
                    None => event.by_command_line(),
                };
                db::audit::record(c, now, event)?;
                webhooks::enqueue(
                    c,
                    &Event::of(&events::UserCreated {
                        user_id: row.id.to_string(),
                        actor_id: actor.as_ref().map(|a| a.id.clone()),
                    }),
                    now,
                )?;
                db::users::find(c, &id)?.ok_or(ApiError::NotFound)
            })
        })
        .await?;
    state.webhook_wake.notify_one();
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
    password: Option<SecretString>,
) -> Result<(CreatedUser, bool), ApiError> {
    let parsed = Email::parse(email).map_err(|why| crate::flows::invalid_email("email", why))?;
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
                email: Parsed::from_raw(email.to_owned()),
                display_name: None,
                roles: Some(Parsed::from_raw(vec!["admin".into()])),
                password,
                require_change_on_next_sign_in: None,
                locale: None,
            },
            ClientAddress::default(),
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
    let id = existing.id;
    let user = update(
        state,
        None,
        &id.to_string(),
        ProfileUpdate {
            roles: Some(Parsed::from_raw(roles)),
            ..ProfileUpdate::default()
        },
        ClientAddress::default(),
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

fn email_taken() -> ApiError {
    ApiError::Conflict(crate::i18n::ids::PROBLEM_DETAIL_EMAIL_TAKEN.into())
}
