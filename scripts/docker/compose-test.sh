#!/usr/bin/env bash
# npm run compose:test: the whole system on a real Docker engine, the way users run it.
#
#   1. an engine and Compose v2 (scripts/docker/engine.sh; one started here is stopped at the end)
#   2. the upstream base images, or local stand-ins where no registry answers (scripts/docker/standins.sh)
#   3. docker compose build, twice: the first on whatever cache the engine has, the second warm
#   4. the test (test/compose/system.test.ts) against the repository's compose files, unchanged
#
# It takes over the compose project `hotswap` (down --volumes before and after) and host ports
# 9092 and 9090. Environment: as engine.sh and standins.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
T0=$SECONDS
step() { printf '\n==> compose test: %s (%ss)\n' "$*" "$((SECONDS - T0))"; }

step "Docker engine and Compose v2"
bash scripts/docker/engine.sh start
trap 'bash scripts/docker/engine.sh stop' EXIT

step "base images"
bash scripts/docker/standins.sh

step "docker compose build"
built=$SECONDS
docker compose --progress quiet build
first=$((SECONDS - built))
built=$SECONDS
docker compose --progress quiet build
warm=$((SECONDS - built))
echo "images built in ${first} s, then again in ${warm} s with everything cached"
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^hotswap/' | sort
# The three images share every layer but their own compiled service: the engine's total says so.
docker system df | sed -n '1,2p'

step "the test"
npx mocha --config .mocharc.compose.json
step "done"
