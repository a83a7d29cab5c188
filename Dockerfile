# syntax=docker/dockerfile:1
#
# mollie-sandbox on an empty base: one static (musl) binary, the repo's
# fixtures and scenarios, and a writable /state. No shell, no curl, no libc.
#
#   docker build -t mollie-sandbox .
#   docker run --rm -p 8080:8080 -p 8443:8443 mollie-sandbox
#
# scripts/test-image builds the same binary with the same script and runs it
# in an empty root with this file's ENV, USER, ENTRYPOINT and HEALTHCHECK.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
# A layer of its own, so that source changes do not fetch these again.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    bin="$(scripts/build-static)" \
 && mkdir -p /out/usr/local/bin \
 && cp "$bin" /out/usr/local/bin/mollie-sandbox
# scratch has no mkdir: the folders are made here and copied whole.
RUN mkdir -p /data/fixtures /data/scenarios /data/state \
 && cp -R fixtures/. /data/fixtures/ \
 && cp -R scenarios/. /data/scenarios/ \
 && rm -f /data/scenarios/.gitkeep

FROM scratch
COPY --from=build /out/ /
# Owned by the user the sandbox runs as, so /state is writable even as a
# fresh named volume (Docker copies the ownership into it).
COPY --from=build --chown=65532:65532 /data/ /

ENV MOLLIE_SANDBOX_HOST=0.0.0.0
ENV MOLLIE_SANDBOX_PORT=8080
ENV MOLLIE_SANDBOX_TLS_PORT=8443
ENV MOLLIE_SANDBOX_TLS_HOSTNAMES=api.mollie.com,mollie,mollie-sandbox
ENV MOLLIE_SANDBOX_FIXTURES=/fixtures
ENV MOLLIE_SANDBOX_STATE_DIR=/state
ENV MOLLIE_SANDBOX_SCENARIOS=/scenarios

EXPOSE 8080 8443
USER 65532:65532
HEALTHCHECK --interval=5s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/mollie-sandbox", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/mollie-sandbox"]
