#!/usr/bin/env bash
# The Google Cloud Pub/Sub emulator (the Cloud SDK's, Java) on 127.0.0.1, for TRANSPORT=pubsub.
#
#   emulator.sh start    start it on PUBSUB_EMULATOR_PORT and wait until it answers (idempotent);
#                        prints the PUBSUB_EMULATOR_HOST value to use
#   emulator.sh stop     stop it (SIGTERM, SIGKILL after 10 s); exit 0 if none was running
#   emulator.sh status   exit 0 if it runs
#
# Environment:
#   PUBSUB_EMULATOR_PORT   port (8085, the emulator's own default)
#   PUBSUB_EMULATOR_BIN    the emulator's start script, if not found in the Cloud SDK
#   PUBSUB_RUN_DIR         pid and log files (<repo>/.pubsub); each port runs in run-<port>/
#   PUBSUB_START_TIMEOUT   seconds to wait for it to answer (60)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PORT=${PUBSUB_EMULATOR_PORT:-8085}
[[ $PORT =~ ^[0-9]+$ ]] || { echo "pubsub: error: PUBSUB_EMULATOR_PORT must be a number, not '$PORT'" >&2; exit 2; }
RUN=${PUBSUB_RUN_DIR:-$REPO/.pubsub}/run-$PORT
PID_FILE=$RUN/emulator.pid
LOG=$RUN/emulator.log
START_TIMEOUT=${PUBSUB_START_TIMEOUT:-60}

say() { printf 'pubsub: %s\n' "$*" >&2; }
die() {
  printf 'pubsub: error: %s\n' "$*" >&2
  exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The emulator's start script: given, or in the Cloud SDK that gcloud belongs to, or where Debian's
# and Google's packages put the SDK.
find_emulator() {
  local roots=() root
  if [ -n "${PUBSUB_EMULATOR_BIN:-}" ]; then
    [ -x "$PUBSUB_EMULATOR_BIN" ] || die "PUBSUB_EMULATOR_BIN=$PUBSUB_EMULATOR_BIN is not an executable file"
    echo "$PUBSUB_EMULATOR_BIN"
    return 0
  fi
  if command -v gcloud >/dev/null; then
    root=$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null || true)
    [ -n "$root" ] && roots+=("$root")
  fi
  roots+=(/usr/lib/google-cloud-sdk /usr/share/google-cloud-sdk /opt/google-cloud-sdk "$HOME/google-cloud-sdk")
  for root in "${roots[@]}"; do
    if [ -x "$root/platform/pubsub-emulator/bin/cloud-pubsub-emulator" ]; then
      echo "$root/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
      return 0
    fi
  done
  die "the Pub/Sub emulator is not installed: install the Cloud SDK with its pubsub-emulator component (gcloud components install pubsub-emulator, or Debian's google-cloud-cli-pubsub-emulator), or set PUBSUB_EMULATOR_BIN"
}

running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

start() {
  local pid
  if pid=$(running_pid) && port_open "$PORT"; then
    say "already running (pid $pid) on 127.0.0.1:$PORT"
    echo "127.0.0.1:$PORT"
    return 0
  fi
  port_open "$PORT" && die "127.0.0.1:$PORT is taken by another process; pick another PUBSUB_EMULATOR_PORT"
  command -v java >/dev/null || die "java not found: the Pub/Sub emulator needs Java"
  local bin
  bin=$(find_emulator)
  mkdir -p "$RUN"
  say "starting the Pub/Sub emulator on 127.0.0.1:$PORT (log $LOG)"
  # Own session, no terminal, so Ctrl-C in the caller's terminal does not reach it.
  nohup setsid "$bin" --host=127.0.0.1 --port="$PORT" </dev/null >"$LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT)) started=$SECONDS
  until port_open "$PORT" && grep -q "Server started" "$LOG" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG" >&2
      rm -f "$PID_FILE"
      die "the emulator exited during start-up; its log is above"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$LOG" >&2
      stop
      die "the emulator did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s; stopped it"
    fi
    sleep 0.2
  done
  say "ready after $((SECONDS - started))s (pid $pid): PUBSUB_EMULATOR_HOST=127.0.0.1:$PORT"
  echo "127.0.0.1:$PORT"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    say "no emulator running on port $PORT"
    return 0
  fi
  # The start script runs Java as a child: stop the whole session it leads.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null || port_open "$PORT"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  rm -f "$PID_FILE"
  say "stopped the emulator on port $PORT"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running_pid >/dev/null && port_open "$PORT" ;;
  *)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
