#!/usr/bin/env bash
# The webhook benchmarks (BENCHMARKS.md, "Webhooks"): deliveries per second to a fast local
# receiver, and what ten subscribed endpoints add to POST /v1/me/password (about one minute).
# `--release` builds optimised; without it the test build's binary (dependencies optimised,
# passgate's own code not) is measured. `enqueue` runs only the last figure.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=()
dir=debug
if [ "${1:-}" = "--release" ]; then profile=(--release); dir=release; shift; fi
cargo build "${profile[@]}" --bin passgate --example webhook_load
exec "target/$dir/examples/webhook_load" "$@"
