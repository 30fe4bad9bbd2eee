#!/usr/bin/env bash
# A local single-node Apache Kafka 3.9.1 (KRaft: broker and controller in one JVM, no ZooKeeper),
# assembled from the Maven Central jars pinned in pom.xml, listening on 127.0.0.1 only.
#
#   kafka.sh install           copy the pinned jars into <cache>/libs (once; again if pom.xml changes)
#   kafka.sh start             start a broker on KAFKA_PORT and wait until it answers (idempotent)
#                              (KAFKA_SECURE=1: with secured listeners too, see below)
#   kafka.sh stop              stop it: SIGTERM, SIGKILL after 30 s; exit 0 if none was running
#   kafka.sh status            print pid and port and exit 0 if it runs, else exit 1
#   kafka.sh console ARGS...   Kafka's console consumer (the arguments of kafka-console-consumer.sh)
#   kafka.sh topics ARGS...    Kafka's topics tool (the arguments of kafka-topics.sh)
#   kafka.sh producer ARGS...  Kafka's console producer (the arguments of kafka-console-producer.sh)
#   The tools' --consumer.config, --producer.config and --command-config files may be written in
#   Java's or librdkafka's spelling (as the services read them); they are given to Kafka in Java's.
#
# Secured listeners (KAFKA_SECURE=1), beside the plaintext one, with a throwaway CA and
# certificates for 127.0.0.1 made by openssl in <run dir>/secure/ (kept until KAFKA_FRESH=1):
#   SASL_SSL on KAFKA_SASL_SSL_PORT (KAFKA_PORT+2): user 'hotswap' over PLAIN and SCRAM-SHA-512
#   SSL on KAFKA_MTLS_PORT (KAFKA_PORT+3): a client certificate signed by that CA is required
#   Client properties files for each, ready to use: <run dir>/secure/*.properties.
#   KAFKA_SASL_PASSWORD   the user's password (else a random one, written in those files only)
#
# Environment:
#   KAFKA_PORT             client port (9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (KAFKA_PORT+1)
#   KAFKA_CACHE_DIR        jars and run folders (<repo>/.kafka); each port runs in <cache>/run-<port>/
#   KAFKA_FRESH=1          on start: stop this port's broker if it runs and wipe its data first
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (30)
#   KAFKA_HEAP             broker heap, initial and most (1g, as kafka-server-start.sh)
#   JAVA_HOME              the Java to use (else java on PATH)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${KAFKA_CACHE_DIR:-$REPO/.kafka}
# Absolute, because the broker is recognised by the properties path on its command line.
case $CACHE in /*) ;; *) CACHE=$PWD/$CACHE ;; esac
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
LIBS=$CACHE/libs
STAMP=$LIBS/.pom.sha256
PORT=${KAFKA_PORT:-9092}
[[ $PORT =~ ^[0-9]+$ ]] || { echo "kafka: error: KAFKA_PORT must be a number, not '$PORT'" >&2; exit 2; }
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
RUN=$CACHE/run-$PORT
PROPS=$RUN/server.properties
PID_FILE=$RUN/broker.pid
SECURE=${KAFKA_SECURE:-0}
SASL_SSL_PORT=${KAFKA_SASL_SSL_PORT:-$((PORT + 2))}
MTLS_PORT=${KAFKA_MTLS_PORT:-$((PORT + 3))}
SECURE_DIR=$RUN/secure
LOGS=$RUN/logs
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}

# Progress goes to stderr: stdout is kept for the one useful answer (the bootstrap address).
say() { printf 'kafka: %s\n' "$*" >&2; }
die() {
  printf 'kafka: error: %s\n' "$*" >&2
  exit 1
}

# Serialise commands that touch the same files (two test runs starting one port, two ports
# installing at once). The lock lives on fd 9, which the broker must not inherit (see start).
lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  flock 9
}

pom_sha() { sha256sum "$HERE/pom.xml" | cut -d' ' -f1; }

installed() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(pom_sha)" ]; }

install() {
  if installed; then
    say "jars already in $LIBS"
    return 0
  fi
  lock "$CACHE/.install.lock"
  # Another process may have finished the install while we waited for the lock.
  if installed; then
    say "jars already in $LIBS"
    return 0
  fi
  command -v "$JAVA" >/dev/null || die "$JAVA not found: Kafka needs Java 11 or later (17 here)"
  command -v mvn >/dev/null || die "mvn not found: Maven fetches the Kafka jars from Maven Central"
  say "fetching Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml") jars (pinned in scripts/kafka/pom.xml) with Maven; about 30 s on an empty ~/.m2..."
  local started=$SECONDS log=$CACHE/install.log
  # Fill a fresh folder and swap it in whole, so an interrupted install never looks complete.
  # Maven's output goes to a log, shown on failure only (its -q mode still prints ANSI codes).
  rm -rf "$LIBS.tmp"
  if ! mvn -B -ntp -Dstyle.color=never -f "$HERE/pom.xml" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS.tmp" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$LIBS.tmp"
    die "Maven could not fetch the Kafka jars (output above, all of it in $log)"
  fi
  pom_sha >"$LIBS.tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  say "installed $(find "$LIBS" -name '*.jar' | wc -l) jars ($(du -sm "$LIBS" | cut -f1) MB) in $LIBS in $((SECONDS - started))s"
  exec 9>&-
}

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no extra tools).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True while process $1 exists and is not a zombie (kill -0 alone succeeds on zombies).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# True when process $1 is the broker of this port (a recorded pid may have been reused).
is_our_broker() {
  alive "$1" && tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -qF "kafka.Kafka $PROPS"
}

# Prints the pid of this port's broker: the recorded one, or one that lost its pid file.
broker_pid() {
  local pid=""
  [ -f "$PID_FILE" ] && pid=$(cat "$PID_FILE")
  if [ -n "$pid" ] && is_our_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  pid=$(pgrep -f -- "kafka.Kafka $PROPS" | head -n 1) || true
  if [ -n "$pid" ] && is_our_broker "$pid"; then
    echo "$pid" >"$PID_FILE"
    echo "$pid"
    return 0
  fi
  return 1
}

show_log_tail() {
  local f
  for f in "$LOGS/stdout.log" "$LOGS/server.log"; do
    if [ -s "$f" ]; then
      printf -- '--- last lines of %s ---\n' "$f" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

# Waits until broker $1 logged "Kafka Server started" and its port accepts connections.
wait_ready() {
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  until grep -q "Kafka Server started" "$LOGS/server.log" 2>/dev/null && port_open "$PORT"; do
    if ! alive "$pid"; then
      show_log_tail
      rm -f "$PID_FILE"
      # Another process can take a port between our check and the broker's bind.
      if grep -q "Address already in use" "$LOGS/server.log" 2>/dev/null; then
        die "the broker (pid $pid) exited: 127.0.0.1:$PORT or :$CONTROLLER_PORT was taken by another process meanwhile; pick another KAFKA_PORT"
      fi
      die "the broker (pid $pid) exited during start-up; logs above, all of them in $LOGS"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail
      stop_broker || true
      die "the broker did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s; stopped it (logs above, all of them in $LOGS)"
    fi
    sleep 0.2
  done
}

# The secured listeners' throwaway CA, broker and client certificates (EC P-256: quick to make),
# the broker's JAAS users and the clients' properties files, made once per run folder.
make_secure_files() {
  local d=$SECURE_DIR pw
  if [ -f "$d/.password" ]; then
    pw=$(cat "$d/.password")
    if [ -n "${KAFKA_SASL_PASSWORD:-}" ] && [ "$KAFKA_SASL_PASSWORD" != "$pw" ]; then
      die "KAFKA_SASL_PASSWORD differs from the one this broker's users were made with; start with KAFKA_FRESH=1 to remake them"
    fi
    return 0
  fi
  command -v openssl >/dev/null || die "openssl not found: KAFKA_SECURE=1 makes its certificates with it"
  pw=${KAFKA_SASL_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')}
  [[ $pw =~ ^[A-Za-z0-9._~-]+$ ]] || die "KAFKA_SASL_PASSWORD must be letters, digits and ._~- only (it is written into JAAS and properties files)"
  say "making a throwaway CA, certificates and users in $d"
  rm -rf "$d.tmp"
  mkdir -p "$d.tmp"
  (
    umask 077
    cd "$d.tmp"
    cat >openssl.cnf <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = hotswap
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[broker]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
# 127.0.0.1 only: a client that dials the broker by another name fails host name verification.
subjectAltName = IP:127.0.0.1
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
EOF
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    # A second CA that signs nothing of this broker's: for clients that must not trust it.
    for ca in ca other-ca; do
      openssl req -x509 -config openssl.cnf -extensions ca "${ec[@]}" -keyout "$ca.key" -out "$ca.pem" -days 30 \
        -subj "/CN=hotswap throwaway $ca" 2>/dev/null
    done
    for who in broker client; do
      openssl req -new -config openssl.cnf "${ec[@]}" -keyout "$who.key" -out "$who.csr" -subj "/CN=hotswap $who" 2>/dev/null
      openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
        -extfile openssl.cnf -extensions "$who" -out "$who.pem" 2>/dev/null
      openssl pkcs12 -export -in "$who.pem" -inkey "$who.key" -certfile ca.pem -name "$who" -passout "pass:$pw" -out "$who.p12"
    done
    rm -f ./*.csr ./*.srl other-ca.key
    printf '%s' "$pw" >.password
    # The four ways a client reaches the secured listeners, in Java's and librdkafka's spellings.
    cat >sasl-plain.properties <<EOF
# SASL_SSL with PLAIN, Java's spelling (kafka.sh made this file and the CA it trusts).
bootstrap.servers=127.0.0.1:$SASL_SSL_PORT
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
  username="hotswap" password="$pw";
ssl.truststore.type=PEM
ssl.truststore.location=$d/ca.pem
EOF
    cat >sasl-scram.properties <<EOF
# SASL_SSL with SCRAM-SHA-512, librdkafka's spelling (kafka.sh made this file and the CA it trusts).
bootstrap.servers=127.0.0.1:$SASL_SSL_PORT
security.protocol=SASL_SSL
sasl.mechanisms=SCRAM-SHA-512
sasl.username=hotswap
sasl.password=$pw
ssl.ca.location=$d/ca.pem
EOF
    cat >mtls.properties <<EOF
# TLS with a client certificate (PEM), librdkafka's spelling (kafka.sh made this file and the files it names).
bootstrap.servers=127.0.0.1:$MTLS_PORT
security.protocol=SSL
ssl.ca.location=$d/ca.pem
ssl.certificate.location=$d/client.pem
ssl.key.location=$d/client.key
EOF
    cat >mtls-pkcs12.properties <<EOF
# TLS with a client certificate in a PKCS12 keystore, Java's spelling (kafka.sh made this file and the files it names).
bootstrap.servers=127.0.0.1:$MTLS_PORT
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=$d/ca.pem
ssl.keystore.type=PKCS12
ssl.keystore.location=$d/client.p12
ssl.keystore.password=$pw
EOF
  ) || die "making the certificates in $d.tmp failed"
  rm -rf "$d"
  mv "$d.tmp" "$d"
}

# The broker's side of the secured listeners (appended to server.properties).
secure_config() {
  local pw
  pw=$(cat "$SECURE_DIR/.password")
  cat <<EOF
# Secured listeners (KAFKA_SECURE=1); certificates and users in $SECURE_DIR.
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_hotswap="$pw";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURE_DIR/broker.p12
ssl.keystore.password=$pw
ssl.truststore.type=PEM
ssl.truststore.location=$SECURE_DIR/ca.pem
listener.name.ssl.ssl.client.auth=required
EOF
}

write_config() {
  local listeners="PLAINTEXT://127.0.0.1:$PORT" protocols=PLAINTEXT:PLAINTEXT
  if [ "$SECURE" = 1 ]; then
    listeners+=",SASL_SSL://127.0.0.1:$SASL_SSL_PORT,SSL://127.0.0.1:$MTLS_PORT"
    protocols+=",SASL_SSL:SASL_SSL,SSL:SSL"
  fi
  cat >"$PROPS" <<EOF
# Written by scripts/kafka/kafka.sh on every start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=$listeners,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=$listeners
listener.security.protocol.map=$protocols,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/data
num.partitions=1
# One broker: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Fewer internal partitions than the default 50: faster first consumer group and fewer files.
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
# A consumer group's first member gets its partitions at once instead of after 3 s.
group.initial.rebalance.delay.ms=0
EOF
  if [ "$SECURE" = 1 ]; then secure_config >>"$PROPS"; fi
}

# A KRaft cluster id: 16 random bytes in URL-safe base64 without padding (what Uuid.toString
# gives), generated here to spare a JVM start. A leading '-' would read as an option: avoid it.
cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [ "${id:0:1}" != - ] && break
  done
  echo "$id"
}

format_storage() {
  [ -f "$RUN/data/meta.properties" ] && return 0
  say "formatting the storage in $RUN/data"
  if ! "$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j.configuration="file:$HERE/tools-log4j.properties" \
    -cp "$LIBS/*" kafka.tools.StorageTool format -t "$(cluster_id)" -c "$PROPS" --ignore-formatted "$@" \
    >"$LOGS/format.log" 2>&1; then
    cat "$LOGS/format.log" >&2
    die "formatting the storage in $RUN/data failed"
  fi
}

start() {
  install
  lock "$RUN.lock"
  local pid
  if [ "${KAFKA_FRESH:-0}" = 1 ]; then
    stop_broker || true
    rm -rf "$RUN"
  elif pid=$(broker_pid); then
    # Ours and alive: ready already, or still starting (an earlier start was interrupted), in
    # which case wait for it as a first start would.
    if ! { grep -q "Kafka Server started" "$LOGS/server.log" 2>/dev/null && port_open "$PORT"; }; then
      say "broker pid $pid is alive but not ready yet: waiting"
      wait_ready "$pid"
    fi
    if [ "$SECURE" = 1 ] && ! grep -q "SASL_SSL://" "$PROPS"; then
      die "the broker on 127.0.0.1:$PORT (pid $pid) runs without the secured listeners; stop it first, or start with KAFKA_FRESH=1"
    fi
    say "already running (pid $pid) on 127.0.0.1:$PORT"
    echo "127.0.0.1:$PORT"
    return 0
  fi
  local p
  local ports=("$PORT" "$CONTROLLER_PORT")
  [ "$SECURE" = 1 ] && ports+=("$SASL_SSL_PORT" "$MTLS_PORT")
  for p in "${ports[@]}"; do
    if port_open "$p"; then
      die "127.0.0.1:$p is taken by another process (not a broker this script started for port $PORT); pick another KAFKA_PORT or KAFKA_CONTROLLER_PORT"
    fi
  done
  mkdir -p "$LOGS" "$RUN/data"
  local scram=()
  if [ "$SECURE" = 1 ]; then
    make_secure_files
    # SCRAM users live in the cluster metadata: written when the storage is first formatted.
    if [ -f "$RUN/data/meta.properties" ] && [ ! -f "$RUN/scram-users" ]; then
      die "the storage in $RUN/data was formatted without KAFKA_SECURE=1, so it lacks the SCRAM user; start with KAFKA_FRESH=1"
    fi
    scram=(--add-scram "SCRAM-SHA-512=[name=hotswap,password=$(cat "$SECURE_DIR/.password")]")
  fi
  write_config
  format_storage "${scram[@]}"
  if [ "$SECURE" = 1 ]; then touch "$RUN/scram-users"; fi
  # Keep the previous run's logs aside: a stale "Kafka Server started" must not count as ready.
  for p in server.log stdout.log; do
    if [ -f "$LOGS/$p" ]; then mv -f "$LOGS/$p" "$LOGS/previous-$p"; fi
  done
  rm -f "$LOGS"/server.log.[0-9]*
  say "starting a broker on 127.0.0.1:$PORT (controller 127.0.0.1:$CONTROLLER_PORT, files in $RUN)"
  local started=$SECONDS
  # setsid + nohup: own session, no controlling terminal, so Ctrl-C or a closing terminal does not
  # reach it; stdin/stdout/stderr away from ours so a caller capturing our output is not held
  # open; 9>&- so the broker does not keep the start lock for its whole life.
  # Kafka's own JVM settings. A heap that starts small keeps G1 marking concurrently under load:
  # measured at 0.3-0.4 of a core taken from the clients on a 2-core machine (bench, 100k records).
  nohup setsid "$JAVA" -Xms"${KAFKA_HEAP:-1g}" -Xmx"${KAFKA_HEAP:-1g}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Dkafka.logs.dir="$LOGS" -Dlog4j.configuration="file:$HERE/log4j.properties" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" </dev/null >"$LOGS/stdout.log" 2>&1 9>&- &
  pid=$!
  # Without job control the child is no process group leader, so setsid execs java in place and
  # $! is the broker itself; check rather than trust that.
  sleep 0.2
  if ! is_our_broker "$pid"; then
    pid=$(broker_pid) || {
      show_log_tail
      die "the broker exited at once; logs above"
    }
  fi
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  say "ready after $((SECONDS - started))s (pid $pid); logs in $LOGS"
  if [ "$SECURE" = 1 ]; then
    say "secured listeners: SASL_SSL (PLAIN, SCRAM-SHA-512) on 127.0.0.1:$SASL_SSL_PORT, mTLS on 127.0.0.1:$MTLS_PORT"
    say "client properties for each: $SECURE_DIR/{sasl-plain,sasl-scram,mtls,mtls-pkcs12}.properties"
  fi
  echo "127.0.0.1:$PORT"
}

# Stops this port's broker, if any; returns once no such process is left.
stop_broker() {
  local pid
  if ! pid=$(broker_pid); then
    rm -f "$PID_FILE"
    return 1
  fi
  say "stopping the broker on 127.0.0.1:$PORT (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$pid"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "still running after ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
      break
    fi
    sleep 0.1
  done
  # Dead but maybe not yet reaped by its new parent (init): give that a moment, so that a
  # `pgrep java` right after stop finds no <defunct> entry either.
  local tries=0
  while [ -e "/proc/$pid" ] && [ "$tries" -lt 30 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  rm -f "$PID_FILE"
  # A second broker for this port would be a leftover of an earlier crash of this script.
  if broker_pid >/dev/null; then stop_broker; fi
  return 0
}

stop() {
  lock "$RUN.lock"
  local started=$SECONDS
  if stop_broker; then
    say "stopped in $((SECONDS - started))s"
  else
    say "no broker running on port $PORT"
  fi
}

status() {
  local pid
  if pid=$(broker_pid); then
    if port_open "$PORT"; then
      echo "running: pid $pid on 127.0.0.1:$PORT"
    else
      echo "starting or stopping: pid $pid, 127.0.0.1:$PORT not answering yet"
    fi
    return 0
  fi
  echo "not running on port $PORT"
  return 1
}

# Runs one of Kafka's command-line tools in the foreground with the caller's arguments. A client
# config file is handed over in Java's spelling through a pipe, so its secrets touch no disk.
tool() {
  local main=$1
  shift
  installed || install
  local args=() java_props=""
  while [ $# -gt 0 ]; do
    case $1 in
      --consumer.config | --producer.config | --command-config)
        [ $# -ge 2 ] || die "$1 needs a file"
        java_props=$(node "$HERE/java-client-properties.js" "$2") || exit 2
        args+=("$1" /dev/fd/3)
        shift 2
        ;;
      *)
        args+=("$1")
        shift
        ;;
    esac
  done
  set -- "${args[@]}"
  if [ -n "$java_props" ]; then exec 3< <(printf '%s' "$java_props"); fi
  # C1 only and serial GC: these short-lived clients start in well under a second that way.
  exec "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HERE/tools-log4j.properties" -cp "$LIBS/*" "$main" "$@"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  console) tool org.apache.kafka.tools.consumer.ConsoleConsumer "$@" ;;
  topics) tool org.apache.kafka.tools.TopicCommand "$@" ;;
  # Kafka 3.9 still has the console producer in the core jar (it moves to kafka-tools in 4.0).
  producer) tool kafka.tools.ConsoleProducer "$@" ;;
  -h | --help | help)
    usage
    ;;
  *)
    usage
    exit 2
    ;;
esac
