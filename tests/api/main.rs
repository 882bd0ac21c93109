//! Integration tests: each starts the real app on a random port with its own database — a
//! SQLite file in a temporary directory, or, when `PASSGATE_TEST_DATABASE_URL` names a
//! PostgreSQL server, a database created for the test and dropped after it.

mod admin_reset;
mod admin_users;
mod api_keys;
mod audit;
mod automation;
mod bounds;
mod breach;
mod change_password;
mod cli;
mod console_pages;
mod console_session;
mod crash;
mod draining;
mod hashing;
mod helpers;
mod hostile;
mod imports;
mod internal_errors;
mod languages;
mod lockout;
mod operations;
mod pages;
mod password_reset;
mod resilience;
mod scale_out;
mod sign_in;
mod smtp;
mod spec_inputs;
mod tokens;
mod webhook_events;
mod webhook_instances;
mod webhook_retention;
mod webhook_rollback;
mod webhooks;
