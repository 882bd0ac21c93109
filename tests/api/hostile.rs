//! Hostile input: arbitrary JSON, huge and deeply nested bodies, invalid UTF-8, control and
//! bidirectional characters, very long headers and tokens. Always a problem+json answer,
//! never a panic or a 500, and nothing changes when a request is rejected.

use diesel::dsl::count_star;
use diesel::prelude::*;
use passgate::db::schema::{audit_events, users};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, STRONG};

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
        .run(|c| {
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
