# The official postgres image with pg_seqsync, built from source the way that image's own
# documentation adds an extension: a build stage from the same tag with the server headers,
# then the result installed into a clean copy of the image.
#   docker build --build-arg PG_MAJOR=17 -t postgres-pg_seqsync:17 .
# The build stage runs scripts/package against the image's pg_config and keeps only the .deb;
# the final stage installs that .deb with dpkg (it depends on the image's postgresql-NN).
# CI has no Docker engine: tests/packaging/deb.sh tests the same .deb on Debian's server, and
# scripts/test runs scripts/package against a named pg_config as this build stage does
# (PG_SEQSYNC_PG_CONFIG); the toolchain steps before it are not exercised there.
ARG PG_MAJOR=17
FROM postgres:${PG_MAJOR}-bookworm AS build
ARG PG_MAJOR
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential ca-certificates curl libclang-dev \
      libssl-dev pkg-config "postgresql-server-dev-${PG_MAJOR}" \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/root/.cargo/bin:$PATH
RUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
      | sh -s -- -y --profile minimal --default-toolchain 1.95.0 \
 && cargo install --locked cargo-pgrx --version =0.18.1 \
 && cargo pgrx init "--pg${PG_MAJOR}" "/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
WORKDIR /src
COPY . .
RUN PG_SEQSYNC_PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config" PG_SEQSYNC_ARTEFACTS=deb \
      ./scripts/package "${PG_MAJOR}"

FROM postgres:${PG_MAJOR}-bookworm
ARG PG_MAJOR
COPY --from=build /src/dist/postgresql-${PG_MAJOR}-pg-seqsync_*.deb /tmp/
RUN dpkg -i /tmp/postgresql-${PG_MAJOR}-pg-seqsync_*.deb && rm /tmp/postgresql-*-pg-seqsync_*.deb
