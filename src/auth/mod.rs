//! Who is calling: JWT keys and token issue/verify, opaque token helpers, and the `Caller`
//! extractor that enforces signature, security version, scope and roles for every route.

pub mod caller;
pub mod jwt;
pub mod opaque;

pub use caller::{
    still_authorized, Admin, AnyUser, Authenticated, Caller, CallerKind, PasswordAdmin, SelfService,
};
pub use jwt::{Claims, JwtKeys};
