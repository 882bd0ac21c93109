//! Operational routes: liveness, readiness, metrics (management listener only), published
//! keys and the spec.

use std::sync::atomic::Ordering;

use actix_web::{get, http::header::ContentType, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Status {
    pub status: &'static str,
}

/// Liveness: 200 while the process runs.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz", security(()),
    responses((status = 200, description = "The process is running", body = Status)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Readiness: 200 when the database answers and no shutdown has begun, else 503
/// `unavailable`. From SIGTERM/SIGINT on it answers 503 (the detail says the instance is
/// shutting down) while `/healthz` stays 200 and in-flight requests finish.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz", security(()),
    responses(
        (status = 200, description = "The database answers and the instance is not shutting down", body = Status),
        (status = 503, description = "`unavailable`: the database is unreachable, or the instance is shutting down (SIGTERM/SIGINT received; it finishes the requests under way)", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.draining.load(Ordering::Acquire) {
        return Err(ApiError::ShuttingDown);
    }
    state.db.run(db::ping).await?;
    Ok(HttpResponse::Ok().json(Status { status: "ready" }))
}

/// Prometheus metrics (text exposition format). Served only on the management listener, so
/// it is not in the public spec.
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (active, idle) = state.db.pool_state();
    state
        .metrics
        .db_pool_connections
        .with_label_values(&["active"])
        .set(active as i64);
    state
        .metrics
        .db_pool_connections
        .with_label_values(&["idle"])
        .set(idle as i64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

/// The public keys that verify access tokens (empty under HS256).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "operations", operation_id = "jwks", security(()),
    responses((status = 200, description = "JSON Web Key Set", body = Object,
        example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "alg": "EdDSA", "use": "sig"}]}))))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.jwt.jwks())
}

/// This OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", operation_id = "openapi", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
#[get("/openapi.json")]
pub async fn openapi_json(spec: web::Data<ServedSpec>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(spec.0)
}

/// The document `/openapi.json` serves. The document is built from these very handlers
/// (`openapi`), so start-up hands it in rather than this module reaching up for it.
pub struct ServedSpec(pub &'static str);
