//! Named pause points, so tests can reproduce races deterministically instead of by luck.
//!
//! A flow calls `state.pauses.point("sign_in.verified").await` at the places where another
//! request could slip in (after the slow hash, before the write transaction). Nothing is
//! armed in a running service: the point is one relaxed atomic load and returns at once.
//! A test arms a point, waits until a request has reached it, does the racing change, and
//! then releases the held request:
//!
//! ```ignore
//! let gate = app.state.pauses.arm("sign_in.verified");
//! let sign_in = tokio::spawn(app.post("/v1/auth/token", body));
//! gate.reached().await;
//! app.reset_password(user).await;
//! gate.release();
//! ```
//!
//! A gate holds the first request that reaches it; later ones pass until it is armed again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, Notify};

type Armed = (Arc<Gate>, mpsc::UnboundedReceiver<()>);

#[derive(Default)]
pub struct Pauses {
    armed: AtomicBool,
    gates: Mutex<HashMap<&'static str, Armed>>,
}

pub struct Gate {
    reached: Notify,
    release: mpsc::UnboundedSender<()>,
}

impl Gate {
    /// Returns once a request is held at the point.
    pub async fn reached(&self) {
        self.reached.notified().await;
    }

    /// Lets the held request go on (or the next one pass, if none is held yet).
    pub fn release(&self) {
        let _ = self.release.send(());
    }
}

impl Pauses {
    /// Holds the next request that reaches `name` until the returned gate is released.
    pub fn arm(&self, name: &'static str) -> Arc<Gate> {
        let (release, released) = mpsc::unbounded_channel();
        let gate = Arc::new(Gate {
            reached: Notify::new(),
            release,
        });
        self.lock().insert(name, (gate.clone(), released));
        self.armed.store(true, Ordering::Release);
        gate
    }

    /// A pause point in async code: returns at once unless a test armed `name`.
    pub async fn point(&self, name: &'static str) {
        if let Some((gate, mut released)) = self.take(name) {
            // `notify_one` stores a permit when nobody waits yet, so neither side can miss
            // the other whichever gets there first.
            gate.reached.notify_one();
            released.recv().await;
        }
    }

    /// A pause point inside a database transaction (on a database thread, never on an
    /// async worker): holds the transaction open, locks and all, until released.
    pub fn point_blocking(&self, name: &'static str) {
        if let Some((gate, mut released)) = self.take(name) {
            gate.reached.notify_one();
            released.blocking_recv();
        }
    }

    fn take(&self, name: &'static str) -> Option<Armed> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        self.lock().remove(name)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<&'static str, Armed>> {
        // A poisoned map only means a test panicked while arming; the map is still valid.
        self.gates.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_armed_point_holds_one_request_until_released() {
        let pauses = Arc::new(Pauses::default());
        let gate = pauses.arm("p");
        let held = {
            let pauses = pauses.clone();
            tokio::spawn(async move { pauses.point("p").await })
        };
        gate.reached().await;
        assert!(!held.is_finished());
        // A second request passes: the gate holds only the first.
        pauses.point("p").await;
        gate.release();
        held.await.unwrap();
    }

    #[tokio::test]
    async fn an_unarmed_point_returns_at_once() {
        Pauses::default().point("nothing").await;
    }
}
