#!/usr/bin/env bash
# Resets the password of every user listed in EMAILS_FILE (one address per line) with a
# generated temporary password, and writes email,temporary_password,expires_at rows to
# OUT_CSV. Needs PASSGATE_URL and PASSGATE_API_KEY (a password_admin or admin key).
set -euo pipefail
emails_file=$1 out_csv=$2
: "${PASSGATE_URL:?set PASSGATE_URL}" "${PASSGATE_API_KEY:?set PASSGATE_API_KEY}"

response=$(jq -R -s '{emails: (split("\n") | map(select(length > 0))), mode: "generate"}' "$emails_file" |
  curl -fsS "$PASSGATE_URL/v1/admin/password-resets" \
    -H "authorization: Bearer $PASSGATE_API_KEY" \
    -H 'content-type: application/json' \
    --data-binary @-)

jq -r '(["email", "temporary_password", "expires_at"] | @csv),
  (.results[] | select(.status == "reset") | [.email, .temporary_password, .temporary_password_expires_at] | @csv)' \
  <<<"$response" >"$out_csv"
jq -r '.results[] | select(.status == "failed") | "not reset: \(.email) (\(.error.code))"' <<<"$response" >&2
jq -r '.summary | "\(.succeeded) of \(.requested) reset"' <<<"$response" >&2
