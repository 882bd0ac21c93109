//! passgate: a password-management identity service.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod flows;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod password;
pub mod pauses;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod webhooks;
