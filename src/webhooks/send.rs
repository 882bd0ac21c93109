//! One delivery attempt over HTTP: the request Standard Webhooks describes, sent with a
//! bounded time and a bounded read of the answer, never following a redirect (the client is
//! built that way by the worker).

use std::time::{Duration, Instant};

use crate::config::WebhookSettings;

use super::{signing, target};

/// Most of an answer that is read (contract).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What one attempt came to.
pub struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration: Duration,
    /// The target was refused by the address rules (nothing was sent).
    pub refused: bool,
}

/// Sends one signed delivery to `url` (checked again here: its form, a literal address,
/// and, through the client's resolver, every address a name resolves to).
pub async fn send(
    client: &reqwest::Client,
    settings: &WebhookSettings,
    url: &str,
    id: &str,
    body: &str,
    keys: &[Vec<u8>],
) -> Attempt {
    let started = Instant::now();
    let refused = |why: &str| Attempt {
        status: None,
        error: Some(why.to_owned()),
        duration: started.elapsed(),
        refused: true,
    };
    let allow_insecure = settings.allow_insecure_targets;
    let url = match target::parse(url, allow_insecure) {
        Ok(url) => url,
        Err(why) => return refused(&why.message),
    };
    if !allow_insecure && target::literal_ip(&url).is_some_and(target::forbidden) {
        return refused("the target is not a public address");
    }
    // The header carries the attempt's time on the wall clock, which receivers compare
    // with their own (a test's advanced clock would put it in their future).
    let timestamp = chrono::Utc::now().timestamp();
    let request = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signing::header(keys, id, timestamp, body),
        )
        .body(body.to_owned());
    let limit = Duration::from_secs(settings.timeout_secs);
    let outcome = tokio::time::timeout(limit, async {
        let mut response = request.send().await?;
        let status = response.status().as_u16();
        let mut read = 0usize;
        while read < MAX_ANSWER_BYTES {
            match response.chunk().await? {
                Some(chunk) => read += chunk.len(),
                None => break,
            }
        }
        Ok::<u16, reqwest::Error>(status)
    })
    .await;
    match outcome {
        Ok(Ok(status)) => Attempt {
            status: Some(status),
            error: (!(200..300).contains(&status)).then(|| format!("answered {status}")),
            duration: started.elapsed(),
            refused: false,
        },
        Ok(Err(e)) if forbidden_by_resolver(&e) => {
            refused("the target resolves only to non-public addresses")
        }
        Ok(Err(e)) => Attempt {
            status: None,
            error: Some(describe(&e)),
            duration: started.elapsed(),
            refused: false,
        },
        Err(_) => Attempt {
            status: None,
            error: Some("timed out".into()),
            duration: started.elapsed(),
            refused: false,
        },
    }
}

pub fn failed_attempt(why: &str) -> Attempt {
    Attempt {
        status: None,
        error: Some(why.to_owned()),
        duration: Duration::ZERO,
        refused: false,
    }
}

fn forbidden_by_resolver(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<target::ForbiddenTarget>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// The error without the URL (it is in the endpoint already) and with its causes.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirected (not followed)"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.chars().take(500).collect()
}
