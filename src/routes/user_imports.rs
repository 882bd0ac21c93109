//! Bulk import and full export of users: `/v1/admin/user-imports`, `/v1/admin/user-exports`.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Admin, Authenticated};
use crate::error::ApiError;
use crate::flows::exports;
use crate::flows::imports::{self, Actor, ImportReport, Mode, Options};
use crate::http::client_address;
use crate::i18n::ids;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `create` (default): an existing email is a per-line `conflict`. `upsert`: it is
    /// updated (name, roles, disabled, locale, hash; a new hash revokes its sessions).
    #[serde(default)]
    #[param(schema_with = mode_schema)]
    pub mode: Mode,
    /// Check every line and write nothing; the summary counts what would be created and
    /// updated.
    #[serde(default)]
    #[param(default = false)]
    pub dry_run: bool,
}

/// `mode` as a plain enum with its default: utoipa would wrap a referenced `Mode` in a
/// one-item `oneOf` to give it a default.
fn mode_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["create", "upsert"]))
        .default(Some(serde_json::json!("create")))
        .build()
}

/// Import users (`admin`) from `application/x-ndjson`: one user per line (see
/// `ImportLine`), with a password hash from another system (verified at the next sign-in,
/// then replaced with argon2id), a plain password (hashed now), or neither (only a reset
/// link opens the account). Lines are committed in batches, one transaction each with one
/// `user.imported` audit event per user, the caller's authority checked again in each; a
/// bad line fails alone. The body is streamed: any size up to
/// `PASSGATE__IMPORT__MAX_BODY_BYTES` (1 GiB), no longer than
/// `PASSGATE__SERVER__BODY_TIMEOUT_SECS` between two chunks; lines of at most 16 KiB. An
/// email given on an earlier line (even one that failed) is a `conflict` on every later
/// one. Memory: one line and one batch, plus the set of emails read, 10–21 bytes a line
/// (1.5 times that while it grows): 72 MiB for 1 GiB of lines with hashes, 576 MiB at
/// worst (1 GiB of the shortest lines); the body limit bounds it.
#[utoipa::path(post, path = "/v1/admin/user-imports", tag = "admin", operation_id = "importUsers",
    params(ImportParams),
    request_body(content = ImportLine, content_type = "application/x-ndjson",
        description = "One `ImportLine` object per line (NDJSON); blank lines are skipped."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every line's outcome: the counts, and each failed line with its reason", body = ImportReport),
        (status = 400, description = "`malformed_request`: `mode` or `dry_run` unreadable, or the body could not be read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`: the body is over `PASSGATE__IMPORT__MAX_BODY_BYTES` (batches before the limit stay committed when no Content-Length announced it)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: not `application/x-ndjson`", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/user-imports")]
pub async fn import_users(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    params: web::Query<ImportParams>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ndjson = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-ndjson"));
    if !ndjson {
        return Err(ApiError::UnsupportedMediaType);
    }
    let max_bytes = state.settings.import.max_body_bytes;
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max_bytes) {
        return Err(ApiError::PayloadTooLarge);
    }
    let options = Options {
        mode: params.mode,
        dry_run: params.dry_run,
        max_bytes,
        origin: client_address(&req, &state),
    };
    let body = body.map(|chunk| {
        chunk.map_err(|_| ApiError::Malformed(ids::PROBLEM_DETAIL_BODY_UNREADABLE.into()))
    });
    let actor = Actor::Caller(caller.0);
    let report: ImportReport = imports::run(&state, actor, options, body, |_| {}).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Export every user (`admin`; audited `users.exported`) as `application/x-ndjson` in the
/// import format, `password_hash` included as stored (a string, or a Keycloak credential
/// object), so that importing it with `mode=upsert` restores the same accounts and
/// passwords. A temporary password comes with its `password_expires_at`; one that has
/// expired is left out (the account is then entered through a reset link). Streamed in id
/// order; sent `no-store`.
#[utoipa::path(get, path = "/v1/admin/user-exports", tag = "admin", operation_id = "exportUsers",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One `ImportLine` object per line (NDJSON)", body = ImportLine, content_type = "application/x-ndjson"),
    ))]
#[get("/v1/admin/user-exports")]
pub async fn export_users(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::Caller(caller.0);
    let stream = exports::export(&state, actor, client_address(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(stream))
}

pub use crate::flows::imports::ImportLine;
