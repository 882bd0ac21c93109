//! User accounts: create (admin and the `create-admin` command), read, list, update.

mod create;
mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, models::UserRow};
use crate::domain::{LanguageTag, Role, RoleSet, UserId};
use crate::error::ApiError;
use crate::state::AppState;

use super::pagination::{decode_cursor, page_cursor, parse_limit};

pub use create::{create, create_or_promote_admin, CreatedUser, NewAccount};
pub use update::{update, ProfileUpdate};

/// A user as the API shows it. Never a hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "email": "ada@example.com",
    "display_name": "Ada Lovelace", "roles": ["user"], "disabled": false, "password_change_required": false,
    "password_changed_at": "2026-11-25T09:00:00Z", "created_at": "2026-11-25T09:00:00Z",
    "updated_at": "2026-11-25T09:00:00Z", "last_sign_in_at": null, "locale": "da"}))]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    /// Roles held; always includes `user`.
    pub roles: Vec<String>,
    pub disabled: bool,
    pub password_change_required: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// The user's language (BCP 47), for mail; null: the configured default. Always present.
    #[schema(value_type = Option<LanguageTag>, required = true)]
    pub locale: Option<String>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            roles: RoleSet::from_db(&row.roles)
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
            id: row.id.to_string(),
            email: row.email,
            display_name: row.display_name,
            disabled: row.disabled,
            password_change_required: row.password_change_required,
            password_changed_at: row.password_changed_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            last_sign_in_at: row.last_sign_in_at.map(|t| t.and_utc()),
            locale: row.locale,
        }
    }
}

/// `GET /v1/users/{id}`: an id that is no UUID names no user.
pub async fn get(state: &AppState, id: &str) -> Result<User, ApiError> {
    let id = UserId::parse(id).ok_or(ApiError::NotFound)?;
    find(state, id).await
}

pub async fn find(state: &AppState, id: UserId) -> Result<User, ApiError> {
    state
        .db
        .run(move |c| db::users::find(c, &id))
        .await?
        .map(User::from)
        .ok_or(ApiError::NotFound)
}

/// Users by id in one query, in the order asked (the console's reset form and results).
/// At most `limit` ids are read; ids that are no UUID or name no user are left out.
pub async fn find_many(
    state: &AppState,
    ids: &[&str],
    limit: usize,
) -> Result<Vec<User>, ApiError> {
    let wanted: Vec<UserId> = ids
        .iter()
        .take(limit)
        .filter_map(|i| UserId::parse(i))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let order: Vec<String> = wanted.iter().map(UserId::to_string).collect();
    let rows = state
        .db
        .run(move |c| db::users::find_many(c, &wanted))
        .await?;
    let mut by_id: std::collections::HashMap<String, UserRow> =
        rows.into_iter().map(|r| (r.id.to_string(), r)).collect();
    // `remove`: an id asked twice is shown once.
    let found = order
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(User::from)
        .collect();
    Ok(found)
}

/// A page of users and the cursor of the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

pub struct ListQuery {
    pub q: Option<String>,
    pub role: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub async fn list(state: &AppState, query: ListQuery) -> Result<UserPage, ApiError> {
    let limit = parse_limit(query.limit)?;
    let role = match query.role.as_deref() {
        None | Some("") => None,
        Some(name) => Some(
            Role::parse(name)
                .ok_or_else(|| {
                    ApiError::Validation(vec![crate::error::FieldError::new(
                        "role",
                        "invalid_role",
                        format!("unknown role `{name}`"),
                    )
                    .with_arg("role", name.to_owned())])
                })?
                .as_str(),
        ),
    };
    let after_id = decode_cursor(query.cursor.as_deref())?;
    let q = query
        .q
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty());
    if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::Validation(vec![crate::error::FieldError::new(
            "q",
            "too_long",
            "must be at most 200 characters",
        )
        .with_arg("max", 200)]));
    }
    let filter = db::users::ListFilter {
        q,
        role,
        after_id,
        limit,
    };
    let mut rows = state.db.run(move |c| db::users::list(c, &filter)).await?;
    let next_cursor = page_cursor(&mut rows, limit, |r| r.id.to_string());
    Ok(UserPage {
        items: rows.into_iter().map(User::from).collect(),
        next_cursor,
    })
}
