// The admin console in a real browser with JavaScript off: an admin resets three users and
// each of them is then forced to change; a password_admin cannot reach an admin, not even by
// editing the form; cross-site posts and posts without the CSRF token are refused; a demoted
// admin's session ends on the next click.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { startOtherOrigin } from "./harness.mjs";
import { ROOT_EMAIL, STRONG, STRONG_2, assertSignInForm, checkbox, consoleSignIn, navigate, pathOf, startConsole } from "./console-kit.mjs";

let kit, app, browser;

before(async () => {
  kit = await startConsole();
  ({ app, browser } = kit);
});

after(async () => {
  await kit?.stop();
});

const noScript = () => browser.newContext({ javaScriptEnabled: false });

/** Audit events of one kind about one user, newest first. */
async function auditOf(userId, action) {
  const res = await app.api(`/v1/admin/audit-events?user_id=${userId}&action=${action}`, { token: kit.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

test("an admin searches, selects three users, resets them with generated passwords, and each must change", async () => {
  const crew = [];
  for (const n of [1, 2, 3]) crew.push(await kit.createUser(`crew${n}@example.com`, { display_name: `Crew Member ${n}` }));
  const bystander = await kit.createUser("bystander@example.com");

  const context = await noScript();
  const page = await context.newPage();
  const signedIn = await consoleSignIn(page, app.url, ROOT_EMAIL, STRONG);
  assert.equal(signedIn.status(), 200);
  assert.equal(pathOf(page), "/admin/users");
  const headers = signedIn.headers();
  assert.match(headers["content-security-policy"], /frame-ancestors 'none'/);
  assert.equal(headers["x-frame-options"], "DENY");
  assert.equal(headers["cache-control"], "no-store");
  const [cookie] = (await context.cookies()).filter((c) => c.name === "passgate_console");
  assert.ok(cookie, "the session cookie is set");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Strict");
  assert.equal(cookie.path, "/admin");

  // Search: the GET form sends q; only the three match.
  await page.locator('input[name="q"]').fill("crew");
  await navigate(page, () => page.locator('input[name="q"]').press("Enter"));
  assert.equal(new URL(page.url()).searchParams.get("q"), "crew");
  for (const id of crew) assert.equal(await checkbox(page, id).isEnabled(), true);
  assert.equal(await checkbox(page, bystander).count(), 0, "the search leaves out who does not match");

  for (const id of crew) await checkbox(page, id).check();
  await navigate(page, () => page.locator("#reset-selected").click());
  assert.equal(pathOf(page), "/admin/reset");
  assert.deepEqual(new URL(page.url()).searchParams.getAll("user_id").sort(), [...crew].sort());

  // The seed's defaults: a generated password, a forced change, a notice, results on the page.
  assert.equal(await page.locator('input[name="mode"][value="generate"]').isChecked(), true);
  assert.equal(await page.locator('input[name="require_change"]').isChecked(), true);
  assert.equal(await page.locator('input[name="notify"]').isChecked(), true);
  assert.equal(await page.locator('input[name="output"][value="page"]').isChecked(), true);
  const results = await navigate(page, () => page.locator("#reset-submit").click());
  assert.equal(results.status(), 200);
  assert.equal(results.headers()["cache-control"], "no-store");
  assert.equal(pathOf(page), "/admin/reset");
  assert.equal(new URL(page.url()).search, "", "nothing of the reset is in the URL");

  const passwords = [];
  for (const id of crew) {
    const row = page.locator(`#results tr[data-user-id="${id}"]`);
    assert.equal(await row.locator("td.error").count(), 0);
    passwords.push((await row.locator("td.password code").innerText()).trim());
  }
  assert.equal(new Set(passwords).size, 3, "each user got a password of their own");
  for (const p of passwords) assert.ok(p.length >= 16, p);

  // Each of the three signs in with it and is held to changing it.
  for (const [i, n] of [1, 2, 3].entries()) {
    const res = await kit.apiSignIn(`crew${n}@example.com`, passwords[i]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.password_change_required, true);
    const [event] = await auditOf(crew[i], "password.reset_by_admin");
    assert.equal(event.actor_id, kit.rootId, "the admin is the actor");
    assert.ok(event.client_ip, "with the client address");
  }
  assert.equal((await kit.apiSignIn("bystander@example.com", STRONG)).body.password_change_required, false);

  // The first one changes it on the hosted page, without JavaScript either.
  const change = await context.newPage();
  await change.goto(`${app.url}/change-password`);
  await change.getByLabel("Email address").fill("crew1@example.com");
  await change.getByLabel("Current or temporary password").fill(passwords[0]);
  await change.getByLabel("New password", { exact: true }).fill(STRONG_2);
  await change.getByLabel("New password, again").fill(STRONG_2);
  await change.getByRole("button", { name: "Change my password" }).click();
  await change.getByRole("heading", { name: "Your password is changed" }).waitFor();
  assert.equal((await kit.apiSignIn("crew1@example.com", STRONG_2)).body.password_change_required, false);

  // Signing out ends the session: the next click is the sign-in form.
  await navigate(page, () => page.locator("#sign-out").click());
  await assertSignInForm(page);
  await page.goto(`${app.url}/admin/users`);
  await assertSignInForm(page);
  await context.close();
});

test("a password_admin sees an admin's checkbox disabled with the reason, and a forged form changes nothing", async () => {
  await kit.createUser("helpdesk@example.com", { roles: ["password_admin"], display_name: "Help Desk" });
  const boss = await kit.createUser("boss@example.com", { roles: ["admin"], display_name: "The Boss" });
  const intern = await kit.createUser("intern@example.com", { display_name: "Intern" });
  const bossBefore = (await app.api(`/v1/admin/users/${boss}`, { token: kit.token })).body;

  const context = await noScript();
  const page = await context.newPage();
  await consoleSignIn(page, app.url, "helpdesk@example.com", STRONG);
  assert.equal(pathOf(page), "/admin/users");

  const bossBox = checkbox(page, boss);
  assert.equal(await bossBox.isDisabled(), true);
  const reasonId = await bossBox.getAttribute("aria-describedby");
  assert.ok(reasonId, "the disabled checkbox points at its reason");
  const reason = (await page.locator(`[id="${reasonId}"]`).innerText()).trim();
  assert.ok(reason.length > 0, "the reason is shown in the row");
  assert.equal(await checkbox(page, intern).isEnabled(), true);

  // Edit the page: enable the admin's checkbox and select both.
  await bossBox.evaluate((box) => box.removeAttribute("disabled"));
  await bossBox.check();
  await checkbox(page, intern).check();
  await navigate(page, () => page.locator("#reset-selected").click());
  assert.equal(pathOf(page), "/admin/reset");

  // Edit the reset form too: make sure the admin's id is posted, whatever the form kept.
  await page.locator('form[action="/admin/reset"][method="post"]').evaluate((form, id) => {
    if (![...form.querySelectorAll('input[name="user_id"]')].some((i) => i.value === id)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "user_id";
      input.value = id;
      form.append(input);
    }
  }, boss);
  const results = await navigate(page, () => page.locator("#reset-submit").click());
  assert.equal(results.status(), 200);
  const bossRow = page.locator(`#results tr[data-user-id="${boss}"]`);
  assert.equal(await bossRow.locator("td.password").count(), 0);
  assert.ok((await bossRow.locator("td.error").innerText()).trim().length > 0, "the admin's row says why");
  const internPassword = (await page.locator(`#results tr[data-user-id="${intern}"] td.password code`).innerText()).trim();
  assert.equal((await kit.apiSignIn("intern@example.com", internPassword)).body.password_change_required, true);

  // A crafted request with the session's cookie and CSRF token, naming only the admin.
  await page.goto(`${app.url}/admin/reset?user_id=${intern}`);
  const csrf = await page.locator('form[action="/admin/reset"] input[name="csrf"]').inputValue();
  const forged = new URLSearchParams([["csrf", csrf], ["lang", "en"], ["user_id", boss], ["mode", "set"], ["password", STRONG_2],
    ["require_change", "on"], ["output", "csv"]]);
  const res = await context.request.post(`${app.url}/admin/reset`, {
    headers: { "content-type": "application/x-www-form-urlencoded" }, data: forged.toString(), maxRedirects: 0,
  });
  assert.equal(res.status(), 200);
  assert.match(res.headers()["content-type"], /^text\/csv/);
  assert.match(res.headers()["content-disposition"], /^attachment; filename="password-resets-\d{8}-\d{6}\.csv"$/);
  const [header, row, ...rest] = (await res.text()).trim().split(/\r?\n/);
  assert.equal(header, "email,user_id,status,temporary_password,error");
  assert.deepEqual(rest, []);
  assert.match(row, new RegExp(`^boss@example\\.com,${boss},failed,,`));
  assert.match(row, /forbidden/);

  // The admin's password, state and sessions are as they were.
  const signIn = await kit.apiSignIn("boss@example.com", STRONG);
  assert.equal(signIn.status, 200);
  assert.equal(signIn.body.password_change_required, false);
  assert.equal((await kit.apiSignIn("boss@example.com", STRONG_2)).status, 401);
  const bossAfter = (await app.api(`/v1/admin/users/${boss}`, { token: kit.token })).body;
  assert.equal(bossAfter.password_changed_at, bossBefore.password_changed_at);
  assert.equal(bossAfter.updated_at, bossBefore.updated_at);
  await context.close();
});

test("a cross-site form post and a post without the CSRF token are refused and change nothing", async () => {
  const victim = await kit.createUser("victim@example.com");
  const sameSite = await startOtherOrigin("127.0.0.1"); // another port: same site, other origin
  const crossSite = await startOtherOrigin("127.0.0.2"); // another address: another site
  const context = await noScript();
  const page = await context.newPage();
  try {
    await consoleSignIn(page, app.url, ROOT_EMAIL, STRONG);
    await page.goto(`${app.url}/admin/reset?user_id=${victim}`);
    const csrf = await page.locator('form[action="/admin/reset"] input[name="csrf"]').inputValue();
    const unchanged = async (what) => {
      const res = await kit.apiSignIn("victim@example.com", STRONG);
      assert.equal(res.status, 200, `${what}: the password is unchanged`);
      assert.equal(res.body.password_change_required, false, what);
      assert.deepEqual(await auditOf(victim, "password.reset_by_admin"), [], `${what}: nothing was reset`);
    };

    // Without the token, and with a wrong one: the 403 page.
    for (const value of [null, "A".repeat(43)]) {
      await page.goto(`${app.url}/admin/reset?user_id=${victim}`);
      await page.locator('form[action="/admin/reset"] input[name="csrf"]').evaluate((input, value) => {
        if (value === null) input.remove();
        else input.value = value;
      }, value);
      const res = await navigate(page, () => page.locator("#reset-submit").click());
      assert.equal(res.status(), 403, value === null ? "no csrf" : "wrong csrf");
      await unchanged(value === null ? "no csrf" : "wrong csrf");
    }

    // From other origins, even knowing the token. The same site's other origin gets the
    // session cookie along and is refused by the origin rule; another site's post carries no
    // cookie at all (SameSite=Strict), so it is no session's.
    for (const [other, what] of [[sameSite, "same-site origin"], [crossSite, "cross-site origin"]]) {
      await page.goto(other.origin);
      const res = await navigate(page, () => page.evaluate(({ target, fields }) => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = target;
        for (const [name, value] of fields) {
          const input = document.createElement("input");
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      }, { target: `${app.url}/admin/reset`, fields: [["csrf", csrf], ["lang", "en"], ["user_id", victim], ["mode", "generate"], ["require_change", "on"], ["output", "page"]] }));
      if (other === sameSite) assert.equal(res.status(), 403, what);
      else await assertSignInForm(page); // no session came along: on to the sign-in form
      assert.equal(await page.locator("#results").count(), 0, what);
      await unchanged(what);
    }
    const still = await page.goto(`${app.url}/admin/users`);
    assert.equal(still.status(), 200);
    assert.equal(pathOf(page), "/admin/users", "the session outlived the refusals");
  } finally {
    await context.close();
    await sameSite.close();
    await crossSite.close();
  }
});

test("a demoted admin's console ends on the next click", async () => {
  const deputy = await kit.createUser("deputy@example.com", { roles: ["admin"], display_name: "Deputy" });
  const context = await noScript();
  const page = await context.newPage();
  await consoleSignIn(page, app.url, "deputy@example.com", STRONG);
  assert.equal(pathOf(page), "/admin/users");

  // Another admin demotes them through the API.
  const demoted = await app.api(`/v1/admin/users/${deputy}`, { method: "PATCH", token: kit.token, body: { roles: ["user"] } });
  assert.equal(demoted.status, 200, JSON.stringify(demoted.body));

  // The next click (a user's page) is the sign-in form; a post does nothing either.
  await navigate(page, () => page.locator('a[href^="/admin/users/"]').first().click());
  await assertSignInForm(page);
  const post = await context.request.post(`${app.url}/admin/sign-out`, {
    headers: { "content-type": "application/x-www-form-urlencoded" }, data: "csrf=x", maxRedirects: 0,
  });
  assert.equal(post.status(), 303);
  assert.equal(new URL(post.headers().location, app.url).pathname, "/admin");

  // Signing in again, as a user without an admin role now: the 403 page, no session.
  const again = await consoleSignIn(page, app.url, "deputy@example.com", STRONG);
  assert.equal(again.status(), 403);
  await page.goto(`${app.url}/admin/users`);
  await assertSignInForm(page);
  await context.close();
});
