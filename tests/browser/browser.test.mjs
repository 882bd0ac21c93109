// passgate in a real browser: the hosted pages end to end, CORS from another origin, and
// screenshots of every page at phone and desktop widths (target/screenshots/).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { ROOT, startOtherOrigin, startPassgate, startSmtp } from "./harness.mjs";

const STRONG = "violet kettle marches under seven quiet bridges";
const STRONG_2 = "amber lantern drifts past eleven sleepy harbors";
const SCREENSHOTS = join(ROOT, "target/screenshots");

let browser, smtp, other, app, admin;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  smtp = await startSmtp();
  other = await startOtherOrigin();
  app = await startPassgate({ smtpPort: smtp.port, corsOrigins: other.origin });
  app.cli("create-admin", "--email", "root@example.com", "--password", STRONG);
  const signedIn = await app.api("/v1/auth/token", { method: "POST", body: { email: "root@example.com", password: STRONG } });
  assert.equal(signedIn.status, 200);
  admin = signedIn.body.access_token;
  mkdirSync(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await smtp?.close();
  await other?.close();
});

async function createUser(email, password, locale) {
  const res = await app.api("/v1/admin/users", { method: "POST", token: admin, body: { email, password, locale } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.user.id;
}

test("forgot password → mail → link → weak password refused → strong one set → link dead", async () => {
  await createUser("ada@example.com", STRONG);
  const page = await browser.newPage();
  await page.goto(`${app.url}/forgot-password`);
  await page.getByLabel("Email address").fill("ada@example.com");
  await page.getByRole("button", { name: "Email me a link" }).click();
  await page.getByRole("heading", { name: "Check your inbox" }).waitFor();

  const [mail] = await smtp.waitFor("ada@example.com");
  const link = mail.text.split(/\s+/).find((w) => w.startsWith("http"));
  assert.ok(link.startsWith(`${app.url}/reset-password?token=`), link);

  await page.goto(link);
  await page.getByLabel("New password", { exact: true }).fill("password");
  await page.getByLabel("New password, again").fill("password");
  await page.getByRole("button", { name: "Set my new password" }).click();
  const errors = await page.locator("#new_password-errors").innerText();
  assert.match(errors, /at least 15 characters/);
  assert.match(errors, /commonly used/);

  await page.getByLabel("New password", { exact: true }).fill(STRONG_2);
  await page.getByLabel("New password, again").fill(STRONG_2);
  await page.getByRole("button", { name: "Set my new password" }).click();
  await page.getByRole("heading", { name: "Your password is set" }).waitFor();

  const signIn = await app.api("/v1/auth/token", { method: "POST", body: { email: "ada@example.com", password: STRONG_2 } });
  assert.equal(signIn.status, 200);

  await page.goto(link);
  await page.getByRole("heading", { name: "This link no longer works" }).waitFor();
  await page.close();
});

test("an admin's generated password is replaced on the change-password page", async () => {
  const id = await createUser("grace@example.com", STRONG);
  const reset = await app.api(`/v1/admin/users/${id}/password-reset`, { method: "POST", token: admin, body: { mode: "generate" } });
  assert.equal(reset.status, 200);
  const temporary = reset.body.temporary_password;

  const page = await browser.newPage();
  await page.goto(`${app.url}/change-password`);
  await page.getByLabel("Email address").fill("grace@example.com");
  await page.getByLabel("Current or temporary password").fill(temporary);
  await page.getByLabel("New password", { exact: true }).fill(STRONG_2);
  await page.getByLabel("New password, again").fill(STRONG_2);
  await page.getByRole("button", { name: "Change my password" }).click();
  await page.getByRole("heading", { name: "Your password is changed" }).waitFor();
  await page.close();

  const signIn = await app.api("/v1/auth/token", { method: "POST", body: { email: "grace@example.com", password: STRONG_2 } });
  assert.equal(signIn.status, 200);
  assert.equal(signIn.body.password_change_required, false);
});

test("CORS: a configured origin may call the API from a browser, another may not", async () => {
  await createUser("cors@example.com", STRONG);
  const query = (api) => `?api=${encodeURIComponent(api)}&email=cors@example.com&password=${encodeURIComponent(STRONG)}`;

  const page = await browser.newPage();
  await page.goto(other.origin + query(app.url));
  await page.waitForFunction(() => document.getElementById("out").textContent !== "running");
  assert.equal(await page.locator("#out").innerText(), "ok cors@example.com request-id:yes");

  // The same page against a passgate that does not list this origin: the browser blocks it.
  const closed = await startPassgate({ smtpPort: smtp.port, corsOrigins: "" });
  try {
    closed.cli("create-admin", "--email", "cors@example.com", "--password", STRONG);
    await page.goto(other.origin + query(closed.url));
    await page.waitForFunction(() => document.getElementById("out").textContent !== "running");
    assert.match(await page.locator("#out").innerText(), /^blocked/);
  } finally {
    await closed.stop();
  }
  await page.close();
});

test("a form posted from another origin is refused and changes nothing", async () => {
  await createUser("csrf@example.com", STRONG);
  const page = await browser.newPage();
  await page.goto(other.origin);
  const target = `${app.url}/change-password`;
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.evaluate(({ target, current, next }) => {
      const form = document.createElement("form");
      form.method = "post";
      form.action = target;
      for (const [name, value] of Object.entries({ email: "csrf@example.com", current_password: current, new_password: next, confirm_password: next })) {
        const input = document.createElement("input");
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    }, { target, current: STRONG, next: STRONG_2 }),
  ]);
  assert.equal(response.status(), 403);
  assert.match(await page.locator("h1").innerText(), /another site/);
  const signIn = await app.api("/v1/auth/token", { method: "POST", body: { email: "csrf@example.com", password: STRONG } });
  assert.equal(signIn.status, 200, "the password is unchanged");
  await page.close();
});

test("the API docs work under their Content-Security-Policy", async () => {
  const page = await browser.newPage();
  const violations = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on("pageerror", (e) => violations.push(String(e)));
  await page.goto(`${app.url}/docs/`);
  await page.waitForSelector(".opblock");
  assert.ok((await page.locator(".opblock").count()) > 10);
  // "Try it out" calls the API from the page (connect-src 'self').
  await page.locator(".opblock").first().click();
  await page.getByRole("button", { name: "Try it out" }).first().click();
  await page.getByRole("button", { name: "Execute" }).first().click();
  await page.waitForSelector(".live-responses-table");
  assert.deepEqual(violations, []);
  await page.close();
});

test("every page reads well at 390 px and 1280 px", async () => {
  await createUser("shots@example.com", STRONG);
  await app.api("/v1/password-resets", { method: "POST", body: { email: "shots@example.com" } });
  const [mail] = await smtp.waitFor("shots@example.com");
  const link = mail.text.split(/\s+/).find((w) => w.startsWith("http"));
  const pages = { "forgot-password": `${app.url}/forgot-password`, "reset-password": link, "change-password": `${app.url}/change-password` };
  for (const width of [390, 1280]) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    for (const [name, url] of Object.entries(pages)) {
      await page.goto(url);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `${name} scrolls sideways at ${width}px`);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.close();
  }
});

