//! The operator's own message files (`PASSGATE__I18N__DIRECTORY`): read at start-up, no
//! rebuild; a broken one stops start-up with one line naming the file and line.

use serde_json::json;

use crate::helpers::{fresh_database, passgate, spawn_app_with, STRONG};

fn write(dir: &std::path::Path, lang: &str, file: &str, text: &str) {
    std::fs::create_dir_all(dir.join(lang)).unwrap();
    std::fs::write(dir.join(lang).join(file), text).unwrap();
}

async fn get(app: &crate::helpers::TestApp, path: &str, accept_language: &str) -> String {
    app.client
        .get(app.url(path))
        .header("accept-language", accept_language)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_override_changes_one_text_and_an_added_language_is_served() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "da",
        "acme.ftl",
        "# Acme's wording\npage-forgot-title = Har du glemt din Acme-adgangskode?\n",
    );
    write(
        dir.path(),
        "de",
        "passgate.ftl",
        "language-name = Deutsch\npage-forgot-title = Passwort vergessen?\nfield-too_short = muss mindestens { $min } Zeichen lang sein\n",
    );
    let path = dir.path().to_owned();
    let app = spawn_app_with(move |s| s.i18n.directory = Some(path)).await;

    let da = get(&app, "/forgot-password", "da").await;
    assert!(
        da.contains("<h1>Har du glemt din Acme-adgangskode?</h1>"),
        "{da}"
    );
    // Only that message changed: the rest is the shipped Danish.
    assert!(da.contains("Send mig et link"));

    let de = get(&app, "/forgot-password", "de-CH, en;q=0.5").await;
    assert!(de.contains("<html lang=\"de\">") && de.contains("Passwort vergessen?"));
    // What the added language leaves out comes from the default language.
    assert!(de.contains("Email me a link"));
    assert!(de.contains(">Deutsch<") && de.contains(">Dansk<"));

    // Problems too, and mail for a user whose locale is the new language.
    let (_, admin) = app.admin().await;
    let res = app
        .client
        .post(app.url("/v1/admin/users"))
        .header("accept-language", "de")
        .bearer_auth(&admin)
        .json(&json!({"email": "kurz@example.de", "password": "kurz", "locale": "de-DE"}))
        .send()
        .await
        .unwrap();
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "password_policy");
    assert_eq!(
        problem["errors"][0]["message"],
        "muss mindestens 15 Zeichen lang sein"
    );

    // A mail to a user of the added language: what it lacks comes from the default, and its
    // date, having no words of its own, is the neutral form.
    let res = app
        .post(
            "/v1/admin/users",
            json!({"email": "hans@example.de", "password": STRONG, "locale": "de"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let tokens = app.tokens("hans@example.de", STRONG).await;
    let res = app
        .post(
            "/v1/me/password",
            json!({"current_password": STRONG, "new_password": crate::helpers::STRONG_2}),
            tokens["access_token"].as_str(),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let notice = app.mail.wait_for("hans@example.de", 1).await.remove(0);
    // The change happened at most a moment ago: this minute or the one before.
    let now = app.state.clock.now();
    let text = notice.text();
    assert!(
        [now, now - chrono::Duration::minutes(1)]
            .iter()
            .any(|t| text.contains(&t.format("on %Y-%m-%d %H:%M UTC.").to_string())),
        "{text}"
    );
}

#[test]
fn a_broken_file_or_directory_stops_start_up_naming_it() {
    let cases: [(&str, &str, &str, &str); 6] = [
        // (language directory, file, text, what the line says)
        (
            "da",
            "passgate.ftl",
            "page-forgot-title = Glemt?\n\npage-forgot-intro Skriv din e-mail\n",
            "passgate.ftl:3:",
        ),
        (
            "not_a_tag",
            "passgate.ftl",
            "page-forgot-title = x\n",
            "`not_a_tag` is not a language tag",
        ),
        (
            "xx-",
            "passgate.ftl",
            "page-forgot-title = x\n",
            "`xx-` is not a language tag",
        ),
        // Well-formed, but no ISO 639 language (2 or 3 letters): a language's own name.
        (
            "dansk",
            "passgate.ftl",
            "page-forgot-title = x\n",
            "`dansk` is not a language tag",
        ),
        (
            "danish",
            "passgate.ftl",
            "page-forgot-title = x\n",
            "`danish` is not a language tag",
        ),
        (
            "norsk",
            "passgate.ftl",
            "page-forgot-title = x\n",
            "`norsk` is not a language tag",
        ),
    ];
    for (lang, file, text, why) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), lang, file, text);
        let (db_url, _db) = fresh_database();
        let out = passgate(&db_url)
            .arg("serve")
            .env("PASSGATE__SERVER__PORT", "0")
            .env("PASSGATE__I18N__DIRECTORY", dir.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{lang}: started");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
        assert!(
            stderr.contains(&dir.path().join(lang).display().to_string()),
            "{stderr}"
        );
        assert!(!stderr.contains("panick"), "{stderr}");
    }

    // A default that is not served is refused the same way.
    let (db_url, _db) = fresh_database();
    let out = passgate(&db_url)
        .arg("serve")
        .env("PASSGATE__SERVER__PORT", "0")
        .env("PASSGATE__I18N__DEFAULT_LOCALE", "fr")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("PASSGATE__I18N__DEFAULT_LOCALE") && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
}
