#!/usr/bin/env bash
# The admin console's figures for BENCHMARKS.md ("Admin console"): its Active users page
# with 10,000 users against GET /v1/admin/users with the same page size (50), one keep-alive
# client each, in alternating rounds: the first page, a search, a page 100 pages deep, the
# last page with one user (the difference to a full page is what a row costs), and the first page
# as a password_admin (whose rows each say whether they may be reset). The page should cost
# about what the API costs: one query per page, never one per row.
# Usage: bash benches/console.sh [postgres]   (SQLite, or PostgreSQL at $BENCH_PG, default
# postgres://postgres@127.0.0.1:5432; builds a release passgate, PASSGATE_BIN=… measures another)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PASSGATE_BIN:-}" ]; then
  cargo build --quiet --release --bin passgate
  bin=$PWD/target/release/passgate
else
  bin=$PASSGATE_BIN
fi
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PASSGATE__LOG__LEVEL=error PASSGATE__JWT__SECRET=bench-secret-bench-secret-bench-secret-00 \
  PASSGATE__MANAGEMENT__PORT=0 PASSGATE__SERVER__PORT=$port PASSGATE__SERVER__PUBLIC_URL=http://127.0.0.1:$port \
  PASSGATE__DATABASE__URL="sqlite://$work/passgate.db" PASSGATE__MAIL__NOTIFY_PASSWORD_CHANGES=false
if [ "${1:-}" = "postgres" ]; then
  pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS bench_console" -c "CREATE DATABASE bench_console"
  export PASSGATE__DATABASE__URL=$pg/bench_console
fi
echo "database: ${PASSGATE__DATABASE__URL%%:*}; binary: $bin"

password="bench admin passphrase violet kettle"
"$bin" migrate >/dev/null
"$bin" create-admin --email root@example.com --password "$password" >/dev/null
# 10,000 users: every 50th a password_admin, every 200th an admin; one password_admin
# with a password, to sign in as.
python3 - "$work/users.ndjson" "$password" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    out.write(json.dumps({"email": "helpdesk@example.com", "display_name": "Help Desk",
                          "roles": ["password_admin"], "password": sys.argv[2]}) + "\n")
    for i in range(9_999):
        roles = ["admin"] if i % 200 == 0 else ["password_admin"] if i % 50 == 0 else ["user"]
        out.write(json.dumps({"email": f"user{i}@example.com", "display_name": f"User Number {i}",
                              "roles": roles}) + "\n")
PY
"$bin" import "$work/users.ndjson" >/dev/null 2>&1
"$bin" serve & server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

python3 - "$port" "$server" "$password" <<'PY'
import http.client, json, os, re, statistics, sys, time, urllib.parse

port, pid, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ROUNDS, PER_ROUND = 5, 500

