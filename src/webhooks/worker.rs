//! The delivery worker. One dispatcher fans queued events out to their endpoints
//! (`webhooks::fan_out`), then finds endpoints with due deliveries and gives each
//! a task of its own (at most `max_concurrent_endpoints` at once) that sends that
//! endpoint's deliveries one at a time, in order: a receiver that hangs or is down holds
//! only its own queue, never another endpoint's, an API call or the mail. Each delivery is
//! claimed with a lease (a conditional UPDATE, as the mail outbox does), so any number of
//! instances can run this against one database and each delivery is sent by one of them at
//! a time; one claimed by a process that died is sent again after its lease.
//!
//! A 2xx answer is success; anything else is retried after `retry_base_secs`, doubling,
//! until `give_up_after_secs` have passed since the event; `410 Gone` disables the
//! endpoint. Redirects are not followed, at most 64 KiB of an answer is read, and one
//! attempt takes at most `timeout_secs`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::NaiveDateTime;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::config::WebhookSettings;
use crate::db::{self, webhooks::AttemptRow, webhooks::DeliveryRow, write_tx, Db};
use crate::metrics::Metrics;

use super::send::{self, failed_attempt, Attempt};
use super::{signing, target, SecretBox};

/// Outcomes counted by `passgate_webhook_deliveries_total` (a fixed set).
pub const OUTCOMES: [&str; 5] = ["delivered", "failed", "given_up", "gone", "refused"];

#[derive(Clone)]
pub struct WebhookWorker {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    settings: WebhookSettings,
    metrics: Metrics,
    wake: Arc<Notify>,
    clock: Clock,
    sealer: SecretBox,
    client: reqwest::Client,
    busy: Mutex<HashSet<String>>,
}

