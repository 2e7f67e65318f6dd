# selrec appliance image, built from the offline bundle so the image and a flashed box
# run the same bits: `deno task bundle && docker build -t selrec .`
# The bundle carries the Deno runtime and every dependency; nothing is fetched at run time.
FROM debian:12-slim

ARG VERSION=0.1.0
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates libopus0 tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system selrec \
  && useradd --system --gid selrec --home-dir /var/lib/selrec --shell /usr/sbin/nologin selrec \
  && install -d -o selrec -g selrec -m 0750 /var/lib/selrec /etc/selrec/rules

COPY dist/selrec-${VERSION}-linux-x64/ /opt/selrec/
COPY config/selrec.yaml /etc/selrec/selrec.yaml
COPY rules/ /etc/selrec/rules/

ENV SELREC_CONFIG=/etc/selrec/selrec.yaml \
  SELREC_DATA_DIR=/var/lib/selrec \
  SELREC_DENO_DIR=/var/lib/selrec/.deno \
  DENO_NO_UPDATE_CHECK=1

USER selrec
WORKDIR /var/lib/selrec
VOLUME ["/var/lib/selrec"]
# SIP (UDP+TCP), web UI, RTP range.
EXPOSE 5060/udp 5060/tcp 8080/tcp 20000-29999/udp
HEALTHCHECK --interval=30s --timeout=5s CMD ["/opt/selrec/bin/deno", "eval", "const r = await fetch('http://127.0.0.1:8080/healthz'); Deno.exit(r.ok ? 0 : 1)"]
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/selrec/bin/selrec"]
CMD ["serve"]
