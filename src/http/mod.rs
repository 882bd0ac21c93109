//! What routes and pages share about reading a request: who is calling (the `Caller`
//! extractor over `auth`) and where the request came from.

pub mod bearer;
pub mod client_address;

pub use client_address::{client_address, client_ip};
