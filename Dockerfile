# stepd's image: the static binary on an empty base, run as a non-root user,
# its SQLite database in the /data volume, on Step Functions Local's port.
#   podman build -t stepd .        (or docker build)
#   podman run -p 127.0.0.1:8083:8083 -v stepd-data:/data stepd \
#     serve --addr=:8083 --insecure-no-auth --allowed-host=stepd
# (the default command below has no auth and no Host check: docs/security.md)
# The binary is built outside (make release PLATFORMS=linux/amd64, or
# scripts/smoke.sh does it), so that building the image needs no registry:
# FROM scratch pulls nothing.
FROM scratch
ARG BINARY=dist/stepd-linux-amd64
COPY ${BINARY} /stepd
# /data must exist and belong to the user; scratch has no mkdir, so the
# directory comes from the build context (scripts/smoke.sh makes it).
COPY --chown=65532:65532 dist/data /data
USER 65532:65532
VOLUME /data
EXPOSE 8083
ENV STEPD_DATA=/data
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s CMD ["/stepd", "healthcheck"]
ENTRYPOINT ["/stepd"]
# As Step Functions Local's image: every address, any Host, no authentication
# (keep the port on a private network), or run it with --auth sigv4 and a
# config file instead of these arguments.
CMD ["serve", "--addr=:8083", "--insecure-no-auth", "--allowed-host=*"]
