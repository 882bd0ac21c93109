//! Prometheus metrics. Labels carry route patterns and outcomes only — never an email, an
//! id or a token — so cardinality stays bounded and nothing personal is exported.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub http_requests_total: IntCounterVec,
    pub http_request_duration_seconds: HistogramVec,
    pub hash_queue_depth: IntGauge,
    pub hash_wait_seconds: Histogram,
    pub hash_rejected_total: IntCounter,
    pub sign_ins_total: IntCounterVec,
    pub password_changes_total: IntCounterVec,
    pub db_pool_connections: IntGaugeVec,
    pub outbox_pending: IntGauge,
    pub outbox_delivered_total: IntCounter,
    pub outbox_failed_total: IntCounter,
    pub breach_checks_total: IntCounterVec,
    pub webhook_deliveries_total: IntCounterVec,
    pub webhook_pending: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_requests_total = IntCounterVec::new(
            Opts::new("passgate_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_request_duration_seconds = HistogramVec::new(
            HistogramOpts::new(
                "passgate_http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let hash_queue_depth = IntGauge::new(
            "passgate_password_hash_queue_depth",
            "Password-hashing jobs waiting for a hashing thread",
        )
        .expect("valid metric");
        let hash_wait_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "passgate_password_hash_wait_seconds",
                "Time a password-hashing job waited in the queue",
            )
            .buckets(vec![
                0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
        )
        .expect("valid metric");
        let hash_rejected_total = IntCounter::new(
            "passgate_password_hash_rejected_total",
            "Password-hashing jobs refused because the queue was full (scale on this)",
        )
        .expect("valid metric");
        let sign_ins_total = IntCounterVec::new(
            Opts::new("passgate_sign_ins_total", "Sign-in attempts by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let password_changes_total = IntCounterVec::new(
            Opts::new(
                "passgate_password_changes_total",
                "Password changes by kind",
            ),
            &["kind"],
        )
        .expect("valid metric");
        let db_pool_connections = IntGaugeVec::new(
            Opts::new(
                "passgate_db_pool_connections",
                "Database pool connections by state",
            ),
            &["state"],
        )
        .expect("valid metric");
        let outbox_pending = IntGauge::new("passgate_outbox_pending", "Mail waiting in the outbox")
            .expect("valid metric");
        let outbox_delivered_total = IntCounter::new(
            "passgate_outbox_delivered_total",
            "Mail delivered from the outbox",
        )
        .expect("valid metric");
        let outbox_failed_total = IntCounter::new(
            "passgate_outbox_failed_total",
            "Mail given up after retries",
        )
        .expect("valid metric");
        let breach_checks_total = IntCounterVec::new(
            Opts::new(
                "passgate_breach_checks_total",
                "Breached-password lookups by source and outcome",
            ),
            &["source", "outcome"],
        )
        .expect("valid metric");
        for source in ["corpus", "range"] {
            for outcome in ["found", "not_found", "error"] {
                breach_checks_total.with_label_values(&[source, outcome]);
            }
        }
        let webhook_deliveries_total = IntCounterVec::new(
            Opts::new(
                "passgate_webhook_deliveries_total",
                "Webhook delivery attempts by outcome",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        // The worker's fixed set (`webhooks::worker::OUTCOMES`).
        for outcome in ["delivered", "failed", "given_up", "gone", "refused"] {
            webhook_deliveries_total.with_label_values(&[outcome]);
        }
        let webhook_pending = IntGauge::new(
            "passgate_webhook_pending",
            "Webhook deliveries waiting to be sent or retried",
        )
        .expect("valid metric");
        for outcome in ["success", "failed", "locked"] {
            sign_ins_total.with_label_values(&[outcome]);
        }
        for kind in ["self", "admin", "reset"] {
            password_changes_total.with_label_values(&[kind]);
        }
        for c in [
            Box::new(http_requests_total.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_request_duration_seconds.clone()),
            Box::new(hash_queue_depth.clone()),
            Box::new(hash_wait_seconds.clone()),
            Box::new(hash_rejected_total.clone()),
            Box::new(sign_ins_total.clone()),
            Box::new(password_changes_total.clone()),
            Box::new(db_pool_connections.clone()),
            Box::new(outbox_pending.clone()),
            Box::new(outbox_delivered_total.clone()),
            Box::new(outbox_failed_total.clone()),
            Box::new(breach_checks_total.clone()),
            Box::new(webhook_deliveries_total.clone()),
            Box::new(webhook_pending.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        Self {
            registry,
            http_requests_total,
            http_request_duration_seconds,
            hash_queue_depth,
            hash_wait_seconds,
            hash_rejected_total,
            sign_ins_total,
            password_changes_total,
            db_pool_connections,
            outbox_pending,
            outbox_delivered_total,
            outbox_failed_total,
            breach_checks_total,
            webhook_deliveries_total,
            webhook_pending,
        }
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for well-formed metrics.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
