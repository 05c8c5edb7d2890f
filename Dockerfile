# Release image for Heads Up. Built with Go 1.27: Go 1.26.8 has known net/http and crypto/tls
# vulnerabilities. The result is one static binary on a distroless base, running as non-root.
FROM golang:1.27-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/headsup ./cmd/headsup \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/headsup /headsup
COPY --from=build --chown=65532:65532 /out/data /data
ENV HEADSUP_DATA_DIR=/data HEADSUP_ADDR=:8080 HEADSUP_ADMIN_ADDR=0.0.0.0:9090
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/headsup"]
CMD ["serve"]
