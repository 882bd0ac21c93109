//! The admin console without a browser: its cookies by hand (reqwest keeps none), the
//! sign-in form's token, and a signed-in [`Console`] that sends its session with every
//! request.

use reqwest::{Response, StatusCode};

use super::TestApp;

/// The value of the `Set-Cookie` header setting `name`, whole (with its attributes).
pub fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// `name=value` of a `Set-Cookie` header, as a `Cookie` header sends it back.
pub fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_owned()
}

/// The value of the first hidden input `name` of a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!(r#"name="{name}" value=""#))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The sign-in form as a browser gets it: (its pre-session cookie `name=value`, its token).
pub async fn sign_in_form(app: &TestApp) -> (String, String) {
    let res = app.get("/admin", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = ["passgate_console_signin", "__Host-passgate_console_signin"]
        .iter()
        .find_map(|n| set_cookie(&res, n))
        .expect("the sign-in form sets its cookie");
    let body = res.text().await.unwrap();
    (pair(&cookie), hidden(&body, "csrf").expect("a csrf field"))
}

/// Posts the sign-in form as a browser would (with the form's cookie and token).
pub async fn post_sign_in(app: &TestApp, email: &str, password: &str) -> Response {
    let (cookie, csrf) = sign_in_form(app).await;
    app.client
        .post(app.url("/admin/sign-in"))
        .header("cookie", cookie)
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf", &csrf),
            ("lang", "en"),
        ])
        .send()
        .await
        .unwrap()
}

/// A signed-in console admin.
pub struct Console<'a> {
    pub app: &'a TestApp,
    /// `name=value` of the session cookie.
    pub cookie: String,
    /// The session's secret (the cookie's value).
    pub secret: String,
    /// The session's CSRF token, as its pages carry it.
    pub csrf: String,
}

impl<'a> Console<'a> {
    /// Signs in through the form; panics unless a session is made.
    pub async fn sign_in(app: &'a TestApp, email: &str, password: &str) -> Console<'a> {
        let res = post_sign_in(app, email, password).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "console sign-in of {email}"
        );
        assert_eq!(res.headers()["location"], "/admin/users");
        let set = ["passgate_console", "__Host-passgate_console"]
            .iter()
            .find_map(|n| set_cookie(&res, n))
            .expect("a session cookie");
        let cookie = pair(&set);
        let secret = cookie.split_once('=').unwrap().1.to_owned();
        let csrf = passgate::flows::console_sessions::csrf_of(&secret);
        Console {
            app,
            cookie,
            secret,
            csrf,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form as it is (add `csrf` yourself, or use [`Console::submit`]).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form with the session's CSRF token, as the console's own pages do.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// Whether the session is still live: `GET /admin` goes on to the console.
    pub async fn is_live(&self) -> bool {
        let res = self.get("/admin").await;
        res.status() == StatusCode::SEE_OTHER && res.headers()["location"] == "/admin/users"
    }
}
