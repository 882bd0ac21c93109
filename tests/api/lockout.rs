//! Smart lockout (contract: "Throttling"): per account and source, the unfamiliar ceiling,
//! repeated passwords, enumeration safety, unlock and reset. Sources are real client
//! addresses: each `*_from(n, …)` call binds its socket to 127.0.0.n.

use std::time::Duration;

use diesel::prelude::*;
use passgate::db::schema::users::dsl as u;
use passgate::metrics::Metrics;
use passgate::password::Hasher;
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app_with, TestApp, STRONG};

const WRONG: &str = "not the password, not even close";

fn wrong(i: usize) -> String {
    format!("{WRONG} #{i}")
}

fn retry_after(res: &Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn fail_from(app: &TestApp, n: u8, email: &str, count: usize) {
    for i in 0..count {
        assert_problem(
            app.sign_in_from(n, email, &format!("{} from {n}", wrong(i)))
                .await,
            401,
            "invalid_credentials",
        )
        .await;
    }
}

async fn audit(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/v1/admin/audit-events?{query}"), Some(admin))
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn ten_failures_lock_that_source_out_even_for_the_right_password() {
    let app = spawn_app_with(|_| {}).await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    fail_from(&app, 2, "ada@example.com", 10).await;
    let res = app.sign_in_from(2, "ada@example.com", STRONG).await;
    let retry = retry_after(&res);
    assert!((59..=60).contains(&retry), "{retry}");
    assert_problem(res, 429, "account_locked").await;

    let (_, admin) = app.admin().await;
    let locked = audit(&app, &admin, &format!("action=auth.locked&user_id={id}")).await;
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0]["client_ip"], "127.0.0.2");
    assert_eq!(locked[0]["details"]["source"], "127.0.0.2");
}

