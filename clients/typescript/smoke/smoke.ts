// Smoke run against a live passgate: sign in, read /v1/me, change the password, and as an
// admin reset two users with generated passwords. Type-checked with `tsc --strict`.
import { createPassgateClient, type Problem } from "../src/index.js";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

function fail(step: string, error: Problem | undefined, status: number): never {
  throw new Error(`${step} failed: ${status} ${error?.code ?? ""} ${error?.detail ?? ""}`);
}

const baseUrl = env("PASSGATE_URL");
const adminEmail = env("PASSGATE_ADMIN_EMAIL");
const adminPassword = env("PASSGATE_ADMIN_PASSWORD");
const anonymous = createPassgateClient({ baseUrl });

const signedIn = await anonymous.POST("/v1/auth/token", { body: { email: adminEmail, password: adminPassword } });
if (!signedIn.data) fail("sign-in", signedIn.error, signedIn.response.status);
const admin = createPassgateClient({ baseUrl, credential: signedIn.data.access_token });

const me = await admin.GET("/v1/me");
if (!me.data) fail("GET /v1/me", me.error, me.response.status);
console.log(`signed in as ${me.data.email} (${me.data.roles.join(", ")})`);

const suffix = Date.now().toString(36);
const people: string[] = [];
for (const name of ["ada", "grace"]) {
  const created = await admin.POST("/v1/admin/users", { body: { email: `${name}.${suffix}@example.com`, display_name: name } });
  if (!created.data) fail("create user", created.error, created.response.status);
  people.push(created.data.user.id);
}

const reset = await admin.POST("/v1/admin/password-resets", {
  body: { user_ids: people, mode: "generate", require_change_on_next_sign_in: true, notify_user: false },
});
if (!reset.data) fail("bulk reset", reset.error, reset.response.status);
const { summary, results } = reset.data;
if (summary.succeeded !== 2) throw new Error(`bulk reset: ${JSON.stringify(summary)}`);
const first = results[0];
if (!first?.temporary_password) throw new Error("bulk reset returned no temporary password");
console.log(`reset ${summary.succeeded} users; temporary passwords expire at ${first.temporary_password_expires_at ?? "never"}`);

const newPassword = `smoke test passphrase ${suffix} violet kettle`;
const userSignIn = await anonymous.POST("/v1/auth/token", {
  body: { email: `ada.${suffix}@example.com`, password: first.temporary_password },
});
if (!userSignIn.data) fail("user sign-in", userSignIn.error, userSignIn.response.status);
if (!userSignIn.data.password_change_required) throw new Error("a temporary password must require a change");
const user = createPassgateClient({ baseUrl, credential: userSignIn.data.access_token });
const changed = await user.POST("/v1/me/password", {
  body: { current_password: first.temporary_password, new_password: newPassword },
});
if (!changed.data) fail("change password", changed.error, changed.response.status);
if (changed.data.password_change_required) throw new Error("the change must clear password_change_required");

const again = await anonymous.POST("/v1/auth/token", { body: { email: `ada.${suffix}@example.com`, password: newPassword } });
if (!again.data) fail("sign-in with the new password", again.error, again.response.status);
console.log("smoke: ok");
