# Stand-in for prom/prometheus:v2.55.1, for machines that reach no image registry
# (scripts/docker/standins.sh): Debian's prometheus (2.42) with upstream's paths, user and command.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends prometheus \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /prometheus /etc/prometheus \
  && chown nobody:nogroup /prometheus
LABEL org.hotswap.standin="prom/prometheus:v2.55.1"
USER nobody
WORKDIR /prometheus
VOLUME ["/prometheus"]
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
