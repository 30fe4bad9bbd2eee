# Stand-in for apache/kafka:3.9.1, for machines that reach no image registry (scripts/docker/standins.sh).
# The same paths, user, volumes and KAFKA_* environment as the upstream image; Kafka's jars come
# from Maven Central (scripts/kafka/pom.xml), Java 17 from Debian (upstream: Java 21).
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 1000 appuser && useradd --uid 1000 --gid appuser --home-dir /home/appuser --create-home appuser
COPY libs/ /opt/kafka/libs/
COPY kafka/docker/ /etc/kafka/docker/
COPY kafka/bin/kafka-tool.sh /opt/kafka/bin/
RUN cd /opt/kafka/bin \
  && for tool in kafka-run-class kafka-server-start kafka-storage kafka-console-consumer kafka-console-producer \
    kafka-topics kafka-consumer-groups kafka-broker-api-versions; do ln -s kafka-tool.sh "$tool.sh"; done \
  && mkdir -p /opt/kafka/config /opt/kafka/logs /var/lib/kafka/data /mnt/shared/config /etc/kafka/secrets \
  && chown appuser:appuser /opt/kafka/config /opt/kafka/logs /var/lib/kafka/data /mnt/shared/config /etc/kafka/secrets
LABEL org.hotswap.standin="apache/kafka:3.9.1"
USER appuser
VOLUME ["/etc/kafka/secrets", "/var/lib/kafka/data", "/mnt/shared/config"]
EXPOSE 9092
CMD ["/etc/kafka/docker/run"]
