# selrec appliance image, built from the offline bundle so the image and a flashed box
# run the same bits: `deno task bundle && docker build -t selrec .`
# The bundle carries the Deno runtime and every dependency; nothing is fetched at run time.
#
# Run it with host networking: SIP and 10,000 RTP ports (rtp.ports 20000-29999) cannot go
# through Docker's port publishing (one proxy per port), and the SDP must carry an
# address the SBC can reach. Set that address with SELREC_SIP_ADDRESS:
#   docker run -d --name selrec --network host --ulimit nice=30 \
#     -e SELREC_SIP_ADDRESS=192.0.2.10 -v selrec-data:/var/lib/selrec selrec
# Without host networking, publish 5060/udp, 5060/tcp, 8080/tcp and the whole RTP range,
# and set SELREC_SIP_ADDRESS to the host's address. `--ulimit nice=30` lets the capture
# thread raise itself to nice -10 (recorder.captureNice), as LimitNICE=-10 does in the unit.
FROM debian:12-slim

ARG VERSION=0.1.0
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates tini \
    libopus0 libsrtp2-1 libbcg729-0 libspandsp2 libssl3 \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system selrec \
  && useradd --system --gid selrec --home-dir /var/lib/selrec --shell /usr/sbin/nologin selrec \
  && install -d -o selrec -g selrec -m 0750 /var/lib/selrec \
  && install -d -o root -g selrec -m 0750 /etc/selrec /etc/selrec/rules

COPY dist/selrec-${VERSION}-linux-x64/ /opt/selrec/
COPY config/selrec.yaml /etc/selrec/selrec.yaml
COPY rules/ /etc/selrec/rules/

ENV SELREC_CONFIG=/etc/selrec/selrec.yaml \
  SELREC_DATA_DIR=/var/lib/selrec \
  SELREC_HTTP_PORT=8080 \
  DENO_NO_UPDATE_CHECK=1

USER selrec
WORKDIR /var/lib/selrec
VOLUME ["/var/lib/selrec"]
# SIP (UDP+TCP) and the web UI; RTP uses rtp.ports (host networking, see above).
EXPOSE 5060/udp 5060/tcp 8080/tcp
# bash's /dev/tcp: no second Deno and no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SELREC_HTTP_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/selrec/bin/selrec"]
CMD ["serve"]
