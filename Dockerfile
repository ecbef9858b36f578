# Production-style image: one binary plus its static files. The database is a separate
# PostgreSQL server (see docker-compose.yml), so the embedded default is not used here.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/shian shian
COPY --from=build /src/target/release/shian /usr/local/bin/shian
COPY --from=build /src/static /usr/share/shian/static
ENV SHIAN_ADDR=0.0.0.0:8080 \
    SHIAN_STATIC_DIR=/usr/share/shian/static \
    SHIAN_DATA_DIR=/var/lib/shian
USER shian
WORKDIR /var/lib/shian
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["curl", "-fsS", "http://127.0.0.1:8080/readyz"]
CMD ["shian", "serve"]
