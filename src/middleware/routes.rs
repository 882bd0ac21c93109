//! Requests no route took: 405 with `Allow` when the path exists with other methods, else
//! 404, from a table of the documented routes.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse, ResponseError};

use crate::error::ApiError;

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
