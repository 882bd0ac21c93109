#!/usr/bin/env bash
# The load harness: builds a release passgate and the harness, then runs every scenario of
# BENCHMARKS.md side by side and prints the table (about four minutes). An argument picks
# one group: `me` (GET /v1/me against the bare handler) or `argon2` (the hashing-bound ones).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin passgate --example load
exec target/release/examples/load "$@"