impl WebhookWorker {
    pub fn new(
        db: Db,
        settings: WebhookSettings,
        metrics: Metrics,
        wake: Arc<Notify>,
        clock: Clock,
        sealer: SecretBox,
    ) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(settings.timeout_secs);
        let mut client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would connect to addresses this process never checked.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("passgate-webhooks/", env!("CARGO_PKG_VERSION")));
        if !settings.allow_insecure_targets {
            client = client
                .dns_resolver(Arc::new(target::CheckedResolver))
                .https_only(true);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                settings,
                metrics,
                wake,
                clock,
                sealer,
                client: client.build()?,
                busy: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// Runs until `shutdown` turns true; deliveries under way then get their timeout to
    /// finish (an unfinished one is sent again after its lease).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.inner.settings.poll_interval_ms);
        let mut tasks = JoinSet::new();
        loop {
            if *shutdown.borrow() {
                break;
            }
            while tasks.try_join_next().is_some() {}
            if let Err(e) = self.dispatch(&mut tasks, &shutdown).await {
                tracing::warn!(error = %crate::error::chain(&e), "webhook pass failed; will retry");
            }
            tokio::select! {
                _ = self.inner.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        let grace = Duration::from_secs(self.inner.settings.timeout_secs + 1);
        if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
            .await
            .is_err()
        {
            tasks.abort_all();
        }
        tracing::info!("webhook worker stopped");
    }

    /// Starts a task for each endpoint with due deliveries that has none yet.
    async fn dispatch(
        &self,
        tasks: &mut JoinSet<()>,
        shutdown: &watch::Receiver<bool>,
    ) -> db::Result<()> {
        // Events queued since the last pass get their deliveries first.
        const FAN_OUT_BATCH: i64 = 256;
        loop {
            let clock = self.inner.clock.clone();
            let handled = self
                .inner
                .db
                .run(move |c| super::fan_out(c, clock.now(), FAN_OUT_BATCH))
                .await?;
            if handled < FAN_OUT_BATCH as usize {
                break;
            }
        }
        let busy: Vec<String> = self.busy().iter().cloned().collect();
        let room = self
            .inner
            .settings
            .max_concurrent_endpoints
            .saturating_sub(busy.len());
        let pending = self.inner.db.run(db::webhooks::pending_count).await?;
        self.inner.metrics.webhook_pending.set(pending);
        if room == 0 || pending == 0 {
            return Ok(());
        }
        let now = self.inner.clock.now();
        let due = self
            .inner
            .db
            .run(move |c| db::webhooks::due_endpoints(c, now, &busy, room as i64))
            .await?;
        for endpoint in due {
            if !self.busy().insert(endpoint.clone()) {
                continue;
            }
            let worker = self.clone();
            let shutdown = shutdown.clone();
            tasks.spawn(async move {
                if let Err(e) = worker.drain_endpoint(&endpoint, &shutdown).await {
                    tracing::warn!(webhook_id = %endpoint, error = %crate::error::chain(&e), "webhook delivery pass failed; will retry");
                }
                worker.busy().remove(&endpoint);
                // Its queue may have grown meanwhile, or room opened for another endpoint.
                worker.inner.wake.notify_one();
            });
        }
        Ok(())
    }

    fn busy(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // Nothing panics while holding it, and a set of ids stays sound anyway.
        self.inner
            .busy
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends one endpoint's due deliveries in order until none is left.
    async fn drain_endpoint(
        &self,
        webhook_id: &str,
        shutdown: &watch::Receiver<bool>,
    ) -> db::Result<()> {
        // Long enough for one attempt, with room for the database on either side.
        let lease = chrono::Duration::seconds(self.inner.settings.timeout_secs as i64 + 60);
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            let clock = self.inner.clock.clone();
            let id = webhook_id.to_owned();
            let claimed = self
                .inner
                .db
                .run(move |c| {
                    write_tx(c, |c| {
                        let now = clock.now();
                        db::webhooks::claim_next(c, &id, now, now + lease)
                    })
                })
                .await?;
            let Some(delivery) = claimed else {
                return Ok(());
            };
            self.deliver(delivery).await?;
        }
    }

    async fn deliver(&self, delivery: DeliveryRow) -> db::Result<()> {
        let (webhook_id, event_id) = (delivery.webhook_id.clone(), delivery.event_id.clone());
        let (endpoint, event) = self
            .inner
            .db
            .run(move |c| -> db::Result<_> {
                Ok((
                    db::webhooks::find(c, &webhook_id)?,
                    db::webhooks::find_event(c, &event_id)?,
                ))
            })
            .await?;
        let Some(event) = event else {
            return self
                .finish(
                    &delivery,
                    "",
                    failed_attempt("the event is gone"),
                    Verdict::Fail,
                )
                .await;
        };
        let endpoint = match endpoint {
            Some(e) if !e.disabled => e,
            _ => {
                let attempt = failed_attempt("the endpoint is disabled");
                return self
                    .finish(&delivery, &event.event_type, attempt, Verdict::Fail)
                    .await;
            }
        };
        let now = self.inner.clock.now();
        let keys = self.signing_keys(&endpoint, now);
        let attempt = match keys {
            Some(keys) => {
                send::send(
                    &self.inner.client,
                    &self.inner.settings,
                    &endpoint.url,
                    &event.id,
                    &event.payload,
                    &keys,
                )
                .await
            }
            None => failed_attempt("the endpoint's secret cannot be opened"),
        };
        let verdict = match attempt.status {
            Some(200..=299) => Verdict::Delivered,
            Some(410) => Verdict::Gone,
            _ if attempt.refused => Verdict::Refused,
            _ => Verdict::Retry,
        };
        self.finish(&delivery, &event.event_type, attempt, verdict)
            .await
    }

    /// The current secret's key and, while it overlaps, the previous one's.
    fn signing_keys(
        &self,
        endpoint: &db::webhooks::WebhookRow,
        now: NaiveDateTime,
    ) -> Option<Vec<Vec<u8>>> {
        let open = |sealed: &str| {
            self.inner
                .sealer
                .open(&endpoint.id, sealed)
                .ok()
                .and_then(|s| signing::key_bytes(&s))
        };
        let mut keys = vec![open(&endpoint.secret)?];
        if let (Some(previous), Some(until)) = (
            &endpoint.previous_secret,
            endpoint.previous_secret_expires_at,
        ) {
            if until > now {
                keys.extend(open(previous));
            }
        }
        Some(keys)
    }

    /// Records the attempt and settles the delivery in one transaction, and counts it.
    async fn finish(
        &self,
        delivery: &DeliveryRow,
        event_type: &str,
        attempt: Attempt,
        verdict: Verdict,
    ) -> db::Result<()> {
        let now = self.inner.clock.now();
        let give_up_at = delivery.created_at
            + chrono::Duration::seconds(self.inner.settings.give_up_after_secs as i64);
        let next = now + self.backoff(delivery.attempts);
        let (outcome, next_attempt_at) = match verdict {
            Verdict::Delivered => ("delivered", None),
            Verdict::Gone => ("gone", None),
            Verdict::Fail => ("given_up", None),
            Verdict::Refused | Verdict::Retry if next > give_up_at => ("given_up", None),
            Verdict::Refused => ("refused", Some(next)),
            Verdict::Retry => ("failed", Some(next)),
        };
        self.inner
            .metrics
            .webhook_deliveries_total
            .with_label_values(&[outcome])
            .inc();
        let row = AttemptRow {
            id: uuid::Uuid::now_v7().to_string(),
            webhook_id: delivery.webhook_id.clone(),
            delivery_id: delivery.id.clone(),
            event_id: delivery.event_id.clone(),
            event_type: event_type.to_owned(),
            attempt: delivery.attempts,
            attempted_at: now,
            status_code: attempt.status.map(i32::from),
            duration_ms: i64::try_from(attempt.duration.as_millis()).unwrap_or(i64::MAX),
            error: attempt.error.clone(),
            next_attempt_at,
        };
        match outcome {
            "delivered" => {
                tracing::debug!(webhook_id = %delivery.webhook_id, event_id = %delivery.event_id, "webhook delivered")
            }
            "gone" => {
                tracing::warn!(webhook_id = %delivery.webhook_id, "webhook endpoint answered 410 Gone: disabled")
            }
            _ => {
                tracing::warn!(webhook_id = %delivery.webhook_id, event_id = %delivery.event_id, attempt = delivery.attempts, error = ?attempt.error, outcome, "webhook delivery failed")
            }
        }
        let id = delivery.id.clone();
        let webhook_id = delivery.webhook_id.clone();
        self.inner
            .db
            .run(move |c| {
                write_tx(c, |c| {
                    db::webhooks::record_attempt(c, &row)?;
                    match (outcome, next_attempt_at) {
                        ("delivered", _) => db::webhooks::mark_delivered(c, &id, now),
                        (_, Some(next)) => db::webhooks::mark_retry(c, &id, next),
                        ("gone", _) => {
                            db::webhooks::disable(c, &webhook_id, now)?;
                            db::webhooks::mark_failed(c, &id, now)
                        }
                        _ => db::webhooks::mark_failed(c, &id, now),
                    }
                })
            })
            .await
    }

    /// `retry_base_secs · 2^(attempts − 1)`.
    fn backoff(&self, attempts: i32) -> chrono::Duration {
        let factor = 1u64
            .checked_shl(attempts.saturating_sub(1).clamp(0, 30) as u32)
            .unwrap_or(u64::MAX);
        let secs = self.inner.settings.retry_base_secs.saturating_mul(factor);
        chrono::Duration::seconds(
            i64::try_from(secs)
                .unwrap_or(i64::MAX)
                .min(i64::from(i32::MAX)),
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Verdict {
    Delivered,
    Retry,
    Refused,
    Gone,
    /// Nothing to retry (the endpoint or event is gone, or disabled).
    Fail,
}
