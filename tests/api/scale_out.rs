//! Two passgate processes on one database, requests alternating between them: everything
//! that must hold across instances lives in the database (PostgreSQL in CI's second pass,
//! SQLite in the first). Each process has its own pool, hashing pool, outbox worker and SMTP
//! listener.

use std::process::{Command, Stdio};

use passgate::config::DatabaseSettings;
use passgate::db::Db;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    fresh_database, outbox_settled, passgate, poll_until, Server, TestDb, STRONG, STRONG_2,
};
use crate::smtp::MailServer;

const ADMIN_PASSWORD: &str = "quartz pelican sings over ninety amber dunes";
const WRONG: &str = "not the password, not even close";

struct Process {
    server: Server,
    mail: MailServer,
}

struct Cluster {
    nodes: [Process; 2],
    client: reqwest::Client,
    admin: String,
    /// The shared database, read directly to tell when the outbox has settled.
    db: Db,
    _db: TestDb,
}

fn command(db_url: &str, smtp: u16) -> Command {
    let mut cmd = passgate(db_url);
    cmd.env("PASSGATE__DATABASE__MAX_CONNECTIONS", "4")
        .env("PASSGATE__SERVER__WORKERS", "1")
        .env("PASSGATE__HASHING__QUEUE", "256")
        .env("PASSGATE__MAIL__TRANSPORT", "smtp")
        .env(
            "PASSGATE__MAIL__SMTP_URL",
            format!("smtp://127.0.0.1:{smtp}"),
        )
        .env("PASSGATE__MAIL__POLL_INTERVAL_MS", "50")
        .stdout(Stdio::null());
    cmd
}

