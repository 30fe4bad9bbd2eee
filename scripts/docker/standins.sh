#!/usr/bin/env bash
# Local stand-ins for the upstream images that the Dockerfile and the compose files name, for a
# machine that reaches no image registry. The files keep naming the upstream images; for each one
# this script keeps what the engine has or can pull, and only when neither works builds a stand-in
# under the same name, labelled org.hotswap.standin, from what such a machine does reach:
#
#   node:20-bookworm-slim, node:20-bookworm   Debian bookworm (debootstrap) + this machine's Node 20
#   apache/kafka:3.9.1                        Debian's Java 17 + Kafka's jars from Maven Central
#   prom/prometheus:v2.55.1                   Debian's prometheus
#
# Grafana is in no registry such a machine reaches: it gets no stand-in, and the compose test
# leaves it out. `docker image ls --filter label=org.hotswap.standin` lists the stand-ins; remove
# them (`docker rmi`) to use the upstream images once a registry is reachable.
#
#   standins.sh         build what is missing
#
# Environment:
#   DEBIAN_MIRROR      the Debian mirror for debootstrap (http://deb.debian.org/debian)
#   DOCKER_CACHE_DIR   build contexts go under it (<repo>/.cache/docker)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${DOCKER_CACHE_DIR:-$REPO/.cache/docker}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_IMAGE=hotswap-standin/debian:bookworm
T0=$SECONDS

say() { printf 'standins [%3ss]: %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() {
  printf 'standins: error: %s\n' "$*" >&2
  exit 1
}

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# True when the engine has image $1 or pulls it; says which.
available() {
  if has_image "$1"; then
    local standin
    standin=$(docker image inspect --format '{{index .Config.Labels "org.hotswap.standin"}}' "$1")
    say "$1: ${standin:+the stand-in }already in the engine"
    return 0
  fi
  if docker pull -q "$1" >/dev/null 2>&1; then
    say "$1: pulled"
    return 0
  fi
  return 1
}

debian_base() {
  has_image "$DEBIAN_IMAGE" && return 0
  command -v debootstrap >/dev/null || {
    [ "$(id -u)" = 0 ] || die "debootstrap is missing (Debian: apt-get install -y debootstrap)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  local root=$CACHE/rootfs
  rm -rf "$root"
  mkdir -p "$root"
  say "debootstrap --variant=minbase bookworm from $MIRROR (about a minute)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  # The stand-ins are this machine's: they trust the certificate authorities it trusts (a proxy's,
  # say), so npm and pip in image builds reach the registries as the host does.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1
  fi
  # What a container image does without: package caches and the host's resolver settings.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/etc/resolv.conf
  local bundle=/etc/ssl/certs/ca-certificates.crt
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' \
    --change "ENV NODE_EXTRA_CA_CERTS=$bundle PIP_CERT=$bundle SSL_CERT_FILE=$bundle" - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$root"
  say "$DEBIAN_IMAGE imported"
}

# build TAG DOCKERFILE CONTEXT [docker build options...]
build() {
  local tag=$1 file=$2 context=$3
  shift 3
  debian_base
  say "$tag: building the stand-in"
  # The host's network: apt-get inside the build has no other route out (dockerd --iptables=false).
  local log=$CACHE/build-${tag//[\/:]/-}.log
  docker build --network host --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -f "$file" -t "$tag" "$@" "$context" >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "building the stand-in $tag failed (log above, all of it in $log)"; }
  say "$tag: stand-in built ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%d MB", $1 / 1e6}'))"
}

node_standins() {
  has_image node:20-bookworm-slim && has_image node:20-bookworm && return 0
  local node npm_dir prefix context=$CACHE/context-node
  node=$(readlink -f "$(command -v node)")
  [ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || die "the node stand-ins need Node.js 20 on this machine; this is $(node --version)"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  prefix=$(dirname "$(dirname "$node")")
  [ -f "$npm_dir/package.json" ] || die "npm's own folder not found at $npm_dir"
  [ -f "$prefix/include/node/node_api.h" ] || die "Node's headers not found under $prefix/include/node"
  rm -rf "$context"
  mkdir -p "$context"
  cp "$node" "$context/node"
  cp -r "$npm_dir" "$context/npm"
  cp -r "$prefix/include/node" "$context/include"
  available node:20-bookworm-slim || build node:20-bookworm-slim "$HERE/standins/node.Dockerfile" "$context" --target slim
  available node:20-bookworm || build node:20-bookworm "$HERE/standins/node.Dockerfile" "$context" --target full
  rm -rf "$context"
}

kafka_standin() {
  available apache/kafka:3.9.1 && return 0
  local context=$CACHE/context-kafka
  bash "$REPO/scripts/kafka/kafka.sh" install
  rm -rf "$context"
  mkdir -p "$context"
  cp -r "${KAFKA_CACHE_DIR:-$REPO/.kafka}/libs" "$context/libs"
  rm -f "$context/libs/.pom.sha256"
  cp -r "$HERE/standins/kafka" "$context/kafka"
  build apache/kafka:3.9.1 "$HERE/standins/kafka.Dockerfile" "$context"
  rm -rf "$context"
}

prometheus_standin() {
  available prom/prometheus:v2.55.1 && return 0
  local context=$CACHE/context-prometheus
  rm -rf "$context"
  mkdir -p "$context"
  build prom/prometheus:v2.55.1 "$HERE/standins/prometheus.Dockerfile" "$context"
  rm -rf "$context"
}

docker info >/dev/null 2>&1 || die "no Docker engine answers (scripts/docker/engine.sh start starts one)"
mkdir -p "$CACHE"
node_standins
kafka_standin
prometheus_standin
available grafana/grafana:11.3.0 || say "grafana/grafana:11.3.0: not in the engine, not pullable, and no stand-in can be made: left out"
say "done"
