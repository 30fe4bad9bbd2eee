#!/usr/bin/env bash
# A Docker engine and Compose v2 for the compose test, on a machine that may have neither.
#
#   engine.sh start   use the engine that answers; else install Debian's docker.io if dockerd is
#                     missing, start `dockerd --iptables=false` and wait until it answers. Then make
#                     sure `docker compose` is Compose v2 (built from the Go module proxy if not).
#   engine.sh stop    stop the engine if `start` started it; leave any other engine alone
#
# Environment:
#   DOCKER_CACHE_DIR   where the engine's log and pid and the Compose build go (<repo>/.cache/docker)
#   COMPOSE_VERSION    the Compose v2 release to build when none is installed (v2.40.3)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${DOCKER_CACHE_DIR:-$REPO/.cache/docker}
PID_FILE=$CACHE/dockerd.pid
LOG=$CACHE/dockerd.log
COMPOSE_VERSION=${COMPOSE_VERSION:-v2.40.3}
PLUGIN_DIR=${DOCKER_CONFIG:-${HOME:-/root}/.docker}/cli-plugins
# Go as the machine installs it, even where it is not on the PATH.
[ -x /usr/local/go/bin/go ] && PATH=$PATH:/usr/local/go/bin

say() { printf 'engine: %s\n' "$*" >&2; }
die() {
  printf 'engine: error: %s\n' "$*" >&2
  exit 1
}

answers() { docker info >/dev/null 2>&1; }

apt_install() {
  [ "$(id -u)" = 0 ] || die "$* missing and this is not root: install it (Debian: apt-get install -y $*) and retry"
  say "installing Debian's $* with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

start_engine() {
  if answers; then
    say "an engine answers already ($(docker version --format '{{.Server.Version}}' 2>/dev/null)); using it"
    return 0
  fi
  command -v dockerd >/dev/null || apt_install docker.io
  command -v docker >/dev/null || die "dockerd is installed but the docker client is not"
  mkdir -p "$CACHE"
  say "starting dockerd --iptables=false (log: $LOG)"
  # No iptables: containers reach each other on the engine's bridges and published ports go through
  # docker-proxy on 127.0.0.1; image builds that fetch packages use the host's network (build.network).
  nohup dockerd --iptables=false --pidfile "$CACHE/dockerd.engine.pid" >"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  local deadline=$((SECONDS + 60))
  until answers; do
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { tail -n 30 "$LOG" >&2; die "dockerd exited during start-up (log above, all of it in $LOG)"; }
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 30 "$LOG" >&2; die "dockerd did not answer within 60 s (log: $LOG)"; }
    sleep 0.5
  done
  say "engine $(docker version --format '{{.Server.Version}}') started (pid $(cat "$PID_FILE"))"
}

ensure_compose_v2() {
  local version
  version=$(docker compose version --short 2>/dev/null || true)
  if [ "${version%%.*}" = 2 ] || [ "${version%%.*}" = v2 ]; then
    say "Compose $version"
    return 0
  fi
  command -v go >/dev/null || die "no Compose v2 and no Go to build it with: install Compose v2 as a Docker CLI plugin"
  local binary=$CACHE/compose-$COMPOSE_VERSION/docker-compose
  if [ ! -x "$binary" ]; then
    say "building Compose $COMPOSE_VERSION from the Go module proxy (about 2-5 min)..."
    local src started=$SECONDS
    # Its go.mod has exclude directives, which `go install pkg@version` refuses: build it as the main module.
    src=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$src" ] || die "go mod download of github.com/docker/compose/v2@$COMPOSE_VERSION gave no source folder"
    rm -rf "$CACHE/compose-src"
    cp -r "$src" "$CACHE/compose-src"
    chmod -R u+w "$CACHE/compose-src"
    (cd "$CACHE/compose-src" && go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" \
      -o "$binary.tmp" ./cmd) || die "building Compose $COMPOSE_VERSION failed"
    mv "$binary.tmp" "$binary"
    rm -rf "$CACHE/compose-src"
    say "built Compose $COMPOSE_VERSION in $((SECONDS - started)) s"
  fi
  mkdir -p "$PLUGIN_DIR"
  cp "$binary" "$PLUGIN_DIR/docker-compose"
  say "Compose $(docker compose version --short) installed as a Docker CLI plugin in $PLUGIN_DIR"
}

stop_engine() {
  [ -f "$PID_FILE" ] || return 0
  local pid
  pid=$(cat "$PID_FILE")
  rm -f "$PID_FILE"
  kill -0 "$pid" 2>/dev/null || return 0
  say "stopping the engine this script started (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "dockerd did not stop within 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
}

case ${1:-} in
  start)
    start_engine
    ensure_compose_v2
    ;;
  stop) stop_engine ;;
  *) die "usage: engine.sh start|stop" ;;
esac
