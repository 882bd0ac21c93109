//! What every request body must satisfy before anything reads it: no `Content-Encoding`,
//! and arriving in time.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, Error, HttpMessage, ResponseError};
use futures_util::Stream;
use tokio::time::Sleep;

use crate::error::ApiError;
use crate::state::AppState;

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
