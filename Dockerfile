# syntax=docker/dockerfile:1
# Gatehouse container image (docs/deploy.md). Three stages:
#   build   - all dependencies, `npm run build` (tsc) into dist/
#   deps    - `npm ci --omit=dev` with better-sqlite3 compiled for this Node
#   runtime - Node slim + tini, production node_modules, dist/src, bin/; uid 10001,
#             read-only root filesystem friendly: state goes to /var/lib/gatehouse only.
# Node 24 is an LTS line (maintenance until April 2028; better-sqlite3 12 supports it).
# Pin the tag by digest in production: --build-arg NODE_IMAGE=node:24.22.3-trixie-slim@sha256:...
ARG NODE_IMAGE=node:24.22.3-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no native build and no `prepare` (sources are not here yet); tsc
# needs only the type declarations.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 is the one native module: compiled here (or its matching prebuilt
# binary), then loaded once so a broken build fails the image build, not the pod.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="gatehouse" \
      org.opencontainers.image.description="An authorizing reverse proxy for deployed API services" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.documentation="docs/deploy.md" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# A fixed non-root uid/gid (Kubernetes runAsNonRoot checks the numeric USER). npm,
# corepack and yarn are not needed at run time: removed, so they are not attack surface.
RUN groupadd --system --gid 10001 gatehouse \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /var/lib/gatehouse --shell /usr/sbin/nologin gatehouse \
 && mkdir -p /etc/gatehouse /var/lib/gatehouse \
 && chown 10001:10001 /var/lib/gatehouse \
 && chmod 0700 /var/lib/gatehouse \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
COPY --from=deps /usr/bin/tini /usr/bin/tini
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY package.json ./
COPY bin ./bin
COPY examples/container/gatehouse.yaml /etc/gatehouse/gatehouse.yaml
ENV NODE_ENV=production \
    GATEHOUSE_HEALTH_URL=http://127.0.0.1:9090/healthz
USER 10001:10001
# Fails the build if the compiled CLI cannot load or the default configuration is invalid.
RUN ["node", "/app/bin/gatehouse.js", "check-config", "/etc/gatehouse/gatehouse.yaml"]
VOLUME ["/var/lib/gatehouse"]
# 8080: data plane. 9090: admin listener (admin API, /healthz, /readyz, /metrics).
EXPOSE 8080 9090
# Liveness of the admin listener; set GATEHOUSE_HEALTH_URL when server.admin moves.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.GATEHOUSE_HEALTH_URL,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1: it forwards SIGTERM to Node (which drains) and reaps zombies.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/gatehouse.js"]
CMD ["start", "--config", "/etc/gatehouse/gatehouse.yaml"]
