//! Webhook retention: the sweep removes settled deliveries, their attempts and their
//! events `PASSGATE__WEBHOOKS__RETENTION_DAYS` after they settled, and an attempt whose
//! endpoint is gone at once; a delivery still owed stays however old. The tests move the
//! clock and run the sweep the periodic task runs.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use passgate::db::webhooks::{AttemptRow, DeliveryRow, EventRow, WebhookRow};
use serde_json::{json, Value};

use crate::helpers::{passgate_bare, poll_until, spawn_app, Receiver, TestApp, STRONG};
use crate::webhooks::{attempts, create_hook, hooks_app, send_test};

const DAY: Duration = Duration::from_secs(86_400);

/// What the periodic sweep does for webhooks, at the app's clock.
async fn sweep(app: &TestApp) -> usize {
    let settings = app.state.settings.webhooks.clone();
    let clock = app.state.clock.clone();
    app.state
        .db
        .run(move |c| passgate::webhooks::retention::sweep(c, &settings, clock.now()))
        .await
        .unwrap()
}

/// Rows in (webhook_events, webhook_deliveries, webhook_attempts).
async fn counts(app: &TestApp) -> (i64, i64, i64) {
    app.state
        .db
        .run(|c| -> passgate::db::Result<_> {
            use passgate::db::schema::{webhook_attempts, webhook_deliveries, webhook_events};
            Ok((
                webhook_events::table.count().get_result(c)?,
                webhook_deliveries::table.count().get_result(c)?,
                webhook_attempts::table.count().get_result(c)?,
            ))
        })
        .await
        .unwrap()
}

fn attempt(webhook_id: &str, delivery_id: &str, event_id: &str, at: NaiveDateTime) -> AttemptRow {
    AttemptRow {
        id: uuid::Uuid::now_v7().to_string(),
        webhook_id: webhook_id.to_owned(),
        delivery_id: delivery_id.to_owned(),
        event_id: event_id.to_owned(),
        event_type: "webhook.test".into(),
        attempt: 1,
        attempted_at: at,
        status_code: Some(500),
        duration_ms: 3,
        error: Some("answered 500".into()),
        next_attempt_at: None,
    }
}

/// An event of `webhook_id` fanned out at `at` with one delivery, after one failed attempt
/// then, in the state `state` puts it in: retried, leased or given up.
async fn delivery_of(app: &TestApp, webhook_id: &str, at: NaiveDateTime, state: State) {
    let event = EventRow {
        id: uuid::Uuid::now_v7().to_string(),
        event_type: "webhook.test".into(),
        payload: "{}".into(),
        created_at: at,
        fanned_out_at: Some(at),
        target_webhook_id: Some(webhook_id.to_owned()),
        decoy: false,
    };
    let mut delivery = DeliveryRow {
        id: uuid::Uuid::now_v7().to_string(),
        webhook_id: webhook_id.to_owned(),
        event_id: event.id.clone(),
        attempts: 1,
        created_at: at,
        next_attempt_at: at,
        locked_until: None,
        delivered_at: None,
        failed_at: None,
    };
    let mut tried = attempt(webhook_id, &delivery.id, &event.id, at);
    match state {
        State::RetriedAt(next) => {
            delivery.next_attempt_at = next;
            tried.next_attempt_at = Some(next);
        }
        State::LeasedUntil(until) => {
            delivery.next_attempt_at = until;
            delivery.locked_until = Some(until);
            tried.next_attempt_at = Some(until);
        }
        State::GivenUpAt(when) => delivery.failed_at = Some(when),
    }
    app.state
        .db
        .run(move |c| {
            passgate::db::webhooks::insert_event(c, &event)?;
            passgate::db::webhooks::insert_deliveries(c, &[delivery])?;
            passgate::db::webhooks::record_attempt(c, &tried)
        })
        .await
        .unwrap();
}

enum State {
    RetriedAt(NaiveDateTime),
    LeasedUntil(NaiveDateTime),
    GivenUpAt(NaiveDateTime),
}

