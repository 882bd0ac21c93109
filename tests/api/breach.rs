//! Breached passwords: a corpus built here from generated lines and known passwords (both
//! input formats, both cases, duplicates, CRLF, gzip), damaged corpora refused at start-up,
//! the `breached` rule on every way of setting a password, a range service run on loopback
//! (path, padding header, timeout, error answer, fail-open and fail-closed), and the check
//! at sign-in.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use passgate::password::breach::build::{build, password_sha1, BuildOptions};
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::{
    assert_problem, passgate_bare, poll_until, spawn_app_with, TestApp, STRONG, STRONG_2,
};

/// Strong passphrases (they pass every other rule) that the test corpus knows.
const BREACHED_UPPER: &str = "orange giraffe sings about nine rusty trumpets";
const BREACHED_LOWER: &str = "purple walrus dreams of thirteen frozen lakes";
const BREACHED_GZIP: &str = "silver badger counts forty patient clouds";
const BREACHED_RARE: &str = "golden ferret whistles at sixty hollow drums";
/// Known to the range service the tests run.
const BREACHED_REMOTE: &str = "scarlet otter paints ninety crooked fences";

fn hex(sha: &[u8; 20]) -> String {
    sha.iter().map(|b| format!("{b:02X}")).collect()
}

fn options(plain: bool) -> BuildOptions {
    BuildOptions {
        plain,
        min_count: 5,
        progress: false,
    }
}

/// 20,000 generated `SHA1HEX:COUNT` lines, with the known passwords in upper and lower case,
/// duplicated, with CRLF line ends; one in a gzip file; one below the minimum count.
fn counted_inputs(dir: &Path) -> Vec<PathBuf> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let mut text = String::new();
    for i in 0..20_000 {
        let sha: [u8; 20] = rng.gen();
        text.push_str(&format!("{}:{}\r\n", hex(&sha), 5 + i % 100));
    }
    let upper = hex(&password_sha1(BREACHED_UPPER));
    let lower = hex(&password_sha1(BREACHED_LOWER)).to_lowercase();
    text.push_str(&format!("{upper}:12\r\n{lower}:7\n{upper}:12\n"));
    text.push_str(&format!("{}:3\n", hex(&password_sha1(BREACHED_RARE))));
    let plain = dir.join("pwned.txt");
    std::fs::write(&plain, text).unwrap();

    let gz = dir.join("more.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    writeln!(enc, "{}:99", hex(&password_sha1(BREACHED_GZIP))).unwrap();
    enc.finish().unwrap();
    vec![plain, gz]
}

fn counted_corpus(dir: &Path) -> PathBuf {
    let out = dir.join("corpus.bin");
    let report = build(&out, &counted_inputs(dir), options(false)).unwrap();
    assert_eq!(report.entries, 20_003, "{report:?}");
    assert_eq!(report.below_min_count, 1);
    assert_eq!(report.malformed, 0);
    out
}

async fn app_with_corpus(corpus: &Path) -> TestApp {
    let corpus = corpus.to_owned();
    spawn_app_with(move |s| {
        s.policy.breach_corpus_file = Some(corpus);
        s.policy.check_breached_at_sign_in = true;
    })
    .await
}

