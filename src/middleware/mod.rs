//! What wraps every handler, one concern a module: `observe` (request id and span, security
//! headers, metrics by route pattern, problem+json for any error that did not already
//! produce one), `cors` (configured origins only), `body` (what every request body must
//! satisfy before anything reads it) and `routes` (404 or 405 for what no route took).
//! The public listener wraps them outermost first: observe, cors, body (the management
//! listener observe and body).

mod body;
mod cors;
mod observe;
mod routes;

pub use body::guard_body;
pub use cors::{cors, CorsOrigins};
pub use observe::{observe, DOCS_CSP, REQUEST_ID};
pub use routes::{fallback, RouteTable};
