use std::collections::BTreeSet;
use std::fmt;

use super::field::{Field, Refusal};

/// A role. The order is rank: a caller may act on a user only when no role of the target
/// ranks above every role of the caller (see `may_reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    User,
    PasswordAdmin,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::User, Role::PasswordAdmin, Role::Admin];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::PasswordAdmin => "password_admin",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The roles a user holds. Always contains `user`: everyone is a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSet(BTreeSet<Role>);

impl RoleSet {
    pub fn user() -> Self {
        Self(BTreeSet::from([Role::User]))
    }

    pub fn from_roles(roles: impl IntoIterator<Item = Role>) -> Self {
        let mut set: BTreeSet<Role> = roles.into_iter().collect();
        set.insert(Role::User);
        Self(set)
    }

    /// Parses role names; the error names the first unknown one.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, Refusal> {
        let mut roles = Vec::with_capacity(names.len());
        for name in names {
            let name = name.as_ref();
            roles.push(Role::parse(name).ok_or_else(|| {
                Refusal::from(format!("unknown role `{name}`")).with("role", name)
            })?);
        }
        Ok(Self::from_roles(roles))
    }

    /// The stored form: comma-separated, in rank order (e.g. `user,admin`).
    pub fn to_db(&self) -> String {
        self.names().join(",")
    }

    /// Reads the stored form; unknown names (from a newer version) are ignored.
    pub fn from_db(raw: &str) -> Self {
        Self::from_roles(raw.split(',').filter_map(Role::parse))
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(Role::as_str).collect()
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn highest(&self) -> Role {
        self.0.iter().next_back().copied().unwrap_or(Role::User)
    }

    /// No role here outranks `other`'s highest: what a credential made by `other` may hold.
    pub fn within_rank_of(&self, other: &RoleSet) -> bool {
        self.highest() <= other.highest()
    }
}

/// Who may reset whose password through the admin routes — the single place this rule lives.
///
/// - `admin` may reset anyone but themself;
/// - `password_admin` may reset users whose roles are only `user` and/or `password_admin`;
/// - `user` may reset nobody;
/// - nobody resets their own password here (they use `POST /v1/me/password`).
pub fn may_reset(caller: &RoleSet, target: &RoleSet, is_self: bool) -> bool {
    if is_self {
        return false;
    }
    match caller.highest() {
        Role::Admin => true,
        Role::PasswordAdmin => target.highest() <= Role::PasswordAdmin,
        Role::User => false,
    }
}

impl Field for RoleSet {
    type Raw = Vec<String>;
    const INVALID: &'static str = "invalid_role";
    fn from_raw(raw: Vec<String>) -> Result<Self, Refusal> {
        Self::parse(&raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(roles: &[Role]) -> RoleSet {
        RoleSet::from_roles(roles.iter().copied())
    }

    #[test]
    fn roles_round_trip_through_storage() {
        let roles = RoleSet::parse(&["admin", "password_admin"]).unwrap();
        assert_eq!(roles.to_db(), "user,password_admin,admin");
        assert_eq!(RoleSet::from_db(&roles.to_db()), roles);
        assert!(RoleSet::parse(&["root"]).is_err());
    }

    #[test]
    fn credentials_never_outrank_their_creator() {
        use Role::*;
        assert!(set(&[PasswordAdmin]).within_rank_of(&set(&[Admin])));
        assert!(set(&[Admin]).within_rank_of(&set(&[Admin])));
        assert!(!set(&[Admin]).within_rank_of(&set(&[PasswordAdmin])));
        assert!(!set(&[PasswordAdmin]).within_rank_of(&set(&[User])));
    }

    #[test]
    fn reset_matrix() {
        use Role::*;
        let user = set(&[User]);
        let pw_admin = set(&[PasswordAdmin]);
        let admin = set(&[Admin]);
        // (caller, target, is_self, allowed)
        let cases = [
            (&pw_admin, &user, false, true),
            (&pw_admin, &pw_admin, false, true),
            (&pw_admin, &admin, false, false),
            (&pw_admin, &pw_admin, true, false),
            (&admin, &admin, false, true),
            (&admin, &user, false, true),
            (&admin, &pw_admin, false, true),
            (&admin, &admin, true, false),
            (&user, &user, false, false),
            (&user, &user, true, false),
        ];
        for (caller, target, is_self, allowed) in cases {
            assert_eq!(
                may_reset(caller, target, is_self),
                allowed,
                "{caller:?} -> {target:?} (self: {is_self})"
            );
        }
    }
}
