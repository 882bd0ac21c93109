//! What every response gets: a request id and span, security headers, metrics by route
//! pattern, CORS for configured origins, and problem+json for any error that did not
//! already produce one.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse, ResponseError};
use tracing::Instrument;

use crate::error::ApiError;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A client's request id is echoed only when it is short and plain; otherwise we make one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // Error level, so that the span (and its request id) is there whatever the log level:
    // an internal failure logged at `PASSGATE__LOG__LEVEL=error` still names its request.
    let span = tracing::error_span!("request", request_id = %id, method = %method, route = tracing::field::Empty);

    // Handlers' and extractors' errors arrive here already rendered as responses; an `Err`
    // could only come from a middleware below, and none of ours produce one.
    let mut res = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    if res.status().is_client_error() || res.status().is_server_error() {
        res = ensure_problem(res);
    }

    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status();
    let headers = res.headers_mut();
    headers.insert(
        REQUEST_ID,
        HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid")),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if route.starts_with("/v1") && !headers.contains_key(header::CACHE_CONTROL) {
        // Tokens, passwords and reset answers must never sit in a cache; the rest of /v1 is
        // per-user data, so the same rule costs nothing.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    let elapsed = started.elapsed().as_secs_f64();
    if let Some(state) = state {
        state
            .metrics
            .http_requests_total
            .with_label_values(&[method.as_str(), &route, status.as_str()])
            .inc();
        state
            .metrics
            .http_request_duration_seconds
            .with_label_values(&[&route])
            .observe(elapsed);
    }
    span.record("route", route.as_str());
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            latency_ms = (elapsed * 1000.0) as u64,
            "request finished"
        )
    });
    Ok(res)
}

/// Any error response that is not already a problem (actix's own 404/405/413/…, or an HTML
/// page's) keeps its status but gets a problem+json body.
fn ensure_problem(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/problem+json") || content_type.starts_with("text/html")
    {
        return res;
    }
    let error = match res.status() {
        StatusCode::BAD_REQUEST => ApiError::Malformed("The request could not be read.".into()),
        StatusCode::UNAUTHORIZED => ApiError::InvalidToken,
        StatusCode::FORBIDDEN => ApiError::Forbidden("Not allowed.".into()),
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable,
        status if status.is_client_error() => {
            ApiError::Malformed("The request could not be served.".into())
        }
        status => ApiError::internal(anyhow::anyhow!("unhandled error response {status}")),
    };
    let (req, old) = res.into_parts();
    let mut new = error.error_response();
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(req, new)
}

/// Unrouted requests: 405 (with `Allow`) when the path exists with other methods, else 404.
pub async fn fallback(req: actix_web::HttpRequest) -> HttpResponse {
    match crate::openapi::allowed_methods(req.path()) {
        // A documented method that is not served (e.g. hosted pages switched off) is absent.
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => {
            let mut res = ApiError::MethodNotAllowed.error_response();
            if let Ok(allow) = HeaderValue::from_str(&methods.join(", ")) {
                res.headers_mut().insert(header::ALLOW, allow);
            }
            res
        }
        _ => ApiError::NotFound.error_response(),
    }
}

/// Allowed browser origins, from `PASSGATE__CORS__ALLOWED_ORIGINS`.
#[derive(Clone, Default)]
pub struct CorsOrigins(pub Vec<String>);

/// CORS for the configured origins only. A listed origin gets its preflight answered and
/// its responses marked readable; any other origin gets no CORS headers at all (so the
/// browser blocks it), and the request is otherwise served as usual. Never `*`, and no
/// credentials mode: passgate's API takes bearer tokens, not cookies.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let origins = req.app_data::<web::Data<CorsOrigins>>().cloned();
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let allowed = match (&origins, &origin) {
        (Some(list), Some(origin)) => list.0.iter().any(|o| o == origin),
        _ => false,
    };
    let is_v1 = req.path().starts_with("/v1/");
    if allowed
        && is_v1
        && req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let res = HttpResponse::NoContent()
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                origin.clone().unwrap_or_default(),
            ))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_METHODS,
                "GET, POST, PATCH, DELETE",
            ))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "authorization, content-type, x-request-id",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .insert_header((
                header::VARY,
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ))
            .finish();
        return Ok(req.into_response(res).map_into_boxed_body());
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    if allowed && is_v1 {
        let headers = res.headers_mut();
        if let Some(Ok(value)) = origin.map(|o| HeaderValue::from_str(&o)) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-request-id, retry-after"),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(res)
}
