//! Schema-valid inputs the server must accept as the spec describes them (contract,
//! "Admin": every schema-valid request is accepted).

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{assert_problem, spawn_app, STRONG};

#[tokio::test]
async fn an_empty_cursor_means_the_first_page_on_both_list_routes() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    app.create_user("a@example.com", STRONG, &["user"]).await;
    for route in ["/v1/admin/users", "/v1/admin/audit-events"] {
        let first: Value = app
            .get(&format!("{route}?limit=1"), Some(&admin))
            .await
            .json()
            .await
            .unwrap();
        let res = app
            .get(&format!("{route}?limit=1&cursor="), Some(&admin))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{route}");
        let empty: Value = res.json().await.unwrap();
        assert_eq!(empty["items"], first["items"], "{route}");
        assert!(
            first["next_cursor"].is_string(),
            "{route} has a second page"
        );
        let res = app.get(&format!("{route}?cursor="), Some(&admin)).await;
        assert_eq!(res.status(), StatusCode::OK, "{route}");
        // A cursor that is not empty and not ours is still refused.
        assert_problem(
            app.get(&format!("{route}?cursor=bm9wZQ"), Some(&admin))
                .await,
            422,
            "validation_failed",
        )
        .await;
    }
}

#[tokio::test]
async fn an_integral_limit_is_read_in_either_form_on_both_list_routes() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    app.create_user("a@example.com", STRONG, &["user"]).await;
    for route in ["/v1/admin/users", "/v1/admin/audit-events"] {
        for limit in ["1", "1.0", "1e0"] {
            let res = app
                .get(&format!("{route}?limit={limit}"), Some(&admin))
                .await;
            assert_eq!(res.status(), StatusCode::OK, "{route} limit={limit}");
            let page: Value = res.json().await.unwrap();
            assert_eq!(page["items"].as_array().unwrap().len(), 1, "{route}");
        }
        assert_problem(
            app.get(&format!("{route}?limit=1.5"), Some(&admin)).await,
            400,
            "malformed_request",
        )
        .await;
        assert_problem(
            app.get(&format!("{route}?limit=0.0"), Some(&admin)).await,
            422,
            "validation_failed",
        )
        .await;
    }
}
