// Every page of the admin console, in English and Danish, at phone (390 px) and desktop
// (1280 px) width, without JavaScript: nothing scrolls sideways, every field has a label,
// every stop of the keyboard's tab order shows where the focus is, and a screenshot of each
// lands in target/screenshots/ (console-NAME-WIDTH.png, da-console-NAME-WIDTH.png).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ROOT } from "./harness.mjs";
import { ROOT_EMAIL, STRONG, assertNoSidewaysScroll, checkbox, consoleSignIn, navigate, pathOf, startConsole } from "./console-kit.mjs";

const SCREENSHOTS = join(ROOT, "target/screenshots");

let kit, app, browser;
const people = {};

before(async () => {
  kit = await startConsole();
  ({ app, browser } = kit);
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A directory that looks like a real one: long addresses and names, every role, a
  // disabled account, and someone locked out.
  const directory = [
    ["annika.lindqvist-haraldsen@customer-support.example.com", "Annika Lindqvist-Haraldsen", ["user"]],
    ["bo@example.dk", "Bo Østergaard", ["user"]],
    ["helpdesk@example.com", "Help Desk", ["password_admin"]],
    ["it-operations@example.com", "IT Operations", ["admin"]],
    ["jens.kristiansen@example.dk", "Jens Kristiansen", ["user"]],
    ["locked@example.com", "Locked Out", ["user"]],
    ["former@example.com", "Former Employee", ["user"]],
    ["carla@example.com", "Carla Jensen", ["user"]],
  ];
  for (const [email, display_name, roles] of directory) people[email] = await kit.createUser(email, { display_name, roles });
  const disabled = await app.api(`/v1/admin/users/${people["former@example.com"]}`, { method: "PATCH", token: kit.token, body: { disabled: true } });
  assert.equal(disabled.status, 200);
});

after(async () => {
  await kit?.stop();
});

/** Labels, sideways scrolling, the page's language; then the screenshot. */
async function check(page, lang, width, name) {
  assert.equal(await page.getAttribute("html", "lang"), lang, name);
  await assertNoSidewaysScroll(page, name);
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
      .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
      .map((el) => el.outerHTML));
  assert.deepEqual(unlabelled, [], `${name}: every field has a label`);
  const file = `${lang === "da" ? "da-" : ""}console-${name}-${width}.png`;
  await page.screenshot({ path: join(SCREENSHOTS, file), fullPage: true });
}

/** Tabs through the whole page: every stop is visibly focused (an outline or a ring). */
async function assertFocusVisible(page, name) {
  await page.locator("body").focus();
  const seen = new Set();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
      return { key: el.outerHTML.slice(0, 120), visible: outlined || style.boxShadow !== "none", matches: el.matches(":focus-visible") };
    });
    if (!stop || seen.has(stop.key)) break;
    seen.add(stop.key);
    assert.ok(stop.matches && stop.visible, `${name}: no visible focus on ${stop.key}`);
  }
  assert.ok(seen.size >= 2, `${name}: the keyboard reaches the page (${seen.size} stops)`);
}

