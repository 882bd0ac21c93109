use std::fmt;

use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use uuid::Uuid;

/// A user's id: a UUID (v7 for new users, so ids sort by creation time). Stored as TEXT
/// (the `ToSql`/`FromSql` impls are in `db::user_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct UserId(Uuid);

impl UserId {
    /// The all-zero UUID: never a user's id (new ids are v7).
    pub const NIL: Self = Self(Uuid::nil());

    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Uuid::parse_str(raw).ok().map(Self)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hyphenated lower-case: the stored form, which sorts like the v7 timestamp.
        write!(f, "{}", self.0.hyphenated())
    }
}

impl From<UserId> for String {
    fn from(id: UserId) -> Self {
        id.to_string()
    }
}
