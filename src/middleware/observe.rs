//! What every response gets: a request id and span, security headers, metrics by route
//! pattern, problems in the request's language, and problem+json for any error that did not
//! already produce one.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};
use tracing::Instrument;

use crate::error::ApiError;
use crate::i18n::ids;
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Content-Security-Policy of the API documentation page (`/docs`): Swagger UI's own scripts
/// (it has no inline script) and styles, plus the one `<style>` element it adds, by hash
/// (tests/browser checks the page runs with no violation).
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

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
    // Problems are written in the language `Accept-Language` asks for (a bounded read; see
    // `error::speaking`).
    let speaking = state.as_ref().map(|s| {
        let accept = req.headers().get(header::ACCEPT_LANGUAGE);
        let accept = accept.and_then(|v| v.to_str().ok());
        (s.i18n.clone(), s.i18n.negotiate(None, accept))
    });
    // Error level, so that the span (and its request id) is there whatever the log level:
    // an internal failure logged at `PASSGATE__LOG__LEVEL=error` still names its request.
    let span = tracing::error_span!("request", request_id = %id, method = %method, route = tracing::field::Empty);

    // Handlers' and extractors' errors arrive here already rendered as responses; an `Err`
    // could only come from a middleware below, and none of ours produce one.
    let handled = async {
        let res = next.call(req).instrument(span.clone()).await?;
        let res = res.map_into_boxed_body();
        let failed = res.status().is_client_error() || res.status().is_server_error();
        Ok::<_, Error>(if failed { ensure_problem(res) } else { res })
    };
    let mut res = match speaking {
        Some((i18n, lang)) => crate::error::speaking(i18n, lang, handled).await,
        None => handled.await,
    }?;

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
    if route.starts_with("/docs") {
        // The offline Swagger UI: its own scripts only (no inline script), inline styles
        // (its components set them), and never inside a frame.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
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
            .with_label_values(&[method_label(&method), &route, status.as_str()])
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

/// The methods metrics name one by one; any other is `other`, so an invented method adds no
/// time series (the route label is a pattern or `unmatched`, the status a number).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
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
        StatusCode::BAD_REQUEST => ApiError::Malformed(ids::PROBLEM_DETAIL_UNREADABLE.into()),
        StatusCode::UNAUTHORIZED => ApiError::InvalidToken,
        StatusCode::FORBIDDEN => ApiError::Forbidden(ids::PROBLEM_DETAIL_NOT_ALLOWED.into()),
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::REQUEST_TIMEOUT => ApiError::RequestTimeout,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Unavailable,
        status if status.is_client_error() => {
            ApiError::Malformed(ids::PROBLEM_DETAIL_NOT_SERVED.into())
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
