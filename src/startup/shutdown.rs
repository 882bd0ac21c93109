//! The start of a shutdown. SIGTERM or SIGINT marks the instance as draining at once, so
//! `/readyz` answers 503 and a load balancer stops sending it new requests, while `/healthz`
//! stays 200 (the process is alive and finishing its work). After
//! `SERVER__SHUTDOWN_DELAY_SECS` the public listener stops accepting and in-flight requests
//! get `SERVER__SHUTDOWN_TIMEOUT_SECS` to finish.

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::web;

use crate::state::AppState;

/// Resolves when the public server is to stop gracefully: a signal, then the delay.
pub(super) async fn requested(state: web::Data<AppState>) {
    signalled().await;
    state.draining.store(true, Ordering::Release);
    let delay = state.settings.server.shutdown_delay_secs;
    tracing::info!(
        delay_secs = delay,
        "shutting down: /readyz answers 503; still accepting for the delay, then draining"
    );
    // The delay lets a load balancer see the 503 before connections are refused.
    tokio::time::sleep(Duration::from_secs(delay)).await;
}

/// The first SIGTERM or SIGINT (both drain; neither stops at once).
async fn signalled() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => return,
                    _ = tokio::signal::ctrl_c() => return,
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for SIGTERM; SIGINT only"),
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::warn!(error = %e, "cannot listen for SIGINT; stop the process by killing it");
        std::future::pending::<()>().await;
    }
}
