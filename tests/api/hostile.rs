//! Hostile input: arbitrary JSON, huge and deeply nested bodies, invalid UTF-8, control and
//! bidirectional characters, very long headers and tokens. Always a problem+json answer,
//! never a panic or a 500, and nothing changes when a request is rejected.

use diesel::dsl::count_star;
use diesel::prelude::*;
use passgate::db::schema::{audit_events, outbox, users};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, TestApp, STRONG};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        "[\\u{0}-\\u{1f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a-z@.]{0,30}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::hash_map(
                prop_oneof![
                    Just("email".to_owned()),
                    Just("password".to_owned()),
                    Just("new_password".to_owned()),
                    Just("current_password".to_owned()),
                    Just("token".to_owned()),
                    Just("refresh_token".to_owned()),
                    Just("roles".to_owned()),
                    Just("display_name".to_owned()),
                    Just("mode".to_owned()),
                    Just("user_ids".to_owned()),
                    Just("emails".to_owned()),
                    Just("name".to_owned()),
                    "[a-z_]{1,12}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

async fn counts(app: &TestApp) -> (i64, i64) {
    app.state
        .db
        .run(|c| -> passgate::db::Result<_> {
            let u: i64 = users::table.select(count_star()).first(c)?;
            let a: i64 = audit_events::table.select(count_star()).first(c)?;
            Ok((u, a))
        })
        .await
        .unwrap()
}

async fn assert_sane(res: reqwest::Response) -> StatusCode {
    checked(res).await.0
}

/// The status and, for errors, the problem's code, after checking the answer's shape.
async fn checked(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    assert!(!status.is_server_error(), "server error {status}");
    let mut code = String::new();
    if status.is_client_error() {
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert_eq!(content_type, "application/problem+json", "status {status}");
        let body: Value = res.json().await.expect("problem body is JSON");
        code = body["code"]
            .as_str()
            .expect("a problem has a code")
            .to_owned();
    }
    (status, code)
}

#[test]
fn arbitrary_json_never_breaks_a_route_or_changes_state() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, admin) = runtime.block_on(async {
        let app = spawn_app().await;
        let (_, admin) = app.admin().await;
        app.create_user("ada@example.com", STRONG, &["user"]).await;
        (app, admin)
    });
    let routes = [
        ("/v1/auth/token", false),
        ("/v1/auth/refresh", false),
        ("/v1/auth/logout", false),
        ("/v1/password-resets/verify", false),
        ("/v1/password-resets/confirm", false),
        ("/v1/password-policy/check", false),
        ("/v1/me/password", true),
        ("/v1/admin/users", true),
        ("/v1/admin/password-resets", true),
        ("/v1/admin/api-keys", true),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(0..routes.len(), arbitrary_json()), |(route, body)| {
            let (path, authed) = routes[route];
            runtime.block_on(async {
                let before = counts(&app).await;
                let res = app
                    .post(path, body.clone(), authed.then_some(admin.as_str()))
                    .await;
                let (status, code) = checked(res).await;
                // A wrong password is a rejection that must be recorded (lockout count, audit).
                let recorded = [
                    "invalid_credentials",
                    "current_password_incorrect",
                    "account_locked",
                ]
                .contains(&code.as_str());
                if status.is_client_error() && !recorded {
                    assert_eq!(
                        counts(&app).await,
                        before,
                        "{path} rejected {body} but changed state"
                    );
                }
            });
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn malformed_bodies_and_headers_get_problems() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let before = counts(&app).await;
    let post = |body: Vec<u8>| {
        app.client
            .post(app.url("/v1/admin/users"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    assert_eq!(
        assert_sane(post(vec![0xff, 0xfe, b'{', 0x80]).await.unwrap()).await,
        StatusCode::BAD_REQUEST
    );
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        assert_sane(post(nested.into_bytes()).await.unwrap()).await,
        StatusCode::BAD_REQUEST
    );
    let deep_object = format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    assert_eq!(
        assert_sane(post(deep_object.into_bytes()).await.unwrap()).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        assert_sane(post(vec![b' '; 2_000_000]).await.unwrap()).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    for email in [
        "ada\u{202e}moc.elpmaxe@x.com",
        "a\u{0}b@example.com",
        "ada@exa\nmple.com",
        "\u{200b}@example.com",
    ] {
        let res = app
            .post("/v1/admin/users", json!({"email": email}), Some(&admin))
            .await;
        assert_eq!(
            assert_sane(res).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{email:?}"
        );
    }
    let res = app
        .post(
            "/v1/admin/users",
            json!({"email": "ok@example.com", "display_name": "evil\u{202e}name"}),
            Some(&admin),
        )
        .await;
    assert_eq!(assert_sane(res).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(counts(&app).await, before);

    let long_token = "a".repeat(20_000);
    assert_eq!(
        assert_sane(app.get("/v1/me", Some(&long_token)).await).await,
        StatusCode::UNAUTHORIZED
    );
    let long_key = format!("pgk_0123456789abcdef_{}", "b".repeat(10_000));
    assert_eq!(
        assert_sane(app.get("/v1/me", Some(&long_key)).await).await,
        StatusCode::UNAUTHORIZED
    );
    let huge_header = app
        .client
        .get(app.url("/v1/me"))
        .header("authorization", format!("Bearer {}", "c".repeat(100_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(assert_sane(huge_header).await, StatusCode::UNAUTHORIZED);
    let res = app
        .post(
            "/v1/password-resets/verify",
            json!({"token": "x".repeat(100_000)}),
            None,
        )
        .await;
    assert_eq!(assert_sane(res).await, StatusCode::BAD_REQUEST);
}

proptest! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

    #[test]
    fn the_policy_never_panics_and_bounds_length(password in ".{0,300}") {
        let policy = passgate::password::Policy::from_settings(&passgate::config::PolicySettings::default());
        let report = policy.check("password", passgate::password::PolicyInput { password: &password, email: Some("ada@example.com"), display_name: Some("Ada") });
        let too_long = report.errors.iter().any(|e| e.code == "too_long");
        prop_assert_eq!(too_long, password.chars().count() > 256);
        prop_assert!(report.strength <= 4);
    }

    #[test]
    fn parsed_emails_are_clean(raw in "\\PC{0,80}") {
        if let Ok(email) = passgate::domain::Email::parse(&raw) {
            prop_assert!(!email.as_str().chars().any(|c| c.is_whitespace() || c.is_control()));
            prop_assert!(email.as_str().contains('@'));
            prop_assert_eq!(email.normalized(), email.as_str().to_lowercase());
        }
    }
}

async fn outbox_and_audit_rows(app: &TestApp) -> (i64, i64) {
    app.state
        .db
        .run(|c| -> passgate::db::Result<_> {
            let o: i64 = outbox::table.select(count_star()).first(c)?;
            let a: i64 = audit_events::table.select(count_star()).first(c)?;
            Ok((o, a))
        })
        .await
        .unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn an_encoded_body_is_refused_before_a_byte_is_inflated() {
    let app = spawn_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let before = outbox_and_audit_rows(&app).await;
    let json = br#"{"email":"ada@example.com"}"#;
    // ~8 KB on the wire, 8 MiB inflated: a gzip bomb.
    let mut bomb = json.to_vec();
    bomb.resize(8 * 1024 * 1024, b' ');
    let bomb = gzip(&bomb);
    assert!(bomb.len() < 16 * 1024, "{}", bomb.len());
    let small = gzip(json);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("gzip", bomb),
        ("gzip", small),
        ("zstd", vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x61, 0x62]),
        ("br", b"junk".to_vec()),
        ("deflate, identity", b"junk".to_vec()),
        ("x-invented", json.to_vec()),
    ];
    for (encoding, body) in cases {
        let res = app
            .client
            .post(app.url("/v1/password-resets"))
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["connection"], "close", "{encoding}");
        assert_problem(res, 415, "unsupported_media_type").await;
    }
    assert_eq!(
        outbox_and_audit_rows(&app).await,
        before,
        "nothing was done"
    );

    // `identity` is no encoding at all: the same request is served.
    let res = app
        .client
        .post(app.url("/v1/password-resets"))
        .header("content-type", "application/json")
        .header("content-encoding", "identity")
        .body(json.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn invented_methods_add_no_time_series() {
    let app = spawn_app().await;
    let series = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("passgate_http_requests_total{"))
            .count()
    };
    // One of each outcome first, so the series an invented method may land in exist.
    let method = reqwest::Method::from_bytes(b"PREWARM").unwrap();
    for path in ["/v1/me", "/no/such/route"] {
        app.client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
    }
    // A scrape counts itself only in the next one.
    app.metrics().await;
    let before = series(&app.metrics().await);
    for i in 0..300 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        let path = if i % 2 == 0 {
            "/v1/me"
        } else {
            "/no/such/route"
        };
        let res = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error());
    }
    let text = app.metrics().await;
    assert_eq!(series(&text), before, "{text}");
    assert!(!text.contains("INVENTED"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");
}

#[tokio::test]
async fn a_stalled_body_is_timed_out_and_the_connection_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::helpers::spawn_app_with(|s| s.server.body_timeout_secs = 1).await;
    let before = outbox_and_audit_rows(&app).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = "POST /v1/password-resets HTTP/1.1\r\nHost: localhost\r\n\
                Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
        .write_all(format!("{{\"email\":\"{}", "a".repeat(489)).as_bytes())
        .await
        .unwrap();
    // The other half never comes: the server must answer and hang up by itself.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert_eq!(outbox_and_audit_rows(&app).await, before);
}
