//! CORS for the configured browser origins only.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};

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
