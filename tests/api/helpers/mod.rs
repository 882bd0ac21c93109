//! What the integration tests share: the app started in-process on a random port
//! (`spawn_app`), its database, clock and outbox, polling with a deadline, and (in
//! `process`) real passgate processes.

pub mod console;
mod process;
mod receiver;

pub use process::{free_port, passgate, passgate_bare, Server};
pub use receiver::Receiver;

use std::sync::Once;
use std::time::Duration;

use actix_web::web;
use diesel::prelude::*;
use diesel::PgConnection;
use passgate::config::Settings;
use passgate::db::outbox::OutboxRow;
use passgate::db::schema::outbox::dsl as ob;
use passgate::db::Db;
use passgate::domain::Parsed;
use passgate::flows::users::{self, NewAccount};
use passgate::flows::ClientAddress;
use passgate::startup::Application;
use passgate::state::AppState;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::smtp::MailServer;

/// A password that passes the default policy.
pub const STRONG: &str = "violet kettle marches under seven quiet bridges";
pub const STRONG_2: &str = "amber lantern drifts past eleven sleepy harbors";

pub struct TestApp {
    pub address: String,
    /// The management listener (`/metrics`, `/healthz`, `/readyz`).
    pub management: String,
    /// The SMTP listener this app's mail goes to.
    pub mail: MailServer,
    pub client: reqwest::Client,
    pub state: web::Data<AppState>,
    _db: TestDb,
}

pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server: String,
        name: String,
    },
    /// A second instance on another app's database, which that app drops.
    Shared,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { server, name } = self {
            if let Ok(mut conn) = PgConnection::establish(server) {
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut conn);
            }
        }
    }
}

/// Where the test databases live: `PASSGATE_TEST_DATABASE_URL` (PostgreSQL) or SQLite.
fn test_database(settings: &mut Settings) -> TestDb {
    match std::env::var("PASSGATE_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => {
            let name = format!("passgate_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(&server)
                .expect("PASSGATE_TEST_DATABASE_URL must reach PostgreSQL");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .expect("create test database");
            let (base, _) = server
                .rsplit_once('/')
                .expect("a database URL ends with /name");
            settings.database.url = format!("{base}/{name}");
            settings.database.max_connections = 4;
            TestDb::Postgres { server, name }
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            settings.database.url =
                format!("sqlite://{}", dir.path().join("passgate.db").display());
            TestDb::Sqlite(dir)
        }
    }
}

/// A fresh database of the backend under test, dropped with the returned guard.
pub fn fresh_database() -> (String, TestDb) {
    let mut settings = Settings::default();
    let guard = test_database(&mut settings);
    (settings.database.url, guard)
}

/// Cheap hashing, one worker, a fixed secret: fast tests that still run the real code.
pub fn test_settings() -> Settings {
    let mut s = Settings::default();
    s.server.port = 0;
    s.management.port = 0;
    s.server.workers = 1;
    s.jwt.secret = Some("test-secret-that-is-long-enough-0123456789".into());
    s.hashing.memory_kib = 256;
    s.hashing.iterations = 1;
    s.hashing.max_concurrent = 2;
    s.log.level = "warn".into();
    s
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    static LOGS: Once = Once::new();
    LOGS.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            passgate::telemetry::init(&passgate::config::LogSettings {
                level: "debug".into(),
                ..Default::default()
            });
        }
    });
    let mut settings = test_settings();
    let db = test_database(&mut settings);
    let mail = MailServer::start().await;
    settings.mail.transport = passgate::config::MailTransport::Smtp;
    settings.mail.smtp_url = mail.url();
    settings.mail.poll_interval_ms = 50;
    settings.mail.retry_base_secs = 1;
    tweak(&mut settings);
    settings.validate().expect("test settings are valid");
    let app = Application::build(settings).await.expect("app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let management = format!("http://127.0.0.1:{}", app.management_port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        management,
        mail,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        state,
        _db: db,
    }
}

impl TestApp {
    /// Another passgate process-alike on the same database (as when scaling out).
    pub async fn second_instance(&self) -> TestApp {
        let url = self.state.settings.database.url.clone();
        let mut app = spawn_app_with(|s| s.database.url = url.clone()).await;
        let own = std::mem::replace(&mut app._db, TestDb::Shared);
        drop(own);
        app
    }