async fn check(app: &TestApp, password: &str) -> Value {
    let res = app
        .post(
            "/v1/password-policy/check",
            json!({ "password": password }),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn codes(errors: &Value) -> Vec<String> {
    errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn only_breached(res: reqwest::Response) {
    let problem = assert_problem(res, 422, "password_policy").await;
    assert_eq!(codes(&problem["errors"]), ["breached"], "{problem}");
}

#[tokio::test]
async fn a_built_corpus_knows_its_passwords_in_every_input_form() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_corpus(&counted_corpus(dir.path())).await;

    let policy: Value = app
        .get("/v1/password-policy", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(policy["breach_sources"], json!(["corpus"]));
    // The hosted pages list the rule when it is on (and only then: see the range test).
    let page = app
        .get("/change-password", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("known from a data breach"), "{page}");

    for known in [BREACHED_UPPER, BREACHED_LOWER, BREACHED_GZIP] {
        let verdict = check(&app, known).await;
        assert_eq!(verdict["ok"], false, "{known}");
        assert_eq!(codes(&verdict["errors"]), ["breached"], "{known}");
    }
    // Below the minimum count, and unknown: accepted.
    for fine in [BREACHED_RARE, STRONG] {
        assert_eq!(check(&app, fine).await["ok"], true, "{fine}");
    }
    // NFKC first: the full-width form of a known password is the same password.
    let full_width: String = BREACHED_GZIP
        .chars()
        .map(|c| match c {
            'a'..='z' => char::from_u32(c as u32 - 'a' as u32 + 0xFF41).unwrap(),
            other => other,
        })
        .collect();
    assert_eq!(
        codes(&check(&app, &full_width).await["errors"]),
        ["breached"]
    );

    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"passgate_breach_checks_total{outcome="found",source="corpus"} 4"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"passgate_breach_checks_total{outcome="error",source="range"} 0"#));
}

#[tokio::test]
async fn the_rule_applies_to_every_new_password() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_corpus(&counted_corpus(dir.path())).await;
    let (_, admin) = app.admin().await;
    let id = app.create_user("ada@example.com", STRONG, &["user"]).await;

    // Create with a password.
    only_breached(
        app.post(
            "/v1/admin/users",
            json!({"email": "bob@example.com", "password": BREACHED_UPPER}),
            Some(&admin),
        )
        .await,
    )
    .await;
    // Admin `set`, one user and many.
    only_breached(
        app.post(
            &format!("/v1/admin/users/{id}/password-reset"),
            json!({"mode": "set", "password": BREACHED_LOWER}),
            Some(&admin),
        )
        .await,
    )
    .await;
    only_breached(
        app.post(
            "/v1/admin/password-resets",
            json!({"user_ids": [id], "mode": "set", "password": BREACHED_GZIP}),
            Some(&admin),
        )
        .await,
    )
    .await;
    // Self change.
    let tokens = app.tokens("ada@example.com", STRONG).await;
    let access = tokens["access_token"].as_str().unwrap();
    only_breached(
        app.post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": BREACHED_UPPER}),
            Some(access),
        )
        .await,
    )
    .await;
    // Reset confirm, with the emailed token.
    let res = app
        .post(
            "/v1/password-resets",
            json!({"email": "ada@example.com"}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let mail = app.mail.wait_for("ada@example.com", 1).await.remove(0);
    let link = mail.link().unwrap();
    let token = link.split("token=").nth(1).unwrap();
    only_breached(
        app.post(
            "/v1/password-resets/confirm",
            json!({"token": token, "new_password": BREACHED_GZIP}),
            None,
        )
        .await,
    )
    .await;
    // The hosted change-password page says why.
    let page = app
        .client
        .post(app.url("/change-password"))
        .form(&[
            ("email", "ada@example.com"),
            ("current_password", STRONG),
            ("new_password", BREACHED_LOWER),
            ("confirm_password", BREACHED_LOWER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().await.unwrap().contains("known data breach"));
    // Nothing changed: the old password still works, a clean one is accepted.
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": STRONG_2}),
            Some(access),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_in_with_a_breached_password_gives_a_restricted_token() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = counted_corpus(dir.path());
    let app = app_with_corpus(&corpus).await;
    let (_, admin) = app.admin().await;
    // Imported users keep their passwords; here the account is created before the corpus
    // knew it, by creating through a second app without the corpus on the same database.
    let plain_app = app.second_instance().await;
    plain_app
        .create_user("eve@example.com", BREACHED_UPPER, &["user"])
        .await;

    let tokens = app.tokens("eve@example.com", BREACHED_UPPER).await;
    assert_eq!(tokens["password_change_required"], true);
    let access = tokens["access_token"].as_str().unwrap();
    let me: Value = app.get("/v1/me", Some(access)).await.json().await.unwrap();
    assert_eq!(me["password_change_required"], true, "{me}");
    assert_problem(
        app.get("/v1/admin/audit-events", Some(access)).await,
        403,
        "password_change_required",
    )
    .await;
    // Changing to a clean password lifts the restriction.
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": BREACHED_UPPER, "new_password": STRONG_2}),
            Some(access),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.tokens("eve@example.com", STRONG_2).await["password_change_required"],
        false
    );
    let events: Value = app
        .get(
            "/v1/admin/audit-events?action=password.breach_detected",
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");

    // A clean password at sign-in is untouched.
    assert_eq!(
        app.tokens("root@example.com", STRONG).await["password_change_required"],
        false
    );
    drop(plain_app);
}

#[tokio::test]
async fn plain_lists_are_hashed_after_nfkc() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(
        &list,
        format!("{BREACHED_REMOTE}\r\n{BREACHED_REMOTE}\npassword\n\nﬁne ﬁsh swim past twenty old docks\n"),
    )
    .unwrap();
    let out = dir.path().join("plain.bin");
    let report = build(&out, &[list], options(true)).unwrap();
    assert_eq!(report.entries, 3);
    let app = app_with_corpus(&out).await;
    assert_eq!(
        codes(&check(&app, BREACHED_REMOTE).await["errors"]),
        ["breached"]
    );
    // The ligature ﬁ is "fi" after NFKC, on both sides.
    assert_eq!(
        codes(&check(&app, "fine fish swim past twenty old docks").await["errors"]),
        ["breached"]
    );
    assert_eq!(check(&app, STRONG).await["ok"], true);
}

fn passgate() -> Command {
    let mut cmd = passgate_bare();
    cmd.env("PASSGATE__SERVER__PORT", "0");
    cmd
}

#[test]
fn the_command_builds_a_corpus_and_damaged_ones_stop_start_up_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = counted_inputs(dir.path());
    let out = dir.path().join("cli.bin");
    let built = passgate()
        .args(["breach-corpus", "build"])
        .arg(&out)
        .args(&inputs)
        .env("PASSGATE__POLICY__BREACH_MIN_COUNT", "5")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "{stderr}");
    assert!(stderr.contains("20003 entries"), "{stderr}");
    let good = std::fs::read(&out).unwrap();

    let truncated = dir.path().join("truncated.bin");
    std::fs::write(&truncated, &good[..good.len() - 100]).unwrap();
    let corrupt = dir.path().join("corrupt.bin");
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x40;
    std::fs::write(&corrupt, &flipped).unwrap();
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, b"not a corpus at all, just text\n".repeat(10)).unwrap();
    let missing = dir.path().join("missing.bin");

    for (file, why) in [
        (&truncated, "truncated"),
        (&corrupt, "checksum"),
        (&garbage, "not a breach corpus"),
        (&missing, "cannot open"),
    ] {
        let (db_url, _db) = crate::helpers::fresh_database();
        let out = passgate()
            .arg("serve")
            .env("PASSGATE__DATABASE__URL", &db_url)
            .env("PASSGATE__POLICY__BREACH_CORPUS_FILE", file)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
        assert!(!stderr.contains("panick"), "{stderr}");
    }
}

/// What the loopback range service does.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Answer,
    Fail,
    Hang,
}

