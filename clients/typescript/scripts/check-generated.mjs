// Fails when src/schema.d.ts is not what openapi-typescript makes of the checked-in spec.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const out = join(mkdtempSync(join(tmpdir(), "passgate-types-")), "schema.d.ts");
execFileSync("npx", ["openapi-typescript", "../../openapi/openapi.json", "-o", out], { stdio: "inherit" });
if (readFileSync(out, "utf8") !== readFileSync("src/schema.d.ts", "utf8")) {
  console.error("clients/typescript/src/schema.d.ts is stale: run `npm run generate` in clients/typescript and commit it.");
  process.exit(1);
}
console.log("generated types match openapi/openapi.json");
