#!/usr/bin/env bash
# The apache/kafka stand-in's /opt/kafka/bin: every kafka-*.sh here is a link to this file, which
# runs the Java class that Kafka's script of that name runs, with the JVM settings those scripts
# read from the environment (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_OPTS).
set -euo pipefail
name=$(basename "$0")
case $name in
  kafka-server-start.sh) class=kafka.Kafka ;;
  kafka-storage.sh) class=kafka.tools.StorageTool ;;
  kafka-console-consumer.sh) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  kafka-console-producer.sh) class=kafka.tools.ConsoleProducer ;;
  kafka-topics.sh) class=org.apache.kafka.tools.TopicCommand ;;
  kafka-consumer-groups.sh) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  kafka-broker-api-versions.sh) class=kafka.admin.BrokerApiVersionsCommand ;;
  kafka-run-class.sh)
    [ $# -ge 1 ] || { echo "usage: kafka-run-class.sh CLASS [ARGS...]" >&2; exit 2; }
    class=$1
    shift
    ;;
  *) echo "kafka-tool.sh: no Kafka tool is named '$name'" >&2; exit 2 ;;
esac

config=/opt/kafka/config
if [ "$class" = kafka.Kafka ]; then
  # As kafka-server-start.sh: a 1 GiB heap unless told, the broker's log4j file, G1 tuned for latency.
  heap=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
  log4j=${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$config/log4j.properties}
  perf=${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}
else
  # Tools start fast and small, and log warnings to stderr only (their stdout is their output).
  heap=${KAFKA_HEAP_OPTS:--Xmx512M}
  log4j=${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$config/tools-log4j.properties}
  perf=${KAFKA_JVM_PERFORMANCE_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true}
fi
# The words of these settings are meant to split, as in Kafka's own scripts.
# shellcheck disable=SC2086
exec java $heap $perf $log4j ${KAFKA_OPTS:-} -Dkafka.logs.dir=/opt/kafka/logs -cp '/opt/kafka/libs/*' "$class" "$@"