    /// Moves this app's clock forward: expiries, lockouts, throttle windows and mail
    /// retries see the time `by` later, without the test waiting for it.
    pub fn advance(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// The outbox rows addressed to `address`. Mail is queued in the transaction of the
    /// change that causes it, so once a request has been answered an empty list means no
    /// mail will be sent for it: no need to wait and watch the SMTP listener.
    pub async fn outbox_to(&self, address: &str) -> Vec<OutboxRow> {
        let address = address.to_owned();
        self.state
            .db
            .run(move |c| -> passgate::db::Result<_> {
                Ok(ob::outbox
                    .filter(ob::recipient.eq(address))
                    .select(OutboxRow::as_select())
                    .load(c)?)
            })
            .await
            .expect("outbox readable")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The Prometheus text from the management listener.
    pub async fn metrics(&self) -> String {
        let res = self
            .client
            .get(format!("{}/metrics", self.management))
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Response {
        let mut req = self.client.post(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn patch(&self, path: &str, body: Value, token: Option<&str>) -> Response {
        let mut req = self.client.patch(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    /// Creates a user directly through the flow (no HTTP), returning its id.
    pub async fn create_user(&self, email: &str, password: &str, roles: &[&str]) -> String {
        let created = users::create(
            &self.state,
            None,
            NewAccount {
                email: Parsed::from_raw(email.into()),
                display_name: None,
                roles: Some(Parsed::from_raw(
                    roles.iter().map(|r| r.to_string()).collect(),
                )),
                password: Some(password.into()),
                require_change_on_next_sign_in: Some(false),
                locale: None,
            },
            ClientAddress::default(),
        )
        .await
        .expect("user created");
        created.user.id
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post(
            "/v1/auth/token",
            json!({ "email": email, "password": password }),
            None,
        )
        .await
    }

    /// A client whose requests come from 127.0.0.`n`: a lockout source of its own (the whole
    /// 127.0.0.0/8 is loopback on Linux).
    pub fn client_from(&self, n: u8) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(std::net::IpAddr::from([127, 0, 0, n]))
            .build()
            .unwrap()
    }

    /// A sign-in from 127.0.0.`n`.
    pub async fn sign_in_from(&self, n: u8, email: &str, password: &str) -> Response {
        self.client_from(n)
            .post(self.url("/v1/auth/token"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request sent")
    }

    /// Signs in and returns the token pair; panics unless it succeeds.
    pub async fn tokens(&self, email: &str, password: &str) -> Value {
        let res = self.sign_in(email, password).await;
        assert_eq!(res.status(), StatusCode::OK, "sign-in of {email} failed");
        res.json().await.unwrap()
    }

    /// A signed-in admin: (user id, access token).
    pub async fn admin(&self) -> (String, String) {
        let id = self
            .create_user("root@example.com", STRONG, &["admin"])
            .await;
        let tokens = self.tokens("root@example.com", STRONG).await;
        (id, tokens["access_token"].as_str().unwrap().to_owned())
    }
}

/// Waits until no outbox row is waiting to be sent (each is delivered or given up). A row
/// is marked after its send has finished and no worker sends a marked row, so what the
/// SMTP listeners hold then is all there will be: "exactly once" can be asserted at once.
pub async fn outbox_settled(db: &Db) {
    poll_until("the outbox to settle", async || {
        db.run(|c| -> passgate::db::Result<_> {
            Ok(ob::outbox
                .filter(ob::delivered_at.is_null())
                .filter(ob::failed_at.is_null())
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .expect("outbox readable")
            == 0
    })
    .await;
}

/// Polls `check` until it holds, for a condition another task or process makes true
/// (a delivery attempted, a server listening): no fixed wait, and a deadline so a
/// condition that never comes fails the test, naming `what`. The deadline is generous
/// (30 s) because it only bounds a failure: a passing test waits no longer than it must.
pub async fn poll_until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reads a problem+json answer, checking its status, content type and code.
pub async fn assert_problem(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["code"], code, "unexpected problem: {body}");
    assert_eq!(body["status"], status);
    for key in ["type", "title", "detail"] {
        assert!(body[key].is_string(), "problem lacks {key}: {body}");
    }
    body
}