/// A request's path and its `Add-Padding` header.
type Seen = (String, Option<String>);

struct RangeService {
    url: String,
    mode: Arc<Mutex<Mode>>,
    /// (path, Add-Padding header) of every request.
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl RangeService {
    /// A tiny HTTP/1.1 server on 127.0.0.1 answering in the Pwned Passwords range format:
    /// the known password's suffix, padding lines (count 0), and another hash.
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/range/", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(Mode::Answer));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let known = hex(&password_sha1(BREACHED_REMOTE));
        let padded = hex(&password_sha1(BREACHED_UPPER));
        let (m, s) = (mode.clone(), seen.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (m, s, known, padded) = (m.clone(), s.clone(), known.clone(), padded.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let path = head.split(' ').nth(1).unwrap_or("").to_owned();
                    let padding = head.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("add-padding")
                            .then(|| v.trim().to_owned())
                    });
                    s.lock().unwrap().push((path.clone(), padding));
                    let mode = *m.lock().unwrap();
                    let prefix = path.trim_start_matches("/range/");
                    let body = match mode {
                        // Never answers; the connection stays open until the test ends.
                        Mode::Hang => std::future::pending().await,
                        Mode::Fail => None,
                        Mode::Answer => {
                            let mut body = String::new();
                            if known.starts_with(prefix) {
                                body.push_str(&format!("{}:42\r\n", &known[5..]));
                            }
                            // The padded hash is listed with count 0: padding, not a breach.
                            if padded.starts_with(prefix) {
                                body.push_str(&format!("{}:0\r\n", &padded[5..]));
                            }
                            body.push_str("0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n");
                            body.push_str("00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0");
                            Some(body)
                        }
                    };
                    let response = match body {
                        Some(b) => format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{b}",
                            b.len()
                        ),
                        None => "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
                    };
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self { url, mode, seen }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

async fn app_with_range(range: &RangeService, fail_open: bool) -> TestApp {
    let url = range.url.clone();
    spawn_app_with(move |s| {
        s.policy.breach_range_url = Some(url);
        s.policy.breach_range_timeout_ms = 300;
        s.policy.breach_range_fail_open = fail_open;
        s.policy.check_breached_at_sign_in = true;
    })
    .await
}

#[tokio::test]
async fn the_range_service_sees_five_hex_digits_and_the_padding_header() {
    let range = RangeService::start().await;
    let app = app_with_range(&range, true).await;
    let policy: Value = app
        .get("/v1/password-policy", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(policy["breach_sources"], json!(["range"]));
    let page = app
        .get("/change-password", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("known from a data breach"));
    let off = crate::helpers::spawn_app().await;
    let page = off
        .get("/change-password", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("known from a data breach"));
    let policy: Value = off
        .get("/v1/password-policy", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(policy["breach_sources"], json!([]));

    assert_eq!(
        codes(&check(&app, BREACHED_REMOTE).await["errors"]),
        ["breached"]
    );
    // Listed only as padding (count 0): not breached.
    assert_eq!(check(&app, BREACHED_UPPER).await["ok"], true);
    assert_eq!(check(&app, STRONG).await["ok"], true);

    let seen = range.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    for (path, padding) in &seen {
        let prefix = path
            .strip_prefix("/range/")
            .expect("under the configured URL");
        assert_eq!(prefix.len(), 5, "{path}");
        assert!(prefix.chars().all(|c| c.is_ascii_hexdigit()), "{path}");
        assert_eq!(padding.as_deref(), Some("true"));
    }
    assert_eq!(
        seen[0].0,
        format!("/range/{}", &hex(&password_sha1(BREACHED_REMOTE))[..5])
    );

    // Self change goes through it too.
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let tokens = app.tokens("ada@example.com", STRONG).await;
    only_breached(
        app.post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": BREACHED_REMOTE}),
            tokens["access_token"].as_str(),
        )
        .await,
    )
    .await;
}

#[tokio::test]
async fn a_failing_range_service_fails_open_by_default() {
    let range = RangeService::start().await;
    let app = app_with_range(&range, true).await;
    for mode in [Mode::Fail, Mode::Hang] {
        range.set(mode);
        let started = std::time::Instant::now();
        assert_eq!(check(&app, BREACHED_REMOTE).await["ok"], true);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the timeout applies"
        );
    }
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"passgate_breach_checks_total{outcome="error",source="range"} 2"#),
        "{metrics}"
    );
    // A sign-in is not stopped by the outage either.
    app.create_user("ada@example.com", BREACHED_REMOTE, &["user"])
        .await;
    assert_eq!(
        app.tokens("ada@example.com", BREACHED_REMOTE).await["password_change_required"],
        false
    );
}

