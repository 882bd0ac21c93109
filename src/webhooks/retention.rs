//! How long webhook rows are kept: a delivery that was delivered or given up, its attempts
//! (what `GET /v1/admin/webhooks/{id}/deliveries` lists) and, once it has no delivery left,
//! its event go `retention_days` after they settled; an attempt whose endpoint was deleted
//! goes at once. A delivery still owed — waiting, leased or to be retried — is never
//! removed, nor its attempts or its event, however old. Run by the periodic sweep
//! (`startup`), in bounded batches (see `db::webhook_retention`).

use chrono::{Duration, NaiveDateTime};

use crate::config::WebhookSettings;
use crate::db::{self, webhook_retention as prune, DbConn};

/// Removes what has outlived the retention at `now`; returns how many rows went.
pub fn sweep(
    conn: &mut DbConn,
    settings: &WebhookSettings,
    now: NaiveDateTime,
) -> db::Result<usize> {
    // Bounded at start-up; the `min` only keeps the subtraction representable.
    let before = now - Duration::days(settings.retention_days.min(36_500) as i64);
    // Attempts first, then deliveries, then events: what an event or delivery still has
    // keeps it, so each goes after what belongs to it.
    Ok(drain(|| prune::old_attempts(conn, before))?
        + drain(|| prune::orphan_attempts(conn))?
        + drain(|| prune::settled_deliveries(conn, before))?
        + drain(|| prune::finished_events(conn, before))?)
}

/// Repeats `batch` until it removes less than a full batch.
fn drain(mut batch: impl FnMut() -> db::Result<usize>) -> db::Result<usize> {
    let mut removed = 0;
    loop {
        let n = batch()?;
        removed += n;
        if n < prune::BATCH as usize {
            return Ok(removed);
        }
    }
}
