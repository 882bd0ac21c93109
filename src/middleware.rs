//! What every response gets: a request id and span, security headers, metrics by route
//! pattern, CORS for configured origins, and problem+json for any error that did not
//! already produce one; and what every request body must satisfy before anything reads it.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{ConnectionType, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, Error, HttpMessage, HttpResponse, ResponseError};
use futures_util::Stream;
use tokio::time::Sleep;
use tracing::Instrument;

use crate::error::ApiError;
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
        StatusCode::BAD_REQUEST => ApiError::Malformed("The request could not be read.".into()),
        StatusCode::UNAUTHORIZED => ApiError::InvalidToken,
        StatusCode::FORBIDDEN => ApiError::Forbidden("Not allowed.".into()),
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::REQUEST_TIMEOUT => ApiError::RequestTimeout,
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

/// Every path template with its methods, for telling 405 from 404. Built once at start-up
/// (from the documented operations, `openapi::documented_routes`) and handed in as app data.
pub struct RouteTable(Vec<(Vec<String>, Vec<String>)>);

impl RouteTable {
    pub fn new(routes: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        Self(
            routes
                .into_iter()
                .map(|(path, methods)| (path.split('/').map(str::to_owned).collect(), methods))
                .collect(),
        )
    }

    /// The methods allowed on a request path, if it matches a known route.
    pub fn allowed_methods(&self, path: &str) -> Option<&[String]> {
        let wanted: Vec<&str> = path.split('/').collect();
        self.0.iter().find_map(|(segments, methods)| {
            (segments.len() == wanted.len()
                && segments
                    .iter()
                    .zip(&wanted)
                    .all(|(s, w)| (s.starts_with('{') && !w.is_empty()) || s == w))
            .then_some(methods.as_slice())
        })
    }
}

/// Unrouted requests: 405 (with `Allow`) when the path exists with other methods, else 404.
pub async fn fallback(
    req: actix_web::HttpRequest,
    routes: Option<web::Data<RouteTable>>,
) -> HttpResponse {
    match routes
        .as_deref()
        .and_then(|r| r.allowed_methods(req.path()))
    {
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

/// A request body is refused before a byte of it is read when it carries a `Content-Encoding`
/// (passgate never inflates a client's body: a few KB of zstd or gzip grow to hundreds of
/// MiB before any size limit applies), and it must arrive within
/// `PASSGATE__SERVER__BODY_TIMEOUT_SECS` of the request's headers, whichever extractor or
/// page reads it; a body still incomplete then gets 408 and the connection is closed, so a
/// stalled client holds nothing for long. The one body that may take long on purpose, an
/// import (up to `PASSGATE__IMPORT__MAX_BODY_BYTES`), gets the same number of seconds as an
/// idle limit instead: it fails once no byte arrived for that long.
pub async fn guard_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let encoded = req
        .headers()
        .get_all(header::CONTENT_ENCODING)
        .any(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if encoded {
        return Ok(closing(
            req.into_response(ApiError::UnsupportedMediaType.error_response()),
        ));
    }
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.server.body_timeout_secs);
    // Requests without a body (most of them) get no timer and no allocation.
    let expired = match (req.take_payload(), limit) {
        (Payload::None, _) => None,
        (payload, None) => {
            req.set_payload(payload);
            None
        }
        (payload, Some(secs)) => {
            let expired = Rc::new(Cell::new(false));
            let window = Duration::from_secs(secs);
            let deadline = Deadline {
                inner: payload,
                at: tokio::time::Instant::now() + window,
                sleep: None,
                idle: (req.path() == IMPORT_PATH).then_some(window),
                expired: expired.clone(),
            };
            let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
                Box::pin(deadline);
            req.set_payload(Payload::from(stream));
            Some(expired)
        }
    };
    let res = next.call(req).await?.map_into_boxed_body();
    // Whatever the reader made of the failed read (400, a page's 413), the answer is 408.
    let timed_out = expired.is_some_and(|e| e.get());
    if timed_out && (res.status().is_client_error() || res.status().is_server_error()) {
        let (req, _) = res.into_parts();
        return Ok(closing(ServiceResponse::new(
            req,
            ApiError::RequestTimeout.error_response(),
        )));
    }
    Ok(res)
}

/// The route whose body is timed per chunk (see `guard_body`).
const IMPORT_PATH: &str = "/v1/admin/user-imports";

/// The body was not read (or not all of it): the connection is closed after the answer
/// rather than drained.
fn closing(mut res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    res.response_mut()
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    res
}

/// A request payload that fails with a timeout once its deadline has passed. The timer is
/// made only when a read would wait.
struct Deadline {
    inner: Payload,
    at: tokio::time::Instant,
    sleep: Option<Pin<Box<Sleep>>>,
    /// An idle limit: every chunk that arrives moves the deadline this far ahead.
    idle: Option<Duration>,
    expired: Rc<Cell<bool>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            if let (Some(window), Some(Ok(_))) = (this.idle, &item) {
                this.at = tokio::time::Instant::now() + window;
                if let Some(sleep) = this.sleep.as_mut() {
                    sleep.as_mut().reset(this.at);
                }
            }
            return Poll::Ready(item);
        }
        let at = this.at;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        if sleep.as_mut().poll(cx).is_ready() {
            this.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}
