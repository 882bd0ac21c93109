//! Languages: the user's `locale`, pages and mails in the user's language, problems in the
//! client's, and the operator's own `.ftl` files.

mod locale_field;
mod mails;
mod operator;
mod pages;
mod problems;
