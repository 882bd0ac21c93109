//! The audit log: `/v1/admin/audit-events`.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Admin, Authenticated};
use crate::error::{ApiError, Problem};
use crate::flows::audit_log::{self, AuditEventPage, AuditQuery};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Events about this user (target).
    pub user_id: Option<String>,
    /// Events by this actor (user or API key id).
    pub actor_id: Option<String>,
    /// e.g. `auth.sign_in_failed`.
    pub action: Option<String>,
    /// RFC 3339; events at or after.
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// RFC 3339; events before.
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "super::integral::optional_in_query")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; absent or empty: the first page.
    pub cursor: Option<String>,
}

/// Audit events, newest first (`admin`). Append-only; each was written in the same
/// transaction as the change it records.
#[utoipa::path(get, path = "/v1/admin/audit-events", tag = "admin", operation_id = "listAuditEvents",
    params(AuditParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of events", body = AuditEventPage),
        (status = 400, description = "`malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (limit, time or cursor)", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/admin/audit-events")]
pub async fn list_events(
    state: web::Data<AppState>,
    _caller: Authenticated<Admin>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = audit_log::list(
        &state,
        AuditQuery {
            user_id: p.user_id,
            actor_id: p.actor_id,
            action: p.action,
            since: p.since,
            until: p.until,
            limit: p.limit,
            cursor: p.cursor,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
