//! Who is calling: JWT keys and token issue/verify, API-key authentication, opaque token
//! helpers, and the `Caller` with the scope, role and still-authorized checks every route
//! and write relies on. Reading them off a request is `http::bearer`.

pub mod api_key;
pub mod caller;
pub mod jwt;
pub mod opaque;

pub use caller::{
    still_authorized, Admin, AnyUser, Authenticated, Caller, CallerKind, PasswordAdmin, SelfService,
};
pub use jwt::{Claims, JwtKeys};
