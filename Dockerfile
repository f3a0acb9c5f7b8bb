# One image holds both programs, built once; docker-compose.yml runs one per
# service. Both are static (pure-Go SQLite, no cgo) and stripped, on a small
# base with no shell, as a non-root user.
# The Go that go.mod's go line names, exactly: the golang images set
# GOTOOLCHAIN=local (no toolchain download), and a floating golang:1.26 is
# whatever 1.26.x the machine has cached (TestDockerfileGoVersion).
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Each module on its own: the workspace also lists test-only modules.
ENV GOWORK=off CGO_ENABLED=0
COPY provider/go.mod provider/go.sum provider/
COPY client/go.mod client/go.sum client/
RUN cd provider && go mod download && cd ../client && go mod download
COPY provider/ provider/
COPY client/ client/
RUN cd provider && go build -trimpath -ldflags='-s -w' -o /out/bin/provider . && \
    cd ../client && go build -trimpath -ldflags='-s -w' -o /out/bin/client . && \
    mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bin/ /usr/local/bin/
# The provider's SQLite file (and its key-encryption key) live in /data,
# owned by the non-root user (uid 65532) so a volume mounted there is writable.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV DATABASE_URL=/data/provider.db
EXPOSE 8080 3000
# The provider's readiness; the client's service overrides it with
# ["client", "healthcheck"] (docker-compose.yml). No curl needed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["provider", "healthcheck"]
CMD ["provider"]
