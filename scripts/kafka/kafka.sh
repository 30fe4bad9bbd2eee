#!/usr/bin/env bash
# A local single-node Apache Kafka (KRaft) assembled from Maven Central jars, on 127.0.0.1.
#
#   kafka.sh install           fetch the pinned jars (pom.xml) into the cache, once
#   kafka.sh start             start a broker on KAFKA_PORT (default 9092) and wait until it answers
#   kafka.sh stop              stop it: SIGTERM, then SIGKILL after 30 s
#   kafka.sh status            exit 0 and say so if it runs
#   kafka.sh console ARGS...   Kafka's console consumer (kafka-console-consumer.sh arguments)
#   kafka.sh producer ARGS...  Kafka's console producer (kafka-console-producer.sh arguments)
#   kafka.sh topics ARGS...    Kafka's topics tool (kafka-topics.sh arguments)
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_CACHE_DIR
# (<repo>/.kafka), KAFKA_FRESH=1 to wipe the broker's data before start, KAFKA_HEAP (512m).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${KAFKA_CACHE_DIR:-$REPO/.kafka}
LIBS=$CACHE/libs
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
RUN=$CACHE/run-$PORT
PID_FILE=$RUN/broker.pid
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}

say() { printf 'kafka: %s\n' "$*" >&2; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

pom_stamp() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }

install() {
  if [ -f "$LIBS/.stamp" ] && [ "$(cat "$LIBS/.stamp")" = "$(pom_stamp)" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: Maven is needed to fetch the Kafka jars"
  command -v java >/dev/null || die "java not found: Kafka needs Java 17 or later"
  say "fetching the Kafka jars pinned in scripts/kafka/pom.xml from Maven Central (once)..."
  rm -rf "$LIBS.tmp"
  mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS.tmp" >&2 \
    || die "mvn could not fetch the Kafka jars (see above)"
  pom_stamp >"$LIBS.tmp/.stamp"
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  say "$(find "$LIBS" -name '*.jar' | wc -l) jars in $LIBS"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

broker_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  # The pid must still be our broker, not a recycled pid of something else.
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "kafka.Kafka" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

write_config() {
  cat >"$RUN/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
log.cleaner.backoff.ms=5000
PROPS
}

start() {
  install
  if pid=$(broker_pid); then
    port_open "$PORT" || die "broker pid $pid is alive but 127.0.0.1:$PORT does not answer (log: $RUN/logs/server.log)"
    say "already running (pid $pid) on 127.0.0.1:$PORT"
    echo "127.0.0.1:$PORT"
    return 0
  fi
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p on 127.0.0.1 is taken by another process; set KAFKA_PORT to another port"
  done
  [ "${KAFKA_FRESH:-0}" = 1 ] && rm -rf "$RUN"
  mkdir -p "$RUN/logs" "$RUN/data"
  write_config
  if [ ! -f "$RUN/data/meta.properties" ]; then
    java -cp "$LIBS/*" -Dlog4j.configuration="file:$HERE/tools-log4j.properties" kafka.tools.StorageTool format \
      -t "$(java -cp "$LIBS/*" -Dlog4j.configuration="file:$HERE/tools-log4j.properties" kafka.tools.StorageTool random-uuid)" \
      -c "$RUN/server.properties" --ignore-formatted >"$RUN/logs/format.log" 2>&1 \
      || { cat "$RUN/logs/format.log" >&2; die "formatting the storage in $RUN/data failed"; }
  fi
  say "starting a broker on 127.0.0.1:$PORT (data in $RUN)"
  # setsid: the broker leaves our process group, so a terminal's Ctrl-C does not reach it.
  setsid java -Xmx"${KAFKA_HEAP:-512m}" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$RUN/logs" -Dlog4j.configuration="file:$HERE/log4j.properties" \
    -cp "$LIBS/*" kafka.Kafka "$RUN/server.properties" >"$RUN/logs/stdout.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  local waited=0
  until grep -q "Kafka Server started" "$RUN/logs/server.log" 2>/dev/null && port_open "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$RUN/logs/stdout.log" "$RUN/logs/server.log" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      die "the broker exited during start-up (logs above)"
    fi
    if [ "$waited" -ge $((START_TIMEOUT * 5)) ]; then
      tail -n 30 "$RUN/logs/server.log" >&2 2>/dev/null || true
      stop
      die "the broker did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  say "ready on 127.0.0.1:$PORT after $((waited / 5))s (pid $pid)"
  echo "127.0.0.1:$PORT"
}

stop() {
  local pid
  if ! pid=$(broker_pid); then
    rm -f "$PID_FILE"
    say "no broker running on port $PORT"
    return 0
  fi
  kill -TERM "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 300 ]; then
      say "broker pid $pid still running after 30 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
  say "stopped the broker on port $PORT (pid $pid)"
}

status() {
  local pid
  if pid=$(broker_pid); then
    echo "running: pid $pid on 127.0.0.1:$PORT"
  else
    echo "not running on port $PORT"
    return 1
  fi
}

tool() {
  local main=$1
  shift
  install
  # Client tools: C1 only and a small heap start in about a second instead of three.
  exec java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j.configuration="file:$HERE/tools-log4j.properties" \
    -cp "$LIBS/*" "$main" "$@"
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  console) tool org.apache.kafka.tools.consumer.ConsoleConsumer "$@" ;;
  producer) tool kafka.tools.ConsoleProducer "$@" ;;
  topics) tool org.apache.kafka.tools.TopicCommand "$@" ;;
  *) die "usage: kafka.sh install|start|stop|status|console|producer|topics [args...]" ;;
esac
