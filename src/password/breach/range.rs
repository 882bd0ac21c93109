//! The k-anonymity range service (Pwned Passwords API format): `GET {url}{PREFIX}` with the
//! first five hex digits of the SHA-1 answers `SUFFIX:COUNT` lines for every known hash
//! with that prefix. Only the prefix leaves the process; `Add-Padding: true` asks the
//! service to pad the answer with count-0 lines so its size does not reveal the prefix's
//! popularity to an observer. The client is async (reqwest on the runtime), never blocking
//! a worker thread.

use std::time::Duration;

/// A well-formed answer is a few dozen KiB; anything far larger is not a range answer.
const MAX_ANSWER_BYTES: usize = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    #[error("range service: {0}")]
    Http(reqwest::Error),
    #[error("range service answered {0}")]
    Status(reqwest::StatusCode),
    #[error("range service answer over {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
}

impl From<reqwest::Error> for RangeError {
    /// Without its URL: the URL ends in the hash prefix, which must not reach the logs.
    fn from(e: reqwest::Error) -> Self {
        Self::Http(e.without_url())
    }
}

#[derive(Debug, Clone)]
pub struct RangeClient {
    client: reqwest::Client,
    url: String,
    min_count: u64,
}

impl RangeClient {
    pub fn new(url: &str, timeout: Duration, min_count: u64) -> reqwest::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // The URL is the operator's; a redirect elsewhere would send the prefix there.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("passgate/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            url: url.to_owned(),
            min_count,
        })
    }

    /// Whether the service knows the SHA-1 (40 upper-case hex digits) with a count of at
    /// least the configured minimum.
    pub async fn contains(&self, sha1_hex: &str) -> Result<bool, RangeError> {
        let (prefix, suffix) = sha1_hex.split_at(5);
        let mut response = self
            .client
            .get(format!("{}{prefix}", self.url))
            .header("Add-Padding", "true")
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(RangeError::Status(response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(RangeError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(answer_contains(&body, suffix, self.min_count))
    }
}

/// Whether a range answer lists `suffix` (any case) with a count of at least `min_count`
/// (padding lines have count 0 and never match).
pub fn answer_contains(body: &[u8], suffix: &str, min_count: u64) -> bool {
    body.split(|&b| b == b'\n').any(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return false;
        };
        line[..colon].eq_ignore_ascii_case(suffix.as_bytes())
            && std::str::from_utf8(&line[colon + 1..])
                .ok()
                .and_then(|c| c.trim().parse::<u64>().ok())
                .is_some_and(|count| count > 0 && count >= min_count)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_lines_and_low_counts_do_not_match() {
        let body =
            b"0018A45C4D1DEF81644B54AB7F969B88D65:3\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0\r\n";
        assert!(answer_contains(
            body,
            "0018a45c4d1def81644b54ab7f969b88d65",
            1
        ));
        assert!(!answer_contains(
            body,
            "0018A45C4D1DEF81644B54AB7F969B88D65",
            4
        ));
        assert!(!answer_contains(
            body,
            "00D4F6E8FA6EECAD2A3AA415EEC418D38EC",
            1
        ));
        assert!(!answer_contains(
            body,
            "FFFFF6E8FA6EECAD2A3AA415EEC418D38EC",
            1
        ));
    }
}
