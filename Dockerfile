# syntax=docker/dockerfile:1
#
# MQTT-SN + LwM2M gateway. Build:  docker build -t snlw-gateway .
# Run (embedded broker, no configuration):
#   docker run --rm -p 1883:1883/tcp -p 1884:1884/udp -p 5683:5683/udp snlw-gateway
# With a configuration file: mount a directory holding gateway.json on /app/config
#   docker run --rm -v "$PWD/my-config:/app/config:ro" -p ... snlw-gateway
# or point --config elsewhere:  docker run ... snlw-gateway node dist/main.js --config /etc/gw/gateway.json
# Environment overrides (GATEWAY_UPSTREAM_SERVER, GATEWAY_LOG_LEVEL, ...) work as outside Docker.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- build
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The DTLS addon (native/dtls.c) is compiled by npm ci against this Node's own headers and OpenSSL.
RUN apt-get update && apt-get install -y --no-install-recommends g++ make python3 && rm -rf /var/lib/apt/lists/*
# Dependencies first, so that source changes reuse the cached layer.
# --ignore-scripts: the package's prepare script builds, which needs the sources copied below;
# the DTLS addon is built explicitly instead.
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
COPY scripts/build-native.mjs ./scripts/
RUN npm ci --no-audit --no-fund --ignore-scripts && npm run build:native
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No compiler here: the addon built in the first stage is copied (same base image, same Node).
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/build/Release/snlw_dtls.node ./build/Release/snlw_dtls.node
COPY --from=build /app/dist ./dist
COPY xml ./xml
COPY config ./config
# data/: the upstream File store (upstream.client.store.directoryPrefix defaults to ./data/mqtt-store).
RUN mkdir -p /app/data && chown -R node:node /app/data
# The image's unprivileged user (uid 1000); the code and models stay root-owned, read-only to it.
USER node
# 1883/tcp embedded MQTT broker, 1884/udp MQTT-SN, 5683/udp LwM2M (CoAP); DTLS listeners, when
# configured, default to 1885/udp (MQTT-SN) and 5684/udp (coaps).
EXPOSE 1883/tcp 1884/udp 5683/udp
# config/gateway.json is read when present; mount your configuration directory here.
VOLUME ["/app/config", "/app/data"]
# node runs directly (not under npm), so it receives SIGTERM itself and shuts down in order.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