def server_cpu():
    """CPU seconds the server's threads have run, to the nanosecond (schedstat; /proc/PID/stat
    counts in 10 ms ticks, too coarse for a round)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{task}/schedstat").read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e9

class Client:
    """One keep-alive connection that keeps the cookies it is given."""
    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.cookies = {}
    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            res = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closes a keep-alive connection idle for a few seconds: once more.
            self.conn = http.client.HTTPConnection("127.0.0.1", port)
            self.conn.request(method, path, body=body, headers=headers)
            res = self.conn.getresponse()
        data = res.read()
        for name, value in res.getheaders():
            if name.lower() == "set-cookie":
                k, v = value.split(";", 1)[0].split("=", 1)
                self.cookies[k.strip()] = v.strip()
        return res.status, res, data

def api_client(email):
    c = Client()
    status, _, body = c.request("POST", "/v1/auth/token", json.dumps({"email": email, "password": password}),
                                {"content-type": "application/json"})
    assert status == 200, body
    c.token = json.loads(body)["access_token"]
    return c

def console_client(email):
    c = Client()
    status, _, page = c.request("GET", "/admin")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf": csrf, "lang": "en"})
    status, res, body = c.request("POST", "/admin/sign-in", form, {"content-type": "application/x-www-form-urlencoded"})
    assert status == 303 and "/admin/users" in res.getheader("location", ""), (status, body[:300])
    return c

def api_get(c, path):
    status, _, body = c.request("GET", path, headers={"authorization": f"Bearer {c.token}"})
    assert status == 200, (path, status, body[:300])
    return body

def console_get(c, path):
    status, _, body = c.request("GET", path)
    assert status == 200, (path, status, body[:300])
    return body

def rows_api(body):
    return len(json.loads(body)["items"])

def rows_console(body):
    return len(re.findall(rb'name="user_id"', body))

def deep(get, first, next_of, pages):
    path = first
    for _ in range(pages):
        path = next_of(get(path))
    return path

def api_next(base):
    return lambda body: f"{base}&cursor={urllib.parse.quote(json.loads(body)['next_cursor'])}"

def console_next(body):
    tag = re.search(rb'<a[^>]*rel="next"[^>]*>', body).group(0)
    return re.search(rb'href="([^"]+)"', tag).group(1).decode().replace("&amp;", "&")

RESULTS = {}

def measure(label, console, api):
    """console and api: (get, path). Alternating rounds; per request: median latency and server CPU."""
    sides = {"console": console, "API": api}
    lat = {k: [] for k in sides}
    cpu = {k: [] for k in sides}
    size = {}
    for _ in range(ROUNDS):
        for name, (get, path) in sides.items():
            get(path)  # untimed: the connection is open and warm
            before = server_cpu()
            for _ in range(PER_ROUND):
                t = time.perf_counter()
                body = get(path)
                lat[name].append(time.perf_counter() - t)
            cpu[name].append((server_cpu() - before) / PER_ROUND)
            size[name] = (len(body), (rows_console if name == "console" else rows_api)(body))
    med = {k: statistics.median(v) * 1e3 for k, v in lat.items()}
    mcpu = {k: statistics.median(v) * 1e6 for k, v in cpu.items()}
    print(f"{label}")
    for k in sides:
        print(f"  {k:8} {size[k][1]:3} rows {size[k][0]:7} bytes  median {med[k]:6.2f} ms  "
              f"p90 {sorted(lat[k])[len(lat[k]) * 9 // 10] * 1e3:6.2f} ms  server CPU {mcpu[k]:6.0f} µs/request")
    print(f"  console ÷ API: latency {med['console'] / med['API']:.2f}, server CPU {mcpu['console'] / mcpu['API']:.2f}")
    RESULTS[label] = mcpu

root_api, root_console = api_client("root@example.com"), console_client("root@example.com")
help_api, help_console = api_client("helpdesk@example.com"), console_client("helpdesk@example.com")
ag = lambda c: (lambda p: api_get(c, p))
cg = lambda c: (lambda p: console_get(c, p))

print(f"10,001 users (root, helpdesk, 9,999 imported); {ROUNDS} alternating rounds of {PER_ROUND} sequential requests per side and figure")
measure("first page, admin", (cg(root_console), "/admin/users"), (ag(root_api), "/v1/admin/users?limit=50"))
measure("search q=user1 (1,111 matches), admin", (cg(root_console), "/admin/users?q=user1"),
        (ag(root_api), "/v1/admin/users?q=user1&limit=50"))
c_deep = deep(cg(root_console), "/admin/users", console_next, 100)
a_deep = deep(ag(root_api), "/v1/admin/users?limit=50", api_next("/v1/admin/users?limit=50"), 100)
measure("page 101 (users 5,001-5,050), admin", (cg(root_console), c_deep), (ag(root_api), a_deep))
# 10,001 users in all: page 201 holds the last one.
c_last = deep(cg(root_console), c_deep, console_next, 100)
a_last = deep(ag(root_api), a_deep, api_next("/v1/admin/users?limit=50"), 100)
measure("page 201, the last (one user), admin", (cg(root_console), c_last), (ag(root_api), a_last))
# What one more row costs each side: a query per row would show here as tens of µs per row.
for side in ("console", "API"):
    per_row = (RESULTS["page 101 (users 5,001-5,050), admin"][side] - RESULTS["page 201, the last (one user), admin"][side]) / 49
    print(f"{side:8} server CPU per listed row (page 101 minus page 201, ÷ 49): {per_row:5.1f} µs")
measure("first page, password_admin", (cg(help_console), "/admin/users"), (ag(help_api), "/v1/admin/users?limit=50"))
PY
