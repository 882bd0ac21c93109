//! Keyset pagination for the list routes: page sizes, opaque cursors, time bounds.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::error::{ApiError, FieldError};

/// Page size: 1 to 200, 50 when absent.
pub fn parse_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit.unwrap_or(50) {
        n @ 1..=200 => Ok(n),
        _ => Err(ApiError::Validation(vec![FieldError::new(
            "limit",
            "out_of_range",
            "must be between 1 and 200",
        )
        .with_arg("min", 1)
        .with_arg("max", 200)])),
    }
}

/// Cursors are opaque to clients: base64url of the last id on the page. None or an empty
/// `cursor` (`?cursor=`, schema-valid) means the first page.
pub fn decode_cursor(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::validation(
            "cursor",
            "invalid_cursor",
            "is not a cursor returned by this API",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    let id = String::from_utf8(bytes).map_err(|_| invalid())?;
    uuid::Uuid::parse_str(&id).map_err(|_| invalid())?;
    Ok(Some(id))
}

/// Trims the look-ahead row and returns the cursor for the next page, if there is one.
pub fn page_cursor<T, S: AsRef<[u8]>>(
    rows: &mut Vec<T>,
    limit: i64,
    id: impl Fn(&T) -> S,
) -> Option<String> {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| URL_SAFE_NO_PAD.encode(id(r)))
    } else {
        None
    }
}

/// Reads an optional RFC 3339 query parameter.
pub fn parse_time(field: &str, raw: Option<&str>) -> Result<Option<NaiveDateTime>, ApiError> {
    raw.filter(|s| !s.is_empty())
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .map_err(|_| {
                    ApiError::validation(
                        field,
                        "invalid_timestamp",
                        "must be an RFC 3339 timestamp",
                    )
                })
        })
        .transpose()
}
