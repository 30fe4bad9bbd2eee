# Stand-ins for node:20-bookworm-slim (target slim) and node:20-bookworm (target full), for machines
# that reach no image registry (scripts/docker/standins.sh): Debian bookworm with this machine's
# Node.js 20 and npm, and the `node` user (uid 1000) of the upstream images.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE} AS slim
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
  && node --version && npm --version
LABEL org.hotswap.standin="node:20-bookworm-slim"
CMD ["node"]

# Upstream's full image is buildpack-deps (compilers, python3, git, curl); this one has Node's
# headers for native addons and leaves the rest to the Dockerfiles' own apt-get steps.
FROM slim AS full
COPY include/ /usr/local/include/node/
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
LABEL org.hotswap.standin="node:20-bookworm"
