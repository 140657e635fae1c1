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
COPY dashboard ./dashboard
# data/: the upstream File store (upstream.client.store.directoryPrefix defaults to ./data/mqtt-store).
RUN mkdir -p /app/data && chown -R node:node /app/data
# The image's unprivileged user (uid 1000); the code and models stay root-owned, read-only to it.
USER node
# 1883/tcp embedded MQTT broker, 1884/udp MQTT-SN, 5683/udp LwM2M (CoAP); DTLS listeners, when
# configured, default to 1885/udp (MQTT-SN) and 5684/udp (coaps). 18083/tcp HTTP API and dashboard:
# it binds 127.0.0.1:18083 by default; to publish it set GATEWAY_HTTP_BIND=0.0.0.0:18083 and
# credentials (GATEWAY_HTTP_API_KEY, or http.username / http.password): off loopback nothing is served without them.
EXPOSE 1883/tcp 1884/udp 5683/udp 18083/tcp
# config/gateway.json is read when present; mount your configuration directory here.
VOLUME ["/app/config", "/app/data"]
# node runs directly (not under npm), so it receives SIGTERM itself and shuts down in order.
STOPSIGNAL SIGTERM
# Liveness from inside the container (loopback needs no credentials; the slim image has no curl).
# Follows http.bind when it is set through GATEWAY_HTTP_BIND; with http.bind "" there is nothing to ask.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const b=process.env.GATEWAY_HTTP_BIND||'127.0.0.1:18083';const p=b.slice(b.lastIndexOf(':')+1);fetch('http://127.0.0.1:'+p+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
