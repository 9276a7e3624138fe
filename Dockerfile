# The Veridict node as a container: the `veridict` command (compiled JavaScript, run by `node`) is
# PID 1, as a non-root user, with its configuration and its data on volumes.
#
#   docker build -t veridict .
#   docker run -d --name veridict \
#     -v "$PWD/node-config:/config:ro" -v veridict-data:/data \
#     -e VERIDICT_OPERATOR_KEY -p 9545:9545 veridict
#
# /config holds node.json (see oracle/README.md) and the compiled model folders it serves
# (modelsDir); /data holds the job store, traces and proofs. `docker stop` sends SIGTERM to the node,
# which finishes what it was sending and exits 0. compose.yaml runs a 3-node local network.
ARG NODE_VERSION=20

# 1. The workspace: installs and builds every package, then packs them as npm would publish them.
FROM node:${NODE_VERSION}-bookworm-slim AS workspace
# better-sqlite3 compiles SQLite when its prebuilt binary cannot be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
  && mkdir /packages \
  && for p in sdk circuits oracle contracts; do npm pack "./$p" --pack-destination /packages; done

# 2. The node's installation: the packed packages installed like any user's project, dependencies only.
FROM node:${NODE_VERSION}-bookworm-slim AS install
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/veridict
COPY --from=workspace /packages /packages
RUN printf '%s\n' '{"name":"veridict-node","private":true,"allowScripts":{"better-sqlite3":true,"onnxruntime-node":false,"protobufjs":true}}' > package.json \
  && npm install /packages/*.tgz --omit=dev --no-audit --no-fund \
  && npm cache clean --force

# 3. The runtime: no compiler, no sources, no npm in the process tree.
FROM node:${NODE_VERSION}-bookworm-slim
WORKDIR /opt/veridict
COPY --from=install /opt/veridict /opt/veridict
RUN mkdir -p /config /data && chown node:node /data
USER node
ENV NODE_ENV=production \
    VERIDICT_DATA_DIR=/data \
    VERIDICT_HTTP_HOST=0.0.0.0 \
    VERIDICT_HTTP_PORT=9545 \
    VERIDICT_PEER_HTTP_HOST=0.0.0.0 \
    VERIDICT_PEER_HTTP_PORT=9546
VOLUME ["/config", "/data"]
# 9545: the public API (inference, requests, health, metrics); 9546: the peer API (operators' signatures).
EXPOSE 9545 9546
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.VERIDICT_HTTP_PORT || 9545) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "node_modules/@veridict/oracle/bin/veridict.mjs"]
CMD ["node", "start", "--config", "/config/node.json"]