#[tokio::test]
async fn a_failing_range_service_fails_closed_when_configured() {
    let range = RangeService::start().await;
    let app = app_with_range(&range, false).await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let tokens = app.tokens("ada@example.com", STRONG).await;
    for mode in [Mode::Fail, Mode::Hang] {
        range.set(mode);
        assert_problem(
            app.post(
                "/v1/password-policy/check",
                json!({ "password": STRONG_2 }),
                None,
            )
            .await,
            503,
            "unavailable",
        )
        .await;
        assert_problem(
            app.post(
                "/v1/me/password",
                json!({"current_password": STRONG, "new_password": STRONG_2}),
                tokens["access_token"].as_str(),
            )
            .await,
            503,
            "unavailable",
        )
        .await;
    }
    range.set(Mode::Answer);
    assert_eq!(check(&app, STRONG_2).await["ok"], true);
    // A password the service knows, at sign-in: restricted token.
    let plain_app = app.second_instance().await;
    plain_app
        .create_user("eve@example.com", BREACHED_REMOTE, &["user"])
        .await;
    assert_eq!(
        app.tokens("eve@example.com", BREACHED_REMOTE).await["password_change_required"],
        true
    );
}

#[tokio::test]
async fn a_hanging_range_service_holds_no_database_connection() {
    let range = RangeService::start().await;
    let url = range.url.clone();
    let app = spawn_app_with(move |s| {
        s.policy.breach_range_url = Some(url);
        s.policy.breach_range_timeout_ms = 5_000;
        // One connection: a flow holding it while waiting for the service would stall
        // every other request.
        s.database.max_connections = 1;
    })
    .await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let tokens = app.tokens("ada@example.com", STRONG).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let before = range.seen.lock().unwrap().len();
    range.set(Mode::Hang);

    let change = {
        let (client, url, access) = (
            app.client.clone(),
            app.url("/v1/me/password"),
            access.clone(),
        );
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(access)
                .json(&json!({"current_password": STRONG, "new_password": STRONG_2}))
                .send()
                .await
                .unwrap()
        })
    };
    poll_until("the change to wait on the range service", async || {
        range.seen.lock().unwrap().len() > before
    })
    .await;
    let started = std::time::Instant::now();
    let me = app.get("/v1/me", Some(&access)).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a request waited for the range service's connection"
    );
    assert!(!change.is_finished());
    // Fail-open: after the timeout the change goes through.
    assert_eq!(change.await.unwrap().status(), StatusCode::OK);
}
