//! An event is queued in its change's transaction, so it goes and comes with the change:
//! a change that fails after its event was queued leaves no event, and an event that cannot
//! be queued undoes the change. The failure is a database trigger refusing one insert, on
//! SQLite and on PostgreSQL alike, so the flow's own code runs unmodified.

use diesel::connection::SimpleConnection;
use passgate::db::{Backend, ConnectionManager};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app_with, TestApp, STRONG, STRONG_2};

const STRONG_3: &str = "copper meadow hums beneath twelve silent kites";

/// The worker stays off: queued events stay where the change put them.
async fn quiet_app() -> TestApp {
    spawn_app_with(|s| s.webhooks.deliver = false).await
}

/// Makes every later insert into `table` fail, as a full disk or a broken constraint would.
fn refuse_inserts(app: &TestApp, table: &str) {
    let mut conn = ConnectionManager::new(&app.state.settings.database.url)
        .connect()
        .unwrap();
    let sql = match app.state.db.backend() {
        Backend::Sqlite => format!(
            "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
        ),
        Backend::Postgres => format!(
            "CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$; \
             CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
             FOR EACH ROW EXECUTE FUNCTION refuse_{table}();"
        ),
    };
    conn.batch_execute(&sql).unwrap();
}

async fn password_changed_events(app: &TestApp) -> i64 {
    app.state
        .db
        .run(|c| -> passgate::db::Result<_> {
            use diesel::prelude::*;
            use passgate::db::schema::webhook_events::dsl as we;
            Ok(we::webhook_events
                .filter(we::event_type.eq("password.changed"))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap()
}

async fn change(app: &TestApp, email: &str, current: &str, new: &str) -> reqwest::Response {
    let tokens = app.tokens(email, current).await;
    app.post(
        "/v1/me/password",
        json!({"current_password": current, "new_password": new}),
        tokens["access_token"].as_str(),
    )
    .await
}

/// A 500 problem that names nothing of the cause.
async fn assert_internal_problem(res: reqwest::Response) {
    let problem: Value = assert_problem(res, 500, "internal_error").await;
    let text = problem.to_string();
    for leak in ["refused by the test", "outbox", "webhook_events", "trigger"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
}

async fn signs_in(app: &TestApp, email: &str, password: &str) -> bool {
    app.sign_in(email, password).await.status().as_u16() == 200
}

#[tokio::test]
async fn a_change_that_fails_after_its_event_was_queued_leaves_no_event() {
    let app = quiet_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    // A change that commits leaves its event (so the count below can tell).
    let res = change(&app, "ada@example.com", STRONG, STRONG_2).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(password_changed_events(&app).await, 1);

    // The notice mail is queued after the event, in the same transaction: refuse it.
    refuse_inserts(&app, "outbox");
    let res = change(&app, "ada@example.com", STRONG_2, STRONG_3).await;
    assert_internal_problem(res).await;
    assert!(signs_in(&app, "ada@example.com", STRONG_2).await);
    assert!(
        !signs_in(&app, "ada@example.com", STRONG_3).await,
        "the password did not change"
    );
    assert_eq!(
        password_changed_events(&app).await,
        1,
        "the rolled-back change left no event"
    );
}

#[tokio::test]
async fn an_event_that_cannot_be_queued_undoes_its_change() {
    let app = quiet_app().await;
    app.create_user("ada@example.com", STRONG, &["user"]).await;
    let mail_before = app.outbox_to("ada@example.com").await.len();
    refuse_inserts(&app, "webhook_events");
    let res = change(&app, "ada@example.com", STRONG, STRONG_2).await;
    assert_internal_problem(res).await;
    assert!(signs_in(&app, "ada@example.com", STRONG).await);
    assert!(
        !signs_in(&app, "ada@example.com", STRONG_2).await,
        "the password did not change"
    );
    assert_eq!(
        app.outbox_to("ada@example.com").await.len(),
        mail_before,
        "no notice for a change that did not happen"
    );
    assert_eq!(password_changed_events(&app).await, 0);
}
