# The official postgres:MAJOR image with pg_seqsync added from a release tarball.
#   ./scripts/package 17
#   docker build --build-arg PG_MAJOR=17 -t postgres-pg_seqsync:17 .
# The only install step is scripts/install-package, the same script tests/packaging/tarball.sh
# runs against a fresh PostgreSQL tree, so what this image gets is what the test checks.
ARG PG_MAJOR=17
FROM postgres:${PG_MAJOR}
ARG PG_MAJOR
COPY scripts/install-package /usr/local/bin/pg_seqsync-install-package
COPY dist/pg_seqsync-*-pg${PG_MAJOR}-linux-x86_64.tar.gz dist/pg_seqsync-*-pg${PG_MAJOR}-linux-x86_64.tar.gz.sha256 /tmp/pg_seqsync/
RUN for tarball in /tmp/pg_seqsync/*.tar.gz; do pg_seqsync-install-package "$tarball"; done \
 && rm -rf /tmp/pg_seqsync
