// Reset every user listed in a file (one email per line) with generated passwords and write
// email,temporary_password,expires_at rows to a CSV. Usage:
//   PASSGATE_URL=… PASSGATE_API_KEY=pgk_… node dist/examples/bulk-reset-by-email.js leavers.txt out.csv
import { readFileSync, writeFileSync } from "node:fs";
import { createPassgateClient } from "../src/index.js";

const [emailsFile, outCsv] = process.argv.slice(2);
if (!emailsFile || !outCsv) throw new Error("usage: bulk-reset-by-email EMAILS_FILE OUT_CSV");
const passgate = createPassgateClient({ baseUrl: process.env.PASSGATE_URL!, credential: process.env.PASSGATE_API_KEY! });

const emails = readFileSync(emailsFile, "utf8").split("\n").map((l) => l.trim()).filter(Boolean);
const { data, error } = await passgate.POST("/v1/admin/password-resets", { body: { emails, mode: "generate" } });
if (!data) throw new Error(`bulk reset failed: ${error?.code} ${error?.detail}`);

const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
const rows = data.results
  .filter((r) => r.status === "reset")
  .map((r) => [r.email ?? "", r.temporary_password ?? "", r.temporary_password_expires_at ?? ""].map(quote).join(","));
writeFileSync(outCsv, ['"email","temporary_password","expires_at"', ...rows].join("\n") + "\n");
for (const r of data.results.filter((r) => r.status === "failed")) console.error(`not reset: ${r.email} (${r.error?.code})`);
console.error(`${data.summary.succeeded} of ${data.summary.requested} reset`);