async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.get(query, Some(token)).await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn settled_rows_go_after_the_retention_and_owed_or_recent_ones_stay() {
    let app = hooks_app().await;
    let (_, token) = app.admin().await;
    let receiver = Receiver::start().await;
    let (ok, _) = create_hook(&app, &token, &receiver.url("/ok"), json!(["webhook.test"])).await;
    let (other, _) = create_hook(
        &app,
        &token,
        &receiver.url("/fail"),
        json!(["user.disabled"]),
    )
    .await;
    for _ in 0..3 {
        send_test(&app, &token, &ok).await;
    }
    poll_until("three deliveries", async || {
        attempts(&app, &token, &ok).await.len() == 3
    })
    .await;
    // Deliveries as old as those: two still owed (not due before the sweep), one waiting
    // for its retry, one leased by a worker; and one given up 3 days later, whose first
    // attempt is as old as the others too.
    let start = app.state.clock.now();
    let later = start + chrono::Duration::days(40);
    delivery_of(&app, &other, start, State::RetriedAt(later)).await;
    delivery_of(&app, &other, start, State::LeasedUntil(later)).await;
    let given_up = start + chrono::Duration::days(3);
    delivery_of(&app, &other, start, State::GivenUpAt(given_up)).await;
    assert_eq!(sweep(&app).await, 0, "nothing is old enough yet");
    assert_eq!(counts(&app).await, (6, 6, 6));

    app.advance(31 * DAY);
    let token = app.tokens("root@example.com", STRONG).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut recent = Vec::new();
    for _ in 0..3 {
        recent.push(send_test(&app, &token, &ok).await);
    }
    poll_until("three recent deliveries", async || {
        attempts(&app, &token, &ok).await.len() == 6
    })
    .await;
    // The old deliveries: 3 attempts, 3 deliveries, 3 events.
    assert_eq!(sweep(&app).await, 9);
    assert_eq!(counts(&app).await, (6, 6, 6));
    assert_eq!(sweep(&app).await, 0);

    // The log pages as before over what is left: the recent ones, newest first.
    let path = format!("/v1/admin/webhooks/{ok}/deliveries");
    let first = page(&app, &token, &format!("{path}?limit=2")).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = page(&app, &token, &format!("{path}?limit=2&cursor={cursor}")).await;
    assert_eq!(rest["next_cursor"], Value::Null);
    let listed: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|a| a["event_id"].as_str().unwrap())
        .collect();
    recent.reverse();
    assert_eq!(listed, recent);
    let kept = attempts(&app, &token, &other).await;
    assert_eq!(
        kept.len(),
        3,
        "a delivery owed or settled since keeps its attempts"
    );

    // Then the given-up one goes, 30 days after it settled; the owed ones still stay.
    app.advance(3 * DAY);
    assert_eq!(sweep(&app).await, 3);
    assert_eq!(counts(&app).await, (5, 5, 5));
    let token = app.tokens("root@example.com", STRONG).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = attempts(&app, &token, &other).await;
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().all(|a| a["next_attempt_at"].is_string()));
}

#[tokio::test]
async fn an_attempt_whose_endpoint_is_gone_goes_at_the_next_sweep() {
    let app = spawn_app().await;
    let now = app.state.clock.now();
    let endpoint = WebhookRow {
        id: uuid::Uuid::now_v7().to_string(),
        url: "https://hooks.example.com/passgate".into(),
        description: None,
        events: r#"["*"]"#.into(),
        disabled: false,
        secret: "sealed".into(),
        previous_secret: None,
        previous_secret_expires_at: None,
        created_at: now,
        updated_at: now,
    };
    // As recorded by a delivery that finished after its endpoint was deleted, beside a
    // recent attempt of an endpoint that exists.
    let orphan = attempt("a-deleted-endpoint", "its-delivery", "its-event", now);
    let kept = attempt(&endpoint.id, "a-delivery", "an-event", now);
    app.state
        .db
        .run(move |c| {
            passgate::db::webhooks::insert(c, &endpoint)?;
            passgate::db::webhooks::record_attempt(c, &orphan)?;
            passgate::db::webhooks::record_attempt(c, &kept)
        })
        .await
        .unwrap();
    assert_eq!(sweep(&app).await, 1);
    assert_eq!(counts(&app).await, (0, 0, 1));
}

#[test]
fn a_retention_shorter_than_the_give_up_window_stops_start_up() {
    for (days, give_up) in [("0", "3600"), ("2", "259200"), ("36501", "3600")] {
        let out = passgate_bare()
            .arg("migrate")
            .env("PASSGATE__WEBHOOKS__RETENTION_DAYS", days)
            .env("PASSGATE__WEBHOOKS__GIVE_UP_AFTER_SECS", give_up)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("PASSGATE__WEBHOOKS__RETENTION_DAYS: must be between 1 and 36500"),
            "{stderr}"
        );
    }
}