#[tokio::test]
async fn the_owner_signs_in_from_another_source_while_one_is_locked() {
    let app = spawn_app_with(|_| {}).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    fail_from(&app, 2, "ada@example.com", 10).await;
    assert_problem(
        app.sign_in_from(2, "ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
    let res = app.sign_in_from(3, "ada@example.com", STRONG).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The success from .3 ends nothing for .2.
    assert_problem(
        app.sign_in_from(2, "ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
}

#[tokio::test]
async fn a_success_resets_the_sources_count() {
    let app = spawn_app_with(|_| {}).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    fail_from(&app, 2, "ada@example.com", 9).await;
    assert_eq!(
        app.sign_in_from(2, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
    fail_from(&app, 2, "ada@example.com", 9).await;
    assert_eq!(
        app.sign_in_from(2, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
}

/// What a client can observe of a lockout answer, minus what differs per request.
async fn observed(res: Response) -> (u16, Vec<String>, String, Value) {
    let status = res.status().as_u16();
    let mut names: Vec<String> = res
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k != "x-request-id" && k != "date")
        .collect();
    names.sort();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, names, retry, res.json().await.unwrap())
}

#[tokio::test]
async fn unknown_disabled_and_real_addresses_lock_alike() {
    let app = spawn_app_with(|_| {}).await;
    app.create_user("real@example.com", STRONG, &["user"]).await;
    let off = app.create_user("off@example.com", STRONG, &["user"]).await;
    let (_, admin) = app.admin().await;
    let res = app
        .patch(
            &format!("/v1/admin/users/{off}"),
            json!({"disabled": true}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let mut seen = Vec::new();
    for (n, email) in [
        (2, "real@example.com"),
        (3, "off@example.com"),
        (4, "nobody@example.com"),
    ] {
        let mut answers = Vec::new();
        for i in 0..11 {
            answers.push(observed(app.sign_in_from(n, email, &wrong(i)).await).await);
        }
        seen.push(answers);
    }
    assert_eq!(seen[0][10].0, 429, "{:?}", seen[0][10]);
    assert_eq!(seen[0][9].0, 401);
    assert_eq!(seen[0], seen[1], "real and disabled differ");
    assert_eq!(seen[0], seen[2], "real and unknown differ");
}

#[tokio::test]
async fn the_same_wrong_password_repeated_counts_once() {
    let app = spawn_app_with(|_| {}).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    // An old saved password retried many times, plus 8 others: 9 counted, still open.
    for _ in 0..25 {
        assert_problem(
            app.sign_in_from(2, "ada@example.com", WRONG).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    fail_from(&app, 2, "ada@example.com", 8).await;
    assert_eq!(
        app.sign_in_from(2, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
    // The repeated one plus nine others lock.
    for _ in 0..5 {
        app.sign_in_from(2, "ada@example.com", "yet another wrong password")
            .await;
    }
    for i in 0..9 {
        app.sign_in_from(2, "ada@example.com", &format!("fresh wrong {i}"))
            .await;
    }
    assert_problem(
        app.sign_in_from(2, "ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
}

#[tokio::test]
async fn unfamiliar_sources_share_an_hourly_ceiling_while_familiar_ones_keep_their_own() {
    let app = spawn_app_with(|s| s.lockout.unfamiliar_max_failures_per_hour = 6).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    // .9 is familiar: the owner signed in from there.
    assert_eq!(
        app.sign_in_from(9, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
    for n in 2..5 {
        fail_from(&app, n, "ada@example.com", 2).await;
    }
    // Six unfamiliar failures: every unfamiliar source is refused now, the right password too.
    for n in [2, 5] {
        let res = app.sign_in_from(n, "ada@example.com", STRONG).await;
        let retry = retry_after(&res);
        assert!((3590..=3600).contains(&retry), "{retry}");
        assert_problem(res, 429, "account_locked").await;
    }
    // The familiar source keeps its own counter.
    fail_from(&app, 9, "ada@example.com", 3).await;
    assert_eq!(
        app.sign_in_from(9, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn unlock_clears_every_lockout_under_the_reset_rule_and_is_audited() {
    let app = spawn_app_with(|s| s.lockout.unfamiliar_max_failures_per_hour = 15).await;
    let ada = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let boss = app
        .create_user("boss@example.com", STRONG, &["admin"])
        .await;
    app.create_user("helper@example.com", STRONG, &["password_admin"])
        .await;
    let (root, admin) = app.admin().await;
    let helper = app.tokens("helper@example.com", STRONG).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = app.tokens("ada@example.com", STRONG).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    fail_from(&app, 2, "ada@example.com", 10).await;
    fail_from(&app, 3, "ada@example.com", 5).await; // and the ceiling is reached
    assert_problem(
        app.sign_in_from(4, "ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;

    let unlock = |id: &str, token: &str| {
        let (path, token) = (format!("/v1/admin/users/{id}/unlock"), token.to_owned());
        let app = &app;
        async move { app.post(&path, json!({}), Some(&token)).await }
    };
    assert_problem(unlock(&ada, &user).await, 403, "forbidden").await;
    assert_problem(unlock(&boss, &helper).await, 403, "forbidden").await;
    assert_problem(unlock(&root, &admin).await, 403, "forbidden").await;
    assert_problem(
        unlock("019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", &admin).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(unlock(&ada, &helper).await.status(), StatusCode::NO_CONTENT);
    for n in [2, 4] {
        assert_eq!(
            app.sign_in_from(n, "ada@example.com", STRONG)
                .await
                .status(),
            StatusCode::OK
        );
    }
    let events = audit(&app, &admin, &format!("action=auth.unlocked&user_id={ada}")).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["outcome"], "success");
    assert_ne!(events[0]["actor_id"], Value::Null);
}

#[tokio::test]
async fn a_completed_reset_clears_the_accounts_lockout() {
    let app = spawn_app_with(|_| {}).await;
    let ada = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let (_, admin) = app.admin().await;
    fail_from(&app, 2, "ada@example.com", 10).await;
    let res = app
        .post(
            &format!("/v1/admin/users/{ada}/password-reset"),
            json!({"mode": "set", "password": STRONG, "require_change_on_next_sign_in": false}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.sign_in_from(2, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn parallel_attempts_never_exceed_the_limit() {
    let app = spawn_app_with(|s| {
        s.lockout.max_failures = 3;
        s.hashing.queue = 256;
    })
    .await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    // Hold three attempts after their reservation: one by sign-in, one by the hosted page,
    // one by sign-in again, all from .2.
    let mut held = Vec::new();
    for i in 0..3 {
        let gate = app.state.pauses.arm("credentials.reserved");
        let client = app.client_from(2);
        let (url, page) = (app.url("/v1/auth/token"), app.url("/change-password"));
        let password = wrong(i);
        let task = tokio::spawn(async move {
            if i == 1 {
                client
                    .post(page)
                    .form(&[
                        ("email", "ada@example.com"),
                        ("current_password", password.as_str()),
                        ("new_password", "x"),
                        ("confirm_password", "x"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
            } else {
                client
                    .post(url)
                    .json(&json!({"email": "ada@example.com", "password": password}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        });
        gate.reached().await;
        held.push((gate, task));
    }
    // Every attempt is reserved: a fourth, even with the right password, is refused.
    let many = (0..10).map(|_| app.sign_in_from(2, "ada@example.com", STRONG));
    for res in futures_util::future::join_all(many).await {
        assert_problem(res, 429, "account_locked").await;
    }
    for (gate, task) in held {
        gate.release();
        let status = task.await.unwrap();
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::BAD_REQUEST,
            "{status}"
        );
    }
    let res = app.sign_in_from(2, "ada@example.com", STRONG).await;
    assert!(retry_after(&res) >= 59);
    assert_problem(res, 429, "account_locked").await;
}

#[tokio::test]
async fn concurrent_guesses_from_many_sources_never_pass_the_ceiling() {
    let app = spawn_app_with(|s| {
        s.lockout.unfamiliar_max_failures_per_hour = 5;
        s.hashing.queue = 256;
    })
    .await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let wrong: Vec<String> = (0..30).map(wrong).collect();
    let guesses =
        (0..30u8).map(|i| app.sign_in_from(10 + i, "ada@example.com", &wrong[i as usize]));
    let responses = futures_util::future::join_all(guesses).await;
    let checked = responses
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    let locked = responses
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + locked, 30, "only 401 and 429 answers");
    assert!(
        checked <= 5,
        "{checked} guesses were checked; the ceiling is 5"
    );
}

#[tokio::test]
async fn a_flood_of_locked_attempts_writes_nothing() {
    let app = spawn_app_with(|_| {}).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    fail_from(&app, 2, "ada@example.com", 10).await;
    let before = app.metrics().await;
    let rows_before = lockout_rows(&app).await;
    for _ in 0..20 {
        assert_problem(
            app.sign_in_from(2, "ada@example.com", STRONG).await,
            429,
            "account_locked",
        )
        .await;
    }
    assert_eq!(lockout_rows(&app).await, rows_before);
    let hashed = |m: &str| {
        m.lines()
            .find(|l| l.starts_with("passgate_password_hash_wait_seconds_count"))
            .map(str::to_owned)
    };
    assert_eq!(hashed(&before), hashed(&app.metrics().await), "no hashing");
}

async fn lockout_rows(app: &TestApp) -> Vec<(String, i32, i32)> {
    use passgate::db::schema::lockout_sources::dsl as ls;
    app.state
        .db
        .run(|c| -> passgate::db::Result<_> {
            Ok(ls::lockout_sources
                .select((ls::source, ls::failures, ls::lockouts))
                .order(ls::source)
                .load(c)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_hash_made_with_old_parameters_is_upgraded_at_sign_in() {
    let app = spawn_app_with(|_| {}).await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;
    let old = Hasher::new(128, 2, 1, 1, 1, Metrics::new())
        .unwrap()
        .hash(SecretString::from(STRONG))
        .await
        .unwrap();
    assert!(old.contains("m=128,t=2"));
    let (uid, stored) = (id.clone(), old.clone());
    app.state
        .db
        .run(move |c| -> passgate::db::Result<_> {
            Ok(diesel::update(u::users.find(uid))
                .set(u::password_hash.eq(stored))
                .execute(c)?)
        })
        .await
        .unwrap();

    app.tokens("ada@example.com", STRONG).await;
    let uid = id.clone();
    let now: Option<String> = app
        .state
        .db
        .run(move |c| -> passgate::db::Result<_> {
            Ok(u::users.find(uid).select(u::password_hash).first(c)?)
        })
        .await
        .unwrap();
    let now = now.unwrap();
    assert!(now.contains("m=256,t=1"), "{now}");
    app.tokens("ada@example.com", STRONG).await;
}

#[tokio::test]
async fn break_glass_reset_prints_only_the_password_revokes_sessions_and_unlocks() {
    let app = spawn_app_with(|_| {}).await;
    let ada = app.create_user("ada@example.com", STRONG, &["admin"]).await;
    let session = app.tokens("ada@example.com", STRONG).await;
    fail_from(&app, 2, "ada@example.com", 10).await;

    let run = |email: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_passgate"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PASSGATE__DATABASE__URL", &app.state.settings.database.url)
            .env("PASSGATE__HASHING__MEMORY_KIB", "256")
            .env("PASSGATE__HASHING__ITERATIONS", "1")
            .env("PASSGATE__LOG__LEVEL", "error")
            .args(["reset-password", "--email", email])
            .output()
            .unwrap()
    };
    let out = run("ADA@example.com");
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "the password alone on stdout: {stdout}");
    let temporary = lines[0];
    assert!(temporary.chars().count() >= 16);
    assert!(stderr.contains("ada@example.com") && stderr.contains("sessions revoked"));

    assert_problem(
        app.post(
            "/v1/auth/refresh",
            json!({"refresh_token": session["refresh_token"]}),
            None,
        )
        .await,
        401,
        "invalid_token",
    )
    .await;
    let res = app.sign_in_from(2, "ada@example.com", temporary).await;
    assert_eq!(res.status(), StatusCode::OK);
    let pair: Value = res.json().await.unwrap();
    assert_eq!(pair["password_change_required"], true);

    let (_, admin) = app.admin().await;
    let events = audit(
        &app,
        &admin,
        &format!("action=password.reset_by_admin&user_id={ada}"),
    )
    .await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["actor_id"], Value::Null);
    assert_eq!(events[0]["details"]["actor"], "command_line");

    let unknown = run("nobody@example.com");
    assert!(!unknown.status.success());
    assert!(unknown.stdout.is_empty());
}

async fn change_page_from(app: &TestApp, n: u8, email: &str, current: &str) -> StatusCode {
    app.client_from(n)
        .post(app.url("/change-password"))
        .form(&[
            ("email", email),
            ("current_password", current),
            ("new_password", crate::helpers::STRONG_2),
            ("confirm_password", crate::helpers::STRONG_2),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_hosted_page_audits_failures_and_locks_like_sign_in() {
    let app = spawn_app_with(|_| {}).await;
    let ada = app.create_user("ada@example.com", STRONG, &["user"]).await;
    for i in 0..10 {
        assert_eq!(
            change_page_from(&app, 2, "ada@example.com", &wrong(i)).await,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        change_page_from(&app, 2, "ada@example.com", STRONG).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // One count for the account and source, whichever door the guesses came through.
    assert_problem(
        app.sign_in_from(2, "ada@example.com", STRONG).await,
        429,
        "account_locked",
    )
    .await;
    // An unknown address answers the same and is audited too.
    assert_eq!(
        change_page_from(&app, 3, "nobody@example.com", WRONG).await,
        StatusCode::BAD_REQUEST
    );

    let (_, admin) = app.admin().await;
    let failed = audit(
        &app,
        &admin,
        &format!("action=password.changed&user_id={ada}"),
    )
    .await;
    assert_eq!(failed.len(), 10);
    assert!(failed
        .iter()
        .all(|e| e["outcome"] == "failure" && e["details"]["via"] == "page"));
    let locked = audit(&app, &admin, &format!("action=auth.locked&user_id={ada}")).await;
    assert_eq!(locked.len(), 1);
    let all = audit(&app, &admin, "action=password.changed").await;
    assert!(all
        .iter()
        .any(|e| e["details"]["reason"] == "unknown_account" && e["client_ip"] == "127.0.0.3"));
}

#[tokio::test]
async fn a_lock_ends_after_retry_after_and_the_next_one_lasts_twice_as_long() {
    let app = spawn_app_with(|_| {}).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    fail_from(&app, 2, "ada@example.com", 10).await;
    let res = app.sign_in_from(2, "ada@example.com", STRONG).await;
    let first = retry_after(&res);
    assert_problem(res, 429, "account_locked").await;
    app.state.clock.advance(Duration::from_secs(first));
    // Open again, but the doubling is remembered until a success or MAX_SECS pass.
    for i in 0..10 {
        assert_problem(
            app.sign_in_from(2, "ada@example.com", &format!("second round {i}"))
                .await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    let second = retry_after(&app.sign_in_from(2, "ada@example.com", STRONG).await);
    assert!((119..=120).contains(&second), "{second}");
    app.state.clock.advance(Duration::from_secs(second));
    assert_eq!(
        app.sign_in_from(2, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_count_ends_when_max_secs_pass_without_a_failure() {
    let app = spawn_app_with(|s| s.lockout.max_secs = 600).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    fail_from(&app, 2, "ada@example.com", 9).await;
    app.state.clock.advance(Duration::from_secs(601));
    for i in 0..9 {
        app.sign_in_from(2, "ada@example.com", &format!("later {i}"))
            .await;
    }
    assert_eq!(
        app.sign_in_from(2, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_unfamiliar_ceiling_frees_when_its_oldest_failure_is_an_hour_old() {
    let app = spawn_app_with(|s| s.lockout.unfamiliar_max_failures_per_hour = 4).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    fail_from(&app, 2, "ada@example.com", 2).await;
    app.state.clock.advance(Duration::from_secs(1800));
    fail_from(&app, 3, "ada@example.com", 2).await;
    let res = app.sign_in_from(4, "ada@example.com", STRONG).await;
    let retry = retry_after(&res);
    assert!((1799..=1800).contains(&retry), "{retry}");
    assert_problem(res, 429, "account_locked").await;
    app.state.clock.advance(Duration::from_secs(retry));
    // The two oldest left the window: unfamiliar sources are checked again.
    assert_eq!(
        app.sign_in_from(4, "ada@example.com", STRONG)
            .await
            .status(),
        StatusCode::OK
    );
}
