// A webhook receiver for passgate's tests, on 127.0.0.1: every delivery is checked with
// the official Standard Webhooks verifier (npm `standardwebhooks`), unmodified, against
// each secret the test registered, and reported on stdout as one JSON line. The path
// chooses the answer:
//   /ok         200
//   /fail-once  500 the first time a webhook-id arrives, 200 after
//   /fail       500, always
//   /redirect   302 to /ok (the sender must not follow it)
//   /gone       410
//   /hang       never answers (the sender's timeout must end it)
//   /endless    200, then a body that never ends (the sender reads at most 64 KiB and
//               stops; without that cap it would read until its timeout)
// The test registers secrets with POST /__secrets {"secrets": [...]}; the first line on
// stdout is {"port": N}.
import http from "node:http";
import { Webhook } from "standardwebhooks";

let secrets = [];
const seen = new Set();

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (req.url === "/__secrets") {
      secrets = JSON.parse(body).secrets;
      res.writeHead(204).end();
      return;
    }
    const headers = {
      "webhook-id": req.headers["webhook-id"],
      "webhook-timestamp": req.headers["webhook-timestamp"],
      "webhook-signature": req.headers["webhook-signature"],
    };
    const verified = secrets.map((secret) => {
      try {
        new Webhook(secret).verify(body, headers);
        return true;
      } catch (e) {
        return false;
      }
    });
    const id = headers["webhook-id"];
    let status = 200;
    if (req.url === "/fail-once") {
      status = seen.has(id) ? 200 : 500;
      seen.add(id);
    } else if (req.url === "/fail") {
      status = 500;
    } else if (req.url === "/redirect") {
      status = 302;
    } else if (req.url === "/gone") {
      status = 410;
    } else if (req.url === "/hang") {
      status = 0;
    }
    const report = {
      path: req.url,
      method: req.method,
      content_type: req.headers["content-type"],
      ...headers,
      body,
      verified,
      status,
    };
    process.stdout.write(JSON.stringify(report) + "\n");
    if (status === 0) return; // hang: never answer
    if (req.url === "/endless") {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = "x".repeat(16 * 1024);
      // As fast as the sender reads, until it hangs up.
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
      return;
    }
    if (status === 302) {
      res.writeHead(302, { location: "/ok" }).end();
      return;
    }
    res.writeHead(status, { "content-type": "text/plain" }).end("ok");
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
// The test's end closes stdin: then this process ends too.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
