//! Changing an account: display name, roles, disabled, language.

use crate::auth::{self, Caller};
use crate::db::{self, audit::NewEvent, write_tx};
use crate::domain::{DisplayName, LanguageTag, Parsed, RoleSet, UserId};
use crate::error::ApiError;
use crate::flows::{accept, ClientAddress};
use crate::state::AppState;
use crate::webhooks::{self, events, Event};

use super::User;

/// Changes to a user, each field parsed where it was read; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<Parsed<DisplayName>>,
    /// The complete new set.
    pub roles: Option<Parsed<RoleSet>>,
    pub disabled: Option<bool>,
    /// `Some(None)` clears the language (mail then uses the default).
    pub locale: Option<Option<Parsed<LanguageTag>>>,
}

/// `PATCH /v1/admin/users/{id}`. A change of roles or of `disabled` bumps the security
/// version (every earlier token dies); disabling also revokes every session. Admins may
/// not change their own roles or disable themselves, so the last admin cannot lock
/// everyone out by accident.
pub async fn update(
    state: &AppState,
    actor: Option<&Caller>,
    id: &str,
    update: ProfileUpdate,
    origin: ClientAddress,
) -> Result<User, ApiError> {
    let id = UserId::parse(id).ok_or(ApiError::NotFound)?;
    let mut errors = Vec::new();
    let display_name = update
        .display_name
        .map(|d| accept("display_name", d, &mut errors));
    let roles = update.roles.map(|r| accept("roles", r, &mut errors));
    let locale = update
        .locale
        .map(|l| l.map(|l| accept("locale", l, &mut errors)));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let locale: Option<Option<String>> = locale.map(|l| l.flatten().map(LanguageTag::into_inner));
    let (display_name, roles) = (display_name.flatten(), roles.flatten());
    let actor = actor.cloned();
    let disabled = update.disabled;
    let takes_authority = roles.is_some() || disabled == Some(true);
    let pauses = state.pauses.clone();
    let clock = state.clock.clone();
    let row = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                let now = clock.now();
                // Before any read: two admins demoting each other at once must not both see
                // the other still in charge (contract: "Roles", last admin).
                match &actor {
                    Some(caller) => auth::still_authorized(c, caller, now)?,
                    None if takes_authority => db::users::lock_authority(c)?,
                    None => {}
                }
                let current = db::users::find_for_update(c, &id)?.ok_or(ApiError::NotFound)?;
                let current_roles = RoleSet::from_db(&current.roles);
                let roles_changed = roles.as_ref().is_some_and(|r| *r != current_roles);
                let disabled_changed = disabled.is_some_and(|d| d != current.disabled);
                let locale_changed = locale.as_ref().is_some_and(|l| *l != current.locale);
                let own = actor
                    .as_ref()
                    .is_some_and(|a| a.user_id() == Some(current.id));
                if own && (roles_changed || disabled_changed) {
                    return Err(ApiError::Forbidden(
                        crate::i18n::ids::PROBLEM_DETAIL_OWN_ROLES.into(),
                    ));
                }
                let change = db::users::ProfileChange {
                    display_name: display_name.as_ref().map(|d| d.as_str().to_owned()),
                    roles: roles.as_ref().filter(|_| roles_changed).map(RoleSet::to_db),
                    disabled: disabled.filter(|_| disabled_changed),
                    locale: locale.clone().filter(|_| locale_changed),
                };
                db::users::update_profile(c, &id, &change, roles_changed || disabled_changed, now)?;
                if roles_changed || disabled_changed {
                    // The bumped security version already kills every access token; the
                    // sessions go too, so a demoted or disabled user cannot refresh.
                    db::refresh_tokens::revoke_all_for_user(c, &id, now)?;
                }
                if disabled == Some(true) && disabled_changed {
                    // A disabled account's reset links die now, not when it is re-enabled.
                    db::reset_tokens::void_all(c, &id, now)?;
                }
                if takes_authority && db::users::count_enabled_admins(c)? == 0 {
                    return Err(ApiError::Conflict(
                        crate::i18n::ids::PROBLEM_DETAIL_LAST_ADMIN.into(),
                    ));
                }
                pauses.point_blocking("users.update.checked");
                let mut changed = Vec::new();
                if change.display_name.is_some() {
                    changed.push("display_name");
                }
                if roles_changed {
                    changed.push("roles");
                }
                if disabled_changed {
                    changed.push("disabled");
                }
                if locale_changed {
                    changed.push("locale");
                }
                let mut event = NewEvent::new("user.updated")
                    .target(id)
                    .client_ip(origin.client_ip)
                    .details(serde_json::json!({
                        "changed": changed,
                        "roles": roles.as_ref().map(RoleSet::names),
                        "disabled": disabled,
                        "locale": locale.as_ref().filter(|_| locale_changed),
                    }));
                event = match &actor {
                    Some(caller) => event.actor(caller.id.as_str()),
                    None => event.by_command_line(),
                };
                db::audit::record(c, now, event)?;
                let actor_id = actor.as_ref().map(|a| a.id.clone());
                if !changed.is_empty() {
                    let updated = events::UserUpdated {
                        user_id: id.to_string(),
                        actor_id: actor_id.clone(),
                        changed: changed.iter().map(|f| f.to_string()).collect(),
                    };
                    webhooks::enqueue(c, &Event::of(&updated), now)?;
                }
                if disabled == Some(true) && disabled_changed {
                    let user_id = id.to_string();
                    let disabled = events::UserDisabled { user_id, actor_id };
                    webhooks::enqueue(c, &Event::of(&disabled), now)?;
                }
                db::users::find(c, &id)?.ok_or(ApiError::NotFound)
            })
        })
        .await?;
    state.webhook_wake.notify_one();
    Ok(row.into())
}
