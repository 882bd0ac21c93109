//! Value types that can only hold valid values. Request bodies and the command line parse into
//! these at the edge and flows work with them; storage takes the stored text forms (`&str` ids,
//! the normalised email).

mod display_name;
mod email;
mod field;
mod key_name;
mod language_tag;
pub mod patterns;
mod role;
mod user_id;

pub use display_name::DisplayName;
pub use email::{Email, EmailRefusal};
pub use field::{Field, Parsed, Refusal};
pub use key_name::KeyName;
pub use language_tag::LanguageTag;
pub use role::{may_reset, Role, RoleSet};
pub use user_id::UserId;
