#!/usr/bin/env bash
# Installs, on Debian or Ubuntu, what `npm start` and `npm test` need besides Node 20 and npm, and
# only what is missing:
#   python3 with pip, g++, make   native TensorFlow, built from the PyPI wheel (scripts/tfjs-native.sh)
#   python3 venv                  the bench's Python reference peer (bench/python-peer)
#   java 17+, mvn                 the local Kafka broker, assembled from Maven Central jars
#   prometheus, promtool          the observability tests (Debian's prometheus package has both)
#   docker-compose                the deploy tests validate the compose files with it
#   chromium                      the dashboard's browser test drives Debian's Chromium (playwright-core)
# The Docker engine for `npm run compose:test` is installed by that command itself. The Pub/Sub
# emulator (TRANSPORT=pubsub tests) comes with the Cloud SDK, which is not a Debian package.
#   bash scripts/prerequisites.sh           install what is missing (as root, or through sudo)
#   bash scripts/prerequisites.sh --check   list what is missing; exit 1 if anything is
set -euo pipefail

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  '') ;;
  *) echo "prerequisites: unknown argument '$1' (expected --check or nothing)" >&2; exit 2 ;;
esac

# command -> Debian package that provides it
declare -A package_of=(
  [python3]=python3 [pip]=python3-pip [venv]=python3-venv [g++]=g++ [make]=make
  [java]=openjdk-17-jdk-headless [mvn]=maven
  [prometheus]=prometheus [promtool]=prometheus [docker-compose]=docker-compose
  [chromium]=chromium
)
order=(python3 pip venv g++ make java mvn prometheus promtool docker-compose chromium)

have() {
  case "$1" in
    pip) python3 -m pip --version >/dev/null 2>&1 ;;
    venv) python3 -c 'import ensurepip, venv' >/dev/null 2>&1 ;;
    java) command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

missing=()
for cmd in "${order[@]}"; do
  have "$cmd" || missing+=("$cmd")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "prerequisites: all present (${order[*]})"
  exit 0
fi

packages=()
for cmd in "${missing[@]}"; do
  pkg=${package_of[$cmd]}
  [[ " ${packages[*]} " == *" $pkg "* ]] || packages+=("$pkg")
done
echo "prerequisites: missing ${missing[*]} -> Debian packages ${packages[*]}"
[ $check_only -eq 1 ] && exit 1

if ! command -v apt-get >/dev/null; then
  echo "prerequisites: no apt-get here; install the equivalents of: ${packages[*]}" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "prerequisites: run as root (no sudo here) to install ${packages[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

still=()
for cmd in "${missing[@]}"; do have "$cmd" || still+=("$cmd"); done
if [ ${#still[@]} -gt 0 ]; then
  echo "prerequisites: still missing after the install: ${still[*]}" >&2
  exit 1
fi
echo "prerequisites: installed ${packages[*]}"