impl Cluster {
    async fn start() -> Self {
        let (db_url, guard) = fresh_database();
        let status = command(&db_url, 25)
            .args([
                "create-admin",
                "--email",
                "root@example.com",
                "--password",
                ADMIN_PASSWORD,
            ])
            .status()
            .unwrap();
        assert!(status.success());
        let client = reqwest::Client::new();
        let mut nodes = Vec::new();
        for _ in 0..2 {
            let mail = MailServer::start().await;
            let server = Server::start(command(&db_url, mail.port)).await;
            nodes.push(Process { server, mail });
        }
        let nodes: [Process; 2] = nodes.try_into().ok().unwrap();
        let admin: Value = client
            .post(format!("{}/v1/auth/token", nodes[0].server.url))
            .json(&json!({"email": "root@example.com", "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let admin = admin["access_token"].as_str().unwrap().to_owned();
        let db = Db::connect(&DatabaseSettings {
            url: db_url,
            max_connections: 2,
            ..DatabaseSettings::default()
        })
        .unwrap();
        Self {
            nodes,
            client,
            admin,
            db,
            _db: guard,
        }
    }

    /// Node `i % 2`: consecutive calls alternate between the processes.
    fn node(&self, i: usize) -> &Process {
        &self.nodes[i % 2]
    }

    async fn post(&self, i: usize, path: &str, body: Value, token: Option<&str>) -> Response {
        let mut req = self
            .client
            .post(format!("{}{path}", self.node(i).server.url))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    async fn create_user(&self, email: &str) {
        let res = self
            .post(
                1,
                "/v1/admin/users",
                json!({"email": email, "password": STRONG}),
                Some(&self.admin),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    async fn sign_in(&self, i: usize, email: &str, password: &str) -> Response {
        self.post(
            i,
            "/v1/auth/token",
            json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    fn delivered(&self, address: &str) -> usize {
        self.nodes.iter().map(|n| n.mail.to(address).len()).sum()
    }

    async fn wait_delivered(&self, address: &str, count: usize) {
        poll_until(&format!("{count} messages to {address}"), async || {
            self.delivered(address) >= count
        })
        .await;
    }
}

async fn code(res: Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn lockout_counts_across_processes() {
    let cluster = Cluster::start().await;
    cluster.create_user("ada@example.com").await;
    for i in 0..10 {
        let wrong = format!("{WRONG} {i}");
        assert_eq!(
            code(cluster.sign_in(i, "ada@example.com", &wrong).await).await,
            (401, "invalid_credentials".into())
        );
    }
    for i in 0..2 {
        assert_eq!(
            code(cluster.sign_in(i, "ada@example.com", STRONG).await).await,
            (429, "account_locked".into())
        );
    }
}

#[tokio::test]
async fn parallel_guesses_on_both_processes_never_exceed_the_limit() {
    let cluster = Cluster::start().await;
    cluster.create_user("ada@example.com").await;
    let wrong: Vec<String> = (0..30).map(|i| format!("{WRONG} {i}")).collect();
    let guesses = wrong
        .iter()
        .enumerate()
        .map(|(i, w)| cluster.sign_in(i, "ada@example.com", w));
    let mut checked = 0;
    for res in futures_util::future::join_all(guesses).await {
        match code(res).await {
            (401, _) => checked += 1,
            (429, c) => assert_eq!(c, "account_locked"),
            other => panic!("{other:?}"),
        }
    }
    assert!(
        checked <= 10,
        "{checked} guesses were checked; the limit is 10"
    );
}

#[tokio::test]
async fn reset_requests_per_address_are_limited_across_processes() {
    let cluster = Cluster::start().await;
    let mut answers = Vec::new();
    for i in 0..30 {
        let res = cluster
            .post(
                i,
                "/v1/password-resets",
                json!({"email": "x@example.com"}),
                None,
            )
            .await;
        answers.push(res.status().as_u16());
    }
    // The default 20 a minute from one address, whichever process answers.
    assert_eq!(
        answers.iter().filter(|s| **s == 202).count(),
        20,
        "{answers:?}"
    );
    assert!(answers[20..].iter().all(|s| *s == 429), "{answers:?}");
}

#[tokio::test]
async fn one_reset_token_wins_once_across_processes() {
    let cluster = Cluster::start().await;
    cluster.create_user("ada@example.com").await;
    cluster
        .post(
            0,
            "/v1/password-resets",
            json!({"email": "ada@example.com"}),
            None,
        )
        .await;
    cluster.wait_delivered("ada@example.com", 1).await;
    let mail = cluster
        .nodes
        .iter()
        .flat_map(|n| n.mail.to("ada@example.com"))
        .next()
        .unwrap();
    let token = mail
        .link()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let passwords: Vec<String> = (0..16).map(|i| format!("{STRONG_2} number {i}")).collect();
    let confirms = passwords.iter().enumerate().map(|(i, p)| {
        cluster.post(
            i,
            "/v1/password-resets/confirm",
            json!({"token": token, "new_password": p}),
            None,
        )
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(confirms)
        .await
        .iter()
        .map(|r| r.status())
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::NO_CONTENT)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::BAD_REQUEST)
            .count(),
        15,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn refresh_rotation_and_revocation_hold_across_processes() {
    let cluster = Cluster::start().await;
    cluster.create_user("ada@example.com").await;
    let first: Value = cluster
        .sign_in(0, "ada@example.com", STRONG)
        .await
        .json()
        .await
        .unwrap();
    let second: Value = cluster
        .post(
            1,
            "/v1/auth/refresh",
            json!({"refresh_token": first["refresh_token"]}),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(second["access_token"].is_string());
    // Reusing the rotated token on the other process revokes the family everywhere.
    assert_eq!(
        code(
            cluster
                .post(
                    0,
                    "/v1/auth/refresh",
                    json!({"refresh_token": first["refresh_token"]}),
                    None
                )
                .await
        )
        .await
        .0,
        401
    );
    assert_eq!(
        code(
            cluster
                .post(
                    1,
                    "/v1/auth/refresh",
                    json!({"refresh_token": second["refresh_token"]}),
                    None
                )
                .await
        )
        .await
        .0,
        401
    );

    let session: Value = cluster
        .sign_in(1, "ada@example.com", STRONG)
        .await
        .json()
        .await
        .unwrap();
    let token = session["access_token"].as_str().unwrap();
    let changed = cluster
        .post(
            0,
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            Some(token),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let me = cluster
        .client
        .get(format!("{}/v1/me", cluster.nodes[1].server.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn reset_throttles_and_outbox_delivery_hold_across_processes() {
    let cluster = Cluster::start().await;
    cluster.create_user("ada@example.com").await;
    for i in 0..6 {
        assert_eq!(
            cluster
                .post(
                    i,
                    "/v1/password-resets",
                    json!({"email": "ada@example.com"}),
                    None
                )
                .await
                .status(),
            StatusCode::ACCEPTED
        );
    }
    // 14 more from the same address: 20 in all, the per-address limit (shared, see below).
    for i in 0..14 {
        cluster.create_user(&format!("u{i}@example.com")).await;
        cluster
            .post(
                i,
                "/v1/password-resets",
                json!({"email": format!("u{i}@example.com")}),
                None,
            )
            .await;
    }
    // Both workers run; every message goes out exactly once, from one of them.
    for i in 0..14 {
        cluster
            .wait_delivered(&format!("u{i}@example.com"), 1)
            .await;
    }
    cluster.wait_delivered("ada@example.com", 3).await;
    // Every row delivered: each send finished before its row was marked, and no worker
    // sends a delivered row, so the counts below are final.
    outbox_settled(&cluster.db).await;
    assert_eq!(
        cluster.delivered("ada@example.com"),
        3,
        "the per-account limit holds across processes"
    );
    for i in 0..14 {
        assert_eq!(
            cluster.delivered(&format!("u{i}@example.com")),
            1,
            "u{i} got its mail exactly once"
        );
    }
}
