use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app, STRONG};

#[tokio::test]
async fn audit_events_filter_and_page() {
    let app = spawn_app().await;
    let (admin_id, admin) = app.admin().await;
    let ada = app.create_user("ada@example.com", STRONG, &["user"]).await;
    for _ in 0..3 {
        app.sign_in("ada@example.com", "wrong password, surely wrong")
            .await;
    }
    app.patch(
        &format!("/v1/admin/users/{ada}"),
        json!({"display_name": "Ada"}),
        Some(&admin),
    )
    .await;

    let failed: Value = app
        .get(
            "/v1/admin/audit-events?action=auth.sign_in_failed",
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(failed["items"].as_array().unwrap().len(), 3);
    assert!(failed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["target_user_id"] == ada.as_str()));

    let by_admin: Value = app
        .get(
            &format!("/v1/admin/audit-events?actor_id={admin_id}&action=user.updated"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        by_admin["items"][0]["details"]["changed"],
        json!(["display_name"])
    );

    let future: Value = app
        .get(
            "/v1/admin/audit-events?since=2999-01-01T00:00:00Z",
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(future["items"].as_array().unwrap().len(), 0);
    let past: Value = app
        .get(
            "/v1/admin/audit-events?until=2000-01-01T00:00:00Z",
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(past["items"].as_array().unwrap().len(), 0);
    let all: Value = app
        .get(
            "/v1/admin/audit-events?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z",
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let total = all["items"].as_array().unwrap().len();
    assert!(total >= 7, "{total}");

    let mut ids = Vec::new();
    let mut path = "/v1/admin/audit-events?limit=2".to_owned();
    loop {
        let page: Value = app.get(&path, Some(&admin)).await.json().await.unwrap();
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/admin/audit-events?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(ids.len(), total);
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first, no overlap");

    assert_problem(
        app.get("/v1/admin/audit-events?since=yesterday", Some(&admin))
            .await,
        422,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn audit_events_cannot_be_changed_or_deleted() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    app.admin().await;
    let result = app
        .state
        .db
        .run(|conn| -> passgate::db::Result<_> {
            let update = diesel::sql_query("UPDATE audit_events SET action = 'x'").execute(conn);
            let delete = diesel::sql_query("DELETE FROM audit_events").execute(conn);
            Ok((update.is_err(), delete.is_err()))
        })
        .await
        .unwrap();
    assert_eq!(result, (true, true));
    let (_, admin) = (0, app.tokens("root@example.com", STRONG).await);
    let res = app
        .get("/v1/admin/audit-events", admin["access_token"].as_str())
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}
