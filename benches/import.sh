#!/usr/bin/env bash
# Import and export figures for BENCHMARKS.md ("Import and export"):
#   1. `passgate import` of 100,000 users with hashes (each fixture's hash in turn, so every
#      scheme is parsed and bounded; nothing is hashed) on SQLite and PostgreSQL: users/s;
#   2. the same through POST /v1/admin/user-imports (curl streaming the file);
#   3. peak RSS of streamed imports of 20,000 and 200,000 lines (flat, not proportional);
#   4. `passgate export` of the 100,000 users;
#   5. one verification per imported scheme at its ecosystem's default and at the bound
#      (examples/legacy_costs.rs): the extra cost of that user's first sign-in, before the
#      argon2id re-hash (one hash at the configured parameters).
# Usage: bash benches/import.sh   (PostgreSQL at $BENCH_PG, default postgres://postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --profile bench --bin passgate --example legacy_costs
bin=$PWD/target/release/passgate
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export PASSGATE__LOG__LEVEL=error PASSGATE__JWT__SECRET=bench-secret-bench-secret-bench-secret-00 \
  PASSGATE__MANAGEMENT__PORT=0

python3 - "$work" <<'PY'
import itertools, json, sys
fixtures = json.load(open("tests/fixtures/legacy_hashes/fixtures.json"))
for n in (20_000, 100_000, 200_000):
    with open(f"{sys.argv[1]}/users-{n}.ndjson", "w") as out:
        for i, f in zip(range(n), itertools.cycle(fixtures)):
            out.write(json.dumps({"email": f"user{i}@example.com", "display_name": f"User {i}",
                                  "password_hash": f["hash"]}) + "\n")
PY
ls -l "$work"/*.ndjson | awk '{print "# " $5 " bytes " $9}'

# Runs a command; prints wall seconds and the peak RSS (KiB) of the process.
measure() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err"; cat "$work/time"; }

cli_import() { # url file
  PASSGATE__DATABASE__URL=$1 "$bin" migrate >/dev/null
  read -r secs rss < <(PASSGATE__DATABASE__URL=$1 measure "$bin" import "$2")
  local n; n=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['created'])" "$work/out")
  printf '%-44s %8d users %7.2f s %8.0f users/s  peak RSS %6.1f MiB\n' "$3" "$n" "$secs" \
    "$(python3 -c "print($n/$secs)")" "$(python3 -c "print($rss/1024)")"
}

echo "== passgate import (CLI)"
cli_import "sqlite://$work/a.db" "$work/users-100000.ndjson" "SQLite, 100,000 lines"
psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS bench_import" -c "CREATE DATABASE bench_import"
cli_import "$pg/bench_import" "$work/users-100000.ndjson" "PostgreSQL, 100,000 lines"
cli_import "sqlite://$work/b.db" "$work/users-20000.ndjson" "SQLite, 20,000 lines (RSS baseline)"
cli_import "sqlite://$work/c.db" "$work/users-200000.ndjson" "SQLite, 200,000 lines"

echo "== passgate export (CLI)"
read -r secs rss < <(PASSGATE__DATABASE__URL="sqlite://$work/a.db" measure "$bin" export)
printf '%-44s %8d lines %7.2f s  peak RSS %6.1f MiB\n' "SQLite, 100,000 users" "$(wc -l <"$work/out")" "$secs" \
  "$(python3 -c "print($rss/1024)")"

echo "== POST /v1/admin/user-imports (curl streams the file)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PASSGATE__DATABASE__URL="sqlite://$work/http.db" PASSGATE__SERVER__PORT=$port
"$bin" create-admin --email root@example.com --password "bench admin passphrase violet kettle" >/dev/null
"$bin" serve & server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fsS "http://127.0.0.1:$port/v1/auth/token" -H 'content-type: application/json' \
  -d '{"email":"root@example.com","password":"bench admin passphrase violet kettle"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
rss() { awk '/VmRSS|VmHWM/ {printf "%s %.1f MiB  ", $1, $2/1024}' "/proc/$server/status"; echo; }
echo "server before: $(rss)"
for n in 20000 200000; do
  start=$(date +%s.%N)
  curl -fsS "http://127.0.0.1:$port/v1/admin/user-imports?mode=upsert" -H "authorization: Bearer $token" \
    -H 'content-type: application/x-ndjson' -T "$work/users-$n.ndjson" -X POST -o "$work/report"
  end=$(date +%s.%N)
  python3 - "$work/report" "$start" "$end" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["summary"]; secs = float(sys.argv[3]) - float(sys.argv[2])
print(f"{sys.argv[4]:>7} lines: {r['created']} created, {r['updated']} updated, {r['failed']} failed "
      f"in {secs:.2f} s ({int(sys.argv[4]) / secs:,.0f} lines/s)")
PY
  echo "server after: $(rss)"
done

echo "== one verification per imported scheme (median of 3, one core)"
target/release/examples/legacy_costs
