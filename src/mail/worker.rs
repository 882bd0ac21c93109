//! The outbox worker: claims due messages, delivers them, and retries failures with
//! exponential backoff until `give_up_after_secs`, when the message is marked failed and
//! counted. Claims are leases, so any number of workers (on any number of instances) can run
//! against one database, and rows claimed by a process that died are retried after the lease
//! (`PASSGATE__MAIL__CLAIM_LEASE_SECS`).

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::message::Mailbox;
use tokio::sync::{watch, Notify};

use crate::auth::opaque;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{self, outbox::OutboxRow, write_tx, Db};
use crate::metrics::Metrics;

use super::templates::LINK_PLACEHOLDER;
use super::transport::{Outgoing, SendError, Transport};
use super::KIND_RESET_LINK;

const BATCH: i64 = 16;

pub struct OutboxWorker {
    db: Db,
    settings: Arc<Settings>,
    metrics: Metrics,
    transport: Transport,
    from: Mailbox,
    wake: Arc<Notify>,
    clock: Clock,
}

enum Prepared {
    Send(String),
    /// The reason to send it is gone (the password changed since the request, or the user
    /// was disabled or deleted).
    Obsolete,
}

impl OutboxWorker {
    pub fn new(
        db: Db,
        settings: Arc<Settings>,
        metrics: Metrics,
        wake: Arc<Notify>,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let transport = Transport::from_settings(&settings.mail)?;
        let from = settings.mail.from.0.clone();
        Ok(Self {
            db,
            settings,
            metrics,
            transport,
            from,
            wake,
            clock,
        })
    }

    /// Runs until `shutdown` turns true; the message being sent then is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.settings.mail.poll_interval_ms);
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(e) = self.drain(&shutdown).await {
                tracing::warn!(error = %crate::error::chain(&e), "outbox pass failed; will retry");
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("outbox worker stopped");
    }

    /// Delivers everything due now.
    pub async fn drain(&self, shutdown: &watch::Receiver<bool>) -> db::Result<()> {
        let lease = chrono::Duration::seconds(self.settings.mail.claim_lease_secs as i64);
        loop {
            let clock = self.clock.clone();
            let batch = self
                .db
                .run(move |c| {
                    write_tx(c, |c| {
                        let now = clock.now();
                        db::outbox::claim_due(c, now, now + lease, BATCH)
                    })
                })
                .await?;
            let done = batch.len() < BATCH as usize;
            for row in batch {
                self.deliver(row).await?;
                if *shutdown.borrow() {
                    return Ok(());
                }
            }
            let pending = self.db.run(db::outbox::pending_count).await?;
            self.metrics.outbox_pending.set(pending);
            if done {
                return Ok(());
            }
        }
    }

    async fn deliver(&self, row: OutboxRow) -> db::Result<()> {
        let body = match self.prepare(&row).await? {
            Prepared::Send(body) => body,
            Prepared::Obsolete => {
                let id = row.id.clone();
                let now = self.clock.now();
                return self
                    .db
                    .run(move |c| {
                        db::outbox::mark_failed(
                            c,
                            &id,
                            now,
                            "obsolete: the account changed after the request",
                        )
                    })
                    .await;
            }
        };
        let sent = self
            .transport
            .send(
                &self.from,
                Outgoing {
                    to: &row.recipient,
                    subject: &row.subject,
                    body: &body,
                },
            )
            .await;
        let now = self.clock.now();
        let id = row.id.clone();
        match sent {
            Ok(()) => {
                self.metrics.outbox_delivered_total.inc();
                tracing::info!(outbox_id = %row.id, kind = %row.kind, "mail delivered");
                self.db
                    .run(move |c| db::outbox::mark_delivered(c, &id, now))
                    .await
            }
            Err(SendError { message, permanent }) => {
                let give_up = permanent
                    || now - row.created_at
                        > chrono::Duration::seconds(self.settings.mail.give_up_after_secs as i64);
                if give_up {
                    self.metrics.outbox_failed_total.inc();
                    tracing::error!(outbox_id = %row.id, kind = %row.kind, attempts = row.attempts, error = %message, "mail given up");
                    self.db
                        .run(move |c| db::outbox::mark_failed(c, &id, now, &message))
                        .await
                } else {
                    let next = now + self.backoff(row.attempts);
                    tracing::warn!(outbox_id = %row.id, kind = %row.kind, attempts = row.attempts, error = %message, "mail delivery failed; will retry");
                    self.db
                        .run(move |c| db::outbox::mark_retry(c, &id, next, &message))
                        .await
                }
            }
        }
    }

    /// The final text. For a reset link, a fresh token is made now (voiding older ones), so
    /// no usable token ever sits in the outbox.
    async fn prepare(&self, row: &OutboxRow) -> db::Result<Prepared> {
        if row.kind != KIND_RESET_LINK {
            return Ok(Prepared::Send(row.body_text.clone()));
        }
        let (Some(user_id), Some(expected_sv)) = (row.user_id, row.security_version) else {
            return Ok(Prepared::Obsolete);
        };
        let ttl = chrono::Duration::seconds(self.settings.reset.token_ttl_secs as i64);
        let clock = self.clock.clone();
        let token = self
            .db
            .run(move |c| {
                write_tx(c, |c| -> db::Result<_> {
                    let current = db::users::auth_state(c, &user_id)?;
                    match current {
                        Some(s) if !s.disabled && s.security_version == expected_sv => {
                            let (secret, digest) = opaque::new_secret();
                            let now: NaiveDateTime = clock.now();
                            db::reset_tokens::replace(c, &user_id, &digest, now, now + ttl)?;
                            Ok(Some(secret))
                        }
                        _ => Ok(None),
                    }
                })
            })
            .await?;
        Ok(match token {
            Some(secret) => Prepared::Send(
                row.body_text
                    .replace(LINK_PLACEHOLDER, &self.settings.reset_link(&secret)),
            ),
            None => Prepared::Obsolete,
        })
    }

    fn backoff(&self, attempts: i32) -> chrono::Duration {
        let base = self.settings.mail.retry_base_secs;
        let factor = 1u64
            .checked_shl(attempts.saturating_sub(1).clamp(0, 30) as u32)
            .unwrap_or(u64::MAX);
        chrono::Duration::seconds(
            base.saturating_mul(factor)
                .min(self.settings.mail.retry_max_secs.max(base)) as i64,
        )
    }
}
