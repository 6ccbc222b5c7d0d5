# syntax=docker/dockerfile:1
#
# numgate's container image: one static binary (the countries and policies are built into
# it) on a distroless base with no shell, running as a non-root user. Build from the
# repository root:
#
#   docker build -t numgate:dev \
#     --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
#
# Run it with a tokens file (numgate token new makes entries): listening beyond loopback
# without one is refused.
#
#   docker run -p 8080:8080 -v $PWD/tokens.yaml:/etc/numgate/tokens.yaml:ro numgate:dev
#
# docs/operations.md has the rest: configuration, the decision log, probes, a fleet.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=unknown
ARG DATE=
# A static binary (no libc: the base has none), without local paths, carrying its
# version. cmd/numgate/image_e2e_test.go builds with these same flags and checks the
# result.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags="-s -w -X github.com/numgate/numgate/internal/buildinfo.version=${VERSION} -X github.com/numgate/numgate/internal/buildinfo.commit=${COMMIT} -X github.com/numgate/numgate/internal/buildinfo.date=${DATE}" \
      -o /out/numgate ./cmd/numgate \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/numgate /numgate
# The embedded SQLite decision log's directory, writable by the image's user (65532).
# Mount a volume here to keep the log across containers, or use PostgreSQL.
COPY --from=build --chown=65532:65532 /out/data /var/lib/numgate
USER 65532:65532
ENV NUMGATE_ADDR=:8080 \
    NUMGATE_DECISION_LOG=sqlite:/var/lib/numgate/decisions.db \
    NUMGATE_TOKENS=/etc/numgate/tokens.yaml
EXPOSE 8080
VOLUME ["/var/lib/numgate"]
# numgate health probes NUMGATE_ADDR on loopback (HTTPS when NUMGATE_TLS_CERT is set):
# the image has no shell or curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 CMD ["/numgate", "health"]
ENTRYPOINT ["/numgate"]
CMD ["serve"]
