//! Webhook endpoints: `/v1/admin/webhooks` (admin only).

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Admin, Authenticated};
use crate::error::{ApiError, Problem};
use crate::flows::webhooks::{
    self, CreatedWebhook, DeliveryPage, RotatedSecret, TestEvent, Webhook, WebhookInput,
    WebhookList,
};
use crate::http::client_address;
use crate::state::AppState;

/// An event type an endpoint can subscribe to, or `*` for all of them.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[allow(dead_code)]
pub enum WebhookEventType {
    #[serde(rename = "*")]
    All,
    #[serde(rename = "password.changed")]
    PasswordChanged,
    #[serde(rename = "password.reset_requested")]
    PasswordResetRequested,
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.updated")]
    UserUpdated,
    #[serde(rename = "user.disabled")]
    UserDisabled,
    #[serde(rename = "user.locked")]
    UserLocked,
    #[serde(rename = "user.imported")]
    UserImported,
    #[serde(rename = "api_key.created")]
    ApiKeyCreated,
    #[serde(rename = "api_key.revoked")]
    ApiKeyRevoked,
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.example.com/passgate", "events": ["password.changed", "user.disabled"], "description": "directory sync"}))]
pub struct CreateWebhookRequest {
    /// `https://`, resolving only to public addresses (checked now and at every delivery).
    #[schema(max_length = 2048, format = "uri")]
    pub url: String,
    /// Event types to deliver, or `["*"]` for all.
    #[schema(value_type = Vec<WebhookEventType>, min_items = 1, max_items = 20)]
    pub events: Vec<String>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
}

/// PATCH: only the fields given change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"events": ["*"], "disabled": false}))]
pub struct UpdateWebhookRequest {
    #[schema(max_length = 2048, format = "uri")]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<WebhookEventType>>, min_items = 1, max_items = 20)]
    pub events: Option<Vec<String>>,
    /// Empty clears it.
    #[schema(max_length = 200)]
    pub description: Option<String>,
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "super::integral::optional_in_query")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; absent or empty: the first page.
    pub cursor: Option<String>,
}

/// Create a webhook endpoint (`admin`). The signing secret is returned once.
#[utoipa::path(post, path = "/v1/admin/webhooks", tag = "webhooks", operation_id = "createWebhook",
    request_body = CreateWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `secret` is shown only now", body = CreatedWebhook),
        (status = 409, description = "`conflict`: as many endpoints as passgate keeps", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a bound, an unknown event type, or a URL that is not https or does not resolve only to public addresses", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    body: web::Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let input = WebhookInput {
        url: Some(b.url),
        events: Some(b.events),
        description: b.description,
        disabled: None,
    };
    let created = webhooks::create(&state, &caller.0, input, client_address(&req, &state)).await?;
    Ok(HttpResponse::Created().json(created))
}

/// List webhook endpoints (`admin`); never a secret.
#[utoipa::path(get, path = "/v1/admin/webhooks", tag = "webhooks", operation_id = "listWebhooks",
    security(("bearer" = [])),
    responses((status = 200, description = "Every endpoint", body = WebhookList)))]
#[get("/v1/admin/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    _caller: Authenticated<Admin>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(webhooks::list(&state).await?))
}

/// One webhook endpoint (`admin`).
#[utoipa::path(get, path = "/v1/admin/webhooks/{id}", tag = "webhooks", operation_id = "getWebhook",
    params(("id" = String, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint", body = Webhook),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/admin/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    _caller: Authenticated<Admin>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(webhooks::get(&state, &id).await?))
}

/// Change a webhook endpoint (`admin`): `url`, `events`, `description`, `disabled`.
#[utoipa::path(patch, path = "/v1/admin/webhooks/{id}", tag = "webhooks", operation_id = "updateWebhook",
    params(("id" = String, Path, description = "Webhook id")),
    request_body = UpdateWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint as changed", body = Webhook),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/v1/admin/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let input = WebhookInput {
        url: b.url,
        events: b.events,
        description: b.description,
        disabled: b.disabled,
    };
    let updated =
        webhooks::update(&state, &caller.0, &id, input, client_address(&req, &state)).await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Delete a webhook endpoint and its queue (`admin`).
#[utoipa::path(delete, path = "/v1/admin/webhooks/{id}", tag = "webhooks", operation_id = "deleteWebhook",
    params(("id" = String, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
#[delete("/v1/admin/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&state, &caller.0, &id, client_address(&req, &state)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replace the signing secret (`admin`). For 24 hours deliveries carry two signatures,
/// one with each secret. Only one previous secret is kept: rotating again within those 24
/// hours drops the oldest secret at once, and the overlap starts again for the one just
/// replaced.
#[utoipa::path(post, path = "/v1/admin/webhooks/{id}/rotate-secret", tag = "webhooks", operation_id = "rotateWebhookSecret",
    params(("id" = String, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new secret, shown only now", body = RotatedSecret),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rotated =
        webhooks::rotate_secret(&state, &caller.0, &id, client_address(&req, &state)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(rotated))
}

/// Send a `webhook.test` event to this endpoint (`admin`).
#[utoipa::path(post, path = "/v1/admin/webhooks/{id}/test", tag = "webhooks", operation_id = "testWebhook",
    params(("id" = String, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; follow it in the deliveries", body = TestEvent),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/v1/admin/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    caller: Authenticated<Admin>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(webhooks::test(&state, &caller.0, &id).await?))
}

/// The endpoint's delivery attempts, newest first (`admin`).
///
/// Deliveries older than `PASSGATE__WEBHOOKS__RETENTION_DAYS` (30) — delivered or given up
/// that many days ago — are removed with their attempts; one still being retried is kept.
#[utoipa::path(get, path = "/v1/admin/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "listWebhookDeliveries",
    params(("id" = String, Path, description = "Webhook id"), DeliveryParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of attempts", body = DeliveryPage),
        (status = 400, description = "`malformed_request` (a query parameter of the wrong type)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (limit or cursor)", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/v1/admin/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    _caller: Authenticated<Admin>,
    id: web::Path<String>,
    params: web::Query<DeliveryParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let page = webhooks::deliveries(&state, &id, p.limit, p.cursor.as_deref()).await?;
    Ok(HttpResponse::Ok().json(page))
}