for (const lang of ["en", "da"]) {
  test(`every console page in ${lang === "en" ? "English" : "Danish"} at 390 px and 1280 px`, async () => {
    for (const width of [390, 1280]) {
      const locale = lang === "da" ? "da-DK" : "en-GB";
      const context = await browser.newContext({ locale, javaScriptEnabled: false, viewport: { width, height: 900 } });
      const page = await context.newPage();
      const shot = (name) => check(page, lang, width, name);

      await page.goto(`${app.url}/admin`);
      await shot("sign-in");
      if (width === 390) await assertFocusVisible(page, "sign-in");
      assert.equal((await consoleSignIn(page, app.url, ROOT_EMAIL, "not the password at all, sorry")).status(), 401);
      await shot("sign-in-refused");
      // A user without an admin role signs in: the 403 page.
      assert.equal((await consoleSignIn(page, app.url, "jens.kristiansen@example.dk", STRONG)).status(), 403);
      await shot("forbidden");

      // As a password_admin: admins' checkboxes disabled, each with its reason.
      await consoleSignIn(page, app.url, "helpdesk@example.com", STRONG);
      assert.equal(pathOf(page), "/admin/users");
      assert.equal(await checkbox(page, people["it-operations@example.com"]).isDisabled(), true);
      await shot("active-users-password-admin");
      await navigate(page, () => page.locator("#sign-out").click());
      await shot("signed-out");

      await consoleSignIn(page, app.url, ROOT_EMAIL, STRONG);
      assert.equal(pathOf(page), "/admin/users");
      const words = lang === "da" ? ["Aktive brugere", "Nulstil adgangskode", "Log ud"] : ["Active users", "Reset password", "Sign out"];
      assert.deepEqual([await page.locator("h1").innerText(), await page.locator("#reset-selected").innerText(), await page.locator("#sign-out").innerText()], words);
      await shot("active-users");
      if (width === 390) await assertFocusVisible(page, "active-users");
      await page.locator('input[name="q"]').fill("example.dk");
      await navigate(page, () => page.locator('input[name="q"]').press("Enter"));
      await shot("active-users-search");

      // Ten different wrong passwords lock the account (every run unlocks it again).
      for (let i = 0; i < 10; i++) await kit.apiSignIn("locked@example.com", `wrong guess ${i} in ${lang} at ${width}`);
      await page.goto(`${app.url}/admin/users/${people["locked@example.com"]}`);
      assert.equal(await page.locator("#unlock").count(), 1, "the locked user can be unlocked");
      assert.ok((await page.locator("#audit tr").count()) > 1, "the user's audit events are listed");
      await shot("user-locked");
      await navigate(page, () => page.locator("#unlock").click());
      assert.equal(pathOf(page), `/admin/users/${people["locked@example.com"]}`);
      await shot("user-unlocked");
      await page.goto(`${app.url}/admin/users/${people["former@example.com"]}`);
      assert.equal(await page.locator("#enable").count(), 1);
      await shot("user-disabled");
      await page.goto(`${app.url}/admin/users/00000000-0000-7000-8000-000000000000`);
      await shot("user-not-found");

      const selected = ["annika.lindqvist-haraldsen@customer-support.example.com", "bo@example.dk", "carla@example.com"].map((e) => people[e]);
      await page.goto(`${app.url}/admin/users`);
      for (const id of selected) await checkbox(page, id).check();
      await shot("active-users-selected");
      const query = selected.map((id) => `user_id=${id}`).join("&");
      await page.goto(`${app.url}/admin/reset?${query}`);
      await shot("reset");
      if (width === 390) await assertFocusVisible(page, "reset");
      // A typed password that breaks the policy: the form again, saying why.
      await page.locator('input[name="mode"][value="set"]').check();
      await page.locator('input[name="password"]').fill("password");
      assert.equal((await navigate(page, () => page.locator("#reset-submit").click())).status(), 422);
      await shot("reset-refused");
      await page.goto(`${app.url}/admin/reset?${query}`);
      const results = await navigate(page, () => page.locator("#reset-submit").click());
      assert.equal(results.status(), 200);
      assert.equal(await page.locator("#results td.password code").count(), 3);
      await shot("results");

      // A post without its CSRF token: the refusal page.
      await page.goto(`${app.url}/admin/reset?${query}`);
      await page.locator('form[action="/admin/reset"] input[name="csrf"]').evaluate((input) => input.remove());
      assert.equal((await navigate(page, () => page.locator("#reset-submit").click())).status(), 403);
      await shot("refused");

      // The language links keep the session and switch the language.
      await page.goto(`${app.url}/admin/users`);
      const other = lang === "da" ? "en" : "da";
      await navigate(page, () => page.locator(`header a[hreflang="${other}"]`).click());
      assert.equal(pathOf(page), "/admin/users");
      assert.equal(await page.getAttribute("html", "lang"), other);
      await context.close();
    }
  });
}