test("in Danish, without JavaScript, at phone width: forgot → mail → link → new password → sign-in", async () => {
  await createUser("mette@example.dk", STRONG, "da");
  // What a Danish phone sends: Accept-Language da-DK; no script runs at all.
  const context = await browser.newContext({ locale: "da-DK", javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const shot = async (name) => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, `${name} scrolls sideways at 390px`);
    await page.screenshot({ path: join(SCREENSHOTS, `da-${name}-390.png`), fullPage: true });
  };

  await page.goto(`${app.url}/forgot-password`);
  assert.equal(await page.getAttribute("html", "lang"), "da");
  await page.getByRole("heading", { name: "Glemt adgangskode?" }).waitFor();
  await shot("forgot-password");
  await page.getByLabel("E-mailadresse").fill("mette@example.dk");
  await page.getByRole("button", { name: "Send mig et link" }).click();
  await page.getByRole("heading", { name: "Tjek din indbakke" }).waitFor();
  await shot("check-your-inbox");

  const [mail] = await smtp.waitFor("mette@example.dk");
  assert.match(mail.text, /Nogen \(forhåbentlig dig\) har bedt om at nulstille adgangskoden/);
  const link = mail.text.split(/\s+/).find((w) => w.startsWith("http"));
  assert.ok(link.startsWith(`${app.url}/reset-password?token=`), link);

  await page.goto(link);
  await page.getByRole("heading", { name: "Vælg en ny adgangskode" }).waitFor();
  assert.match(await page.locator("#policy").innerText(), /Mindst 15 tegn/);
  await page.getByLabel("Ny adgangskode", { exact: true }).fill("password");
  await page.getByLabel("Gentag ny adgangskode").fill("password");
  await page.getByRole("button", { name: "Gem ny adgangskode" }).click();
  const errors = await page.locator("#new_password-errors").innerText();
  assert.match(errors, /Adgangskoden skal være på mindst 15 tegn\./);
  assert.match(errors, /mest brugte adgangskoder/);
  assert.equal(await page.getAttribute("html", "lang"), "da");
  await shot("reset-password-refused");

  await page.getByLabel("Ny adgangskode", { exact: true }).fill(STRONG_2);
  await page.getByLabel("Gentag ny adgangskode").fill(STRONG_2);
  await page.getByRole("button", { name: "Gem ny adgangskode" }).click();
  await page.getByRole("heading", { name: "Din nye adgangskode er gemt" }).waitFor();
  await shot("reset-password-done");

  const signIn = await app.api("/v1/auth/token", { method: "POST", body: { email: "mette@example.dk", password: STRONG_2 } });
  assert.equal(signIn.status, 200);

  // The notice that follows is Danish too, its time in UTC and saying so.
  const [, notice] = await smtp.waitFor("mette@example.dk", 2);
  assert.match(notice.text, /blev nulstillet via et link i en e-mail den \d+\. [a-z]+ \d{4} kl\. \d\d:\d\d \(UTC\)/);

  await page.goto(link);
  await page.getByRole("heading", { name: "Linket virker ikke længere" }).waitFor();
  await shot("link-dead");
  await context.close();
});

test("every page in Danish at 390 px and 1280 px, and the language links switch", async () => {
  for (const width of [390, 1280]) {
    const context = await browser.newContext({ locale: "da-DK", viewport: { width, height: 900 } });
    const page = await context.newPage();
    for (const name of ["forgot-password", "change-password"]) {
      await page.goto(`${app.url}/${name}`);
      assert.equal(await page.getAttribute("html", "lang"), "da");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `${name} scrolls sideways at ${width}px`);
      await page.screenshot({ path: join(SCREENSHOTS, `da-${name}-${width}.png`), fullPage: true });
    }
    // The English link of a Danish page serves it in English, and its form keeps English.
    await page.getByRole("link", { name: "English" }).click();
    assert.equal(await page.getAttribute("html", "lang"), "en");
    await page.getByRole("heading", { name: "Change your password" }).waitFor();
    await page.getByRole("button", { name: "Change my password" }).click();
    assert.equal(await page.getAttribute("html", "lang"), "en");
    await page.getByText("This field is required.").first().waitFor();
    await context.close();
  }
});
