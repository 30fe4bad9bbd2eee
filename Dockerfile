# The images of the four services, from one build stage. The build context is the repo root (the
# services need shared/ and the root lockfile); each service is a target:
#
#   docker build --target predictor -t hotswap/predictor .      # or: docker compose build
#
# One file instead of four: npm ci, native TensorFlow and the TypeScript build run once for all
# four images, and their runtime images share every layer but the service's own compiled code.

# ---- build: compile TypeScript, build native TensorFlow, keep production dependencies only ----
FROM node:20-bookworm AS build
# pip fetches the TensorFlow wheel; g++ and make compile the tfjs-node addon (scripts/tfjs-native.sh).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3-pip g++ make \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so the npm ci layer is reused until a package.json or the lockfile changes.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY datagenerator/package.json datagenerator/
COPY modelgenerator/package.json modelgenerator/
COPY predictor/package.json predictor/
COPY bench/package.json bench/
COPY dashboard/package.json dashboard/
# --ignore-scripts: tfjs-node's own install script would download libtensorflow from a bucket that
# often refuses; native TensorFlow is built in the next step instead.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/tfjs-native.sh scripts/
# Native TensorFlow from the PyPI wheel, which exists for x86_64 only; elsewhere the services fall
# back to the WebAssembly backend and say so at start-up. The wheel is not kept in the image.
RUN if [ "$(uname -m)" = x86_64 ]; then TFJS_NATIVE_CACHE=/tmp/tfjs-native bash scripts/tfjs-native.sh . && rm -rf /tmp/tfjs-native; \
  else echo "no native TensorFlow for $(uname -m): the services will use the wasm backend"; fi

COPY tsconfig.base.json ./
COPY shared/ shared/
COPY datagenerator/ datagenerator/
COPY modelgenerator/ modelgenerator/
COPY predictor/ predictor/
COPY dashboard/ dashboard/
COPY scripts/bundle-dashboard.js scripts/
# The four services and shared (project references), not the tests or the bench; then the
# dashboard's page, bundled with esbuild (a dev dependency, pruned below) into dashboard/dist/page.
RUN npx tsc -b datagenerator modelgenerator predictor dashboard dashboard/page && node scripts/bundle-dashboard.js \
  && rm -rf dashboard/dist/page-check
# Production dependencies only. The addon and its deps/lib live inside the tfjs-node package, so
# pruning keeps them; the addon's object files and the C headers are only needed to compile it.
# The workspace links of the services go: no service may load another. The bench's goes too (the
# images do not hold the bench).
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf node_modules/@tensorflow/tfjs-node/build node_modules/@tensorflow/tfjs-node/deps/include \
  && rm -f node_modules/@hotswap/datagenerator node_modules/@hotswap/modelgenerator node_modules/@hotswap/predictor \
    node_modules/@hotswap/bench node_modules/@hotswap/dashboard

# ---- runtime: Node, shared and the production dependencies; no compiler, no dev dependencies ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules/
COPY --from=build /app/shared/package.json shared/
COPY --from=build /app/shared/dist shared/dist/
# The Avro schemas, read at run time (shared/dist/schemas/codec.js).
COPY --from=build /app/shared/schemas shared/schemas/
# The parsed-dataset cache (CACHE_DIR=.cache/datasets) and the accuracy log's folder (LOG_FILE),
# writable by the services; compose mounts ./logs over the latter.
RUN mkdir -p .cache logs && chown node:node .cache logs
USER node
# Healthy while GET :$METRICS_PORT$HEALTH_PATH answers 200 (slim images have no curl). The first
# parse of a dataset, and for the predictor the first model's training, take minutes: failures
# count only after the start period.
ENV HEALTH_PATH=/metrics
HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + process.env.METRICS_PORT + process.env.HEALTH_PATH, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1)).setTimeout(4000, () => process.exit(1))"]

FROM runtime AS datagenerator
COPY --from=build /app/datagenerator/package.json datagenerator/
COPY --from=build /app/datagenerator/dist datagenerator/dist/
ENV METRICS_PORT=9466
EXPOSE 9466
CMD ["node", "datagenerator/dist/main.js"]

FROM runtime AS modelgenerator
COPY --from=build /app/modelgenerator/package.json modelgenerator/
COPY --from=build /app/modelgenerator/dist modelgenerator/dist/
ENV METRICS_PORT=9465
EXPOSE 9465
CMD ["node", "modelgenerator/dist/main.js"]

FROM runtime AS predictor
COPY --from=build /app/predictor/package.json predictor/
COPY --from=build /app/predictor/dist predictor/dist/
# /healthz is 503 until a model serves and the predictor consumes data.
ENV METRICS_PORT=9464 HEALTH_PATH=/healthz
# /metrics and /healthz; the HTTP API (TF Serving's REST port).
EXPOSE 9464 8501
CMD ["node", "predictor/dist/main.js"]

FROM runtime AS dashboard
COPY --from=build /app/dashboard/package.json dashboard/
# The server and the bundled page (dist/page).
COPY --from=build /app/dashboard/dist dashboard/dist/
ENV METRICS_PORT=9467 DASHBOARD_PORT=8080
# /metrics; the page (and /healthz) on DASHBOARD_PORT.
EXPOSE 9467 8080
CMD ["node", "dashboard/dist/main.js"]
