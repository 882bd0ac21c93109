// Starts what the browser tests need: passgate itself (the debug binary), a real SMTP
// listener on loopback, and a static page on another loopback origin (for CORS).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
const BIN = process.env.PASSGATE_BIN ?? join(ROOT, "target/debug/passgate");

export function freePort() {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function decodeQuotedPrintable(body) {
  const joined = body.replace(/=\r?\n/g, "");
  return Buffer.from(joined.replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))), "latin1").toString("utf8");
}

/** A minimal ESMTP server that keeps what it receives. */
export async function startSmtp() {
  const messages = [];
  const server = net.createServer((socket) => {
    let buffer = "";
    let inData = false;
    let data = "";
    let to = [];
    socket.write("220 browser-test ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let index;
      while ((index = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            const [headers, ...rest] = data.split("\r\n\r\n");
            let text = rest.join("\r\n\r\n");
            if (/content-transfer-encoding: quoted-printable/i.test(headers)) text = decodeQuotedPrintable(text);
            else if (/content-transfer-encoding: base64/i.test(headers)) text = Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
            messages.push({ to, headers, text });
            to = [];
            data = "";
            socket.write("250 OK\r\n");
          } else {
            data += (line.startsWith("..") ? line.slice(1) : line) + "\r\n";
          }
          continue;
        }
        const command = line.toUpperCase();
        if (command.startsWith("EHLO")) socket.write("250-browser-test\r\n250 8BITMIME\r\n");
        else if (command.startsWith("RCPT TO")) {
          to.push(line.slice(8).trim().replace(/^<|>$/g, "").toLowerCase());
          socket.write("250 OK\r\n");
        } else if (command === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (command === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 OK\r\n");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    port: server.address().port,
    messages,
    async waitFor(address, count = 1) {
      for (let i = 0; i < 200; i++) {
        const got = messages.filter((m) => m.to.includes(address.toLowerCase()));
        if (got.length >= count) return got;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${address} got no mail`);
    },
    close: () => new Promise((done) => server.close(done)),
  };
}

/** Starts passgate on a fresh SQLite database; resolves once /healthz answers. */
export async function startPassgate({ smtpPort, corsOrigins = "" }) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "passgate-browser-"));
  const env = {
    PATH: process.env.PATH,
    PASSGATE__SERVER__PORT: String(port),
    PASSGATE__MANAGEMENT__PORT: "0",
    PASSGATE__SERVER__PUBLIC_URL: `http://127.0.0.1:${port}`,
    PASSGATE__DATABASE__URL: `sqlite://${join(dir, "passgate.db")}`,
    PASSGATE__JWT__SECRET: "browser-tests-secret-browser-tests-0123",
    PASSGATE__HASHING__MEMORY_KIB: "256",
    PASSGATE__HASHING__ITERATIONS: "1",
    PASSGATE__MAIL__TRANSPORT: "smtp",
    PASSGATE__MAIL__SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    PASSGATE__MAIL__POLL_INTERVAL_MS: "50",
    PASSGATE__CORS__ALLOWED_ORIGINS: corsOrigins,
    PASSGATE__LOG__LEVEL: "warn",
  };
  const child = spawn(BIN, ["serve"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const cli = (...args) => execFileSync(BIN, args, { env, encoding: "utf8" });
  return {
    url,
    cli,
    async api(path, { method = "GET", body, token } = {}) {
      const headers = { "content-type": "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    stop: () => new Promise((done) => { child.once("exit", done); child.kill("SIGTERM"); }),
  };
}

/** Debian's Chromium, headless; nothing is downloaded. */
export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

/** A page on another origin whose script signs in and reads /v1/me with fetch. Another port
 * of 127.0.0.1 is the same site (cookies with SameSite=Strict go along); another loopback
 * address, such as 127.0.0.2, is another site. */
export async function startOtherOrigin(host = "127.0.0.1") {
  const page = `<!doctype html><html><body><pre id="out">running</pre><script>
    (async () => {
      const out = document.getElementById("out");
      try {
        const params = new URLSearchParams(location.search);
        const api = params.get("api");
        const res = await fetch(api + "/v1/auth/token", { method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: params.get("email"), password: params.get("password") }) });
        const pair = await res.json();
        const me = await fetch(api + "/v1/me", { headers: { authorization: "Bearer " + pair.access_token } });
        const user = await me.json();
        out.textContent = "ok " + user.email + " request-id:" + (me.headers.get("x-request-id") ? "yes" : "no");
      } catch (e) { out.textContent = "blocked " + e; }
    })();
  </script></body></html>`;
  const server = http.createServer((_, res) => { res.writeHead(200, { "content-type": "text/html" }); res.end(page); });
  await new Promise((done) => server.listen(0, host, done));
  return { origin: `http://${host}:${server.address().port}`, close: () => new Promise((d) => server.close(d)) };
}
