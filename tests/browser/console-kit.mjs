// What the admin console's browser tests share: one passgate with a first admin, and the
// gestures an admin makes. Only the markup hooks of notes/console-contract.md are relied on
// (URLs, field names, ids), never the wording, so the same steps run in every language.
import assert from "node:assert/strict";

import { chromium } from "playwright-core";

import { launchChromium, startPassgate, startSmtp } from "./harness.mjs";

export const STRONG = "violet kettle marches under seven quiet bridges";
export const STRONG_2 = "amber lantern drifts past eleven sleepy harbors";
export const ROOT_EMAIL = "root@example.com";

/** A browser, a mail catcher and a passgate with its first admin (signed in to the API). */
export async function startConsole() {
  const browser = await launchChromium(chromium);
  const smtp = await startSmtp();
  const app = await startPassgate({ smtpPort: smtp.port });
  app.cli("create-admin", "--email", ROOT_EMAIL, "--password", STRONG);
  const signedIn = await app.api("/v1/auth/token", { method: "POST", body: { email: ROOT_EMAIL, password: STRONG } });
  assert.equal(signedIn.status, 200);
  const token = signedIn.body.access_token;
  const rootId = (await app.api("/v1/me", { token })).body.id;

  /** Creates a user through the admin API (a usable password, no forced change). */
  async function createUser(email, { password = STRONG, roles, display_name, locale } = {}) {
    const res = await app.api("/v1/admin/users", { method: "POST", token, body: { email, password, roles, display_name, locale } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.user.id;
  }

  /** Signs in through POST /v1/auth/token, as the user would. */
  const apiSignIn = (email, password) => app.api("/v1/auth/token", { method: "POST", body: { email, password } });

  return {
    browser,
    smtp,
    app,
    token,
    rootId,
    createUser,
    apiSignIn,
    async stop() {
      await browser.close();
      await app.stop();
      await smtp.close();
    },
  };
}

/** Clicks (or presses) something that submits a form or follows a link; resolves to the
 * final response of the navigation, after redirects. */
export async function navigate(page, action) {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

/** The console's sign-in form at /admin, filled in and sent. */
export async function consoleSignIn(page, url, email, password) {
  await page.goto(`${url}/admin`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  return navigate(page, () => page.locator('form[action^="/admin/sign-in"] [type="submit"]').click());
}

export const pathOf = (page) => new URL(page.url()).pathname;

/** The sign-in form is what the page shows (a session that ended lands here). */
export async function assertSignInForm(page) {
  assert.equal(pathOf(page), "/admin");
  assert.equal(await page.locator('form[action^="/admin/sign-in"] input[name="password"]').count(), 1);
}

/** The checkbox that selects one user on Active users. */
export const checkbox = (page, id) => page.locator(`input[type="checkbox"][name="user_id"][value="${id}"]`);

/** The page does not scroll sideways (a table may scroll inside its own wrapper). */
export async function assertNoSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const width = page.viewportSize().width;
  assert.ok(overflow <= 0, `${what} scrolls sideways by ${overflow}px at ${width}px`);
}
