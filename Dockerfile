# syntax=docker/dockerfile:1
#
# a0snap in a container: built from the locked dependencies, run as a non-root user from a small
# image that has CA certificates and the time zone database (for job `timezone`s) and no shell.
#
#   docker build -t a0snap:0.1.0 .
#   docker run --rm -v "$PWD/jobs:/jobs:ro" -v a0snap-out:/out -v a0snap-state:/state \
#     -e AUTH0_DOMAIN -e AUTH0_CLIENT_ID -e AUTH0_CLIENT_SECRET a0snap:0.1.0
#   docker run --rm a0snap:0.1.0 --jobs-dir /usr/share/a0snap/jobs demo   # no tenant needed
#
# Mounts: /jobs (job files, read-only), /out (snapshots), /state (the token cache). The last two
# are created owned by the runtime user (65532), so named volumes start out writable; a host
# folder mounted there must be writable by uid 65532.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-trixie AS build
WORKDIR /src
COPY . .
# The caches keep downloaded crates and compiled dependencies between builds; the binary is
# copied out of the cached target folder because cache mounts are not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin a0snap \
    && install -D -m 0755 target/release/a0snap /rootfs/usr/local/bin/a0snap \
    && install -d -m 0755 /rootfs/usr/share/a0snap \
    && cp -r jobs /rootfs/usr/share/a0snap/jobs \
    && install -d -m 0750 /rootfs/data/jobs /rootfs/data/out /rootfs/data/state

# distroless/cc: glibc, libgcc, CA certificates, the time zone database and the "nonroot" user
# (65532), on Debian 13 like the build stage, so the binary finds the glibc it was linked with.
FROM gcr.io/distroless/cc-debian13:nonroot
COPY --from=build /rootfs/usr/ /usr/
COPY --from=build --chown=65532:65532 /rootfs/data/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    A0SNAP_JOBS_DIR=/jobs \
    A0SNAP_OUTPUT_DIR=/out \
    A0SNAP_STATE_DIR=/state
USER 65532:65532
ENTRYPOINT ["a0snap"]
CMD ["run"]
