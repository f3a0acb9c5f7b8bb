# One image holds both programs; docker-compose.yml picks one per service.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.work ./
COPY provider/go.mod provider/go.sum provider/
COPY client/go.mod client/go.sum client/
RUN go mod download -C provider && go mod download -C client
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/provider ./provider && \
    CGO_ENABLED=0 go build -trimpath -o /out/client ./client

FROM debian:bookworm-slim
RUN useradd --create-home --uid 10001 app && mkdir /data && chown app /data
COPY --from=build /out/ /usr/local/bin/
USER app
WORKDIR /data
