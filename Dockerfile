# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run as a non-root user in a slim Debian.
FROM rust:1-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY benches ./benches
RUN cargo build --release --locked --bin passgate

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home passgate
COPY --from=build /src/target/release/passgate /usr/local/bin/passgate
USER passgate
WORKDIR /data
# 8080 is the public port. 9090 is the management listener (/metrics, /healthz, /readyz):
# it listens on every interface so Prometheus can scrape the container, so publish it only
# on your monitoring network, never to the internet (`-p 8080:8080`, not `-p 9090:9090`).
ENV PASSGATE__SERVER__HOST=0.0.0.0 \
    PASSGATE__SERVER__PORT=8080 \
    PASSGATE__MANAGEMENT__HOST=0.0.0.0 \
    PASSGATE__MANAGEMENT__PORT=9090 \
    PASSGATE__DATABASE__URL=sqlite:///data/passgate.db \
    PASSGATE__LOG__FORMAT=json
VOLUME ["/data"]
EXPOSE 8080 9090
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9090/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/passgate"]
CMD ["serve"]
