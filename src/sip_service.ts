/**
 * The SIPREC server as a service of the box: binds SIP on UDP+TCP, hands random RTP
 * ports from the configured range, asks the recorder for each decision, forwards session
 * events to the recorder, and answers 503 + Retry-After while draining or when storage
 * is critical so SBCs fail over to another SRS.
 */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { Service } from "./service.ts";
import { SiprecServer } from "./sip/srs.ts";
import { PortPool } from "./rtp/port_pool.ts";
import { counter, type Metrics } from "./metrics.ts";
import { SipMetrics } from "./sip_metrics.ts";
import { openFileLimit, sipTcpLimits } from "./sip_limits.ts";
import { AddressFilter } from "./sip/admission.ts";
import { openSipTls, type SipTls, tlsMetrics } from "./sip_tls.ts";
import {
  connectRecorder,
  offerInfo,
  prepareRecording,
  type SessionRecorder,
} from "./recorder/sip_adapter.ts";

/** The address to advertise in Contact and SDP when none is configured. */
export function defaultAdvertisedAddress(listen: string): string {
  if (listen !== "0.0.0.0" && listen !== "::") return listen;
  try {
    const v4 = Deno.networkInterfaces().find((i) =>
      i.family === "IPv4" && !i.address.startsWith("127.")
    );
    if (v4) return v4.address;
  } catch {
    // no permission to list interfaces
  }
  return "127.0.0.1";
}

/** Extra refusal reasons from other services (storage watermarks). */
export type RefusalCheck = () => string | null;

/** What the SIP service works with. */
export interface SipServiceDeps {
  sip: Config["sip"];
  rtp: Pick<Config["rtp"], "ports" | "srtp">;
  log: Logger;
  metrics: Pick<Metrics, "register">;
  /** Decides offers and records the sessions. */
  recorder: SessionRecorder;
  /** False while the box is not running (starting, draining): new calls get 503. */
  accepting: () => boolean;
  /** Extra refusal reasons (storage watermarks). */
  refusals?: RefusalCheck[];
}

/** Builds the SIP service. */
export function sipService(deps: SipServiceDeps) {
  const { recorder, log, metrics, accepting, refusals = [] } = deps;
  const cfg = { sip: deps.sip, rtp: deps.rtp };
  const pool = new PortPool({ min: cfg.rtp.ports.min, max: cfg.rtp.ports.max });
  let server: SiprecServer | null = null;
  const sipMetrics = new SipMetrics();
  let tls: SipTls | null = null;
  const service: Service & { server(): SiprecServer | null } = {
    name: "sip",
    async start() {
      const host = cfg.sip.advertisedAddress ?? defaultAdvertisedAddress(cfg.sip.listen);
      if (cfg.sip.tls) {
        const allow = new AddressFilter(cfg.sip.allowFrom);
        tls = await openSipTls(cfg.sip.tls, {
          hostname: cfg.sip.listen,
          admit: (h) => allow.allows(h),
          limits: sipTcpLimits(cfg.sip.tcp, openFileLimit()),
        }, log.child({ component: "sip" }));
      }
      server = SiprecServer.create({
        host,
        bindHost: cfg.sip.listen,
        udpPort: cfg.sip.port,
        tcpPort: cfg.sip.port,
        tlsListener: tls?.listener,
        tlsRequired: cfg.sip.tls?.required ?? false,
        ports: {
          // No bind probe here: the capture worker's bind in `prepare` is the check, and
          // a port it cannot bind answers 503 (a probe that binds and closes races it).
          allocate: () => pool.allocate(),
          release: (p) => {
            try {
              pool.release(p);
            } catch (err) {
              log.warn("RTP port release refused", { port: p, error: err });
            }
          },
        },
        maxSessions: cfg.sip.maxSessions,
        headerMap: cfg.sip.headerMap,
        maxMessageBytes: cfg.sip.maxMessageBytes,
        retryAfter: cfg.sip.retryAfterSeconds,
        maxStreamsPerSession: cfg.sip.maxStreamsPerSession,
        srtp: cfg.rtp.srtp,
        allowFrom: cfg.sip.allowFrom,
        invitesPerSecondPerSource: cfg.sip.invitesPerSecondPerSource,
        inviteBurstPerSource: cfg.sip.inviteBurstPerSource,
        sessionExpires: cfg.sip.sessionExpires,
        minSE: cfg.sip.minSE,
        tcp: sipTcpLimits(cfg.sip.tcp, openFileLimit(), log.child({ component: "sip" })),
        log: log.child({ component: "sip" }),
        observe: sipMetrics.observer,
        admit: () => {
          if (!accepting()) {
            return {
              ok: false,
              status: 503,
              retryAfter: cfg.sip.retryAfterSeconds,
              reason: "draining",
            };
          }
          for (const check of refusals) {
            const reason = check();
            if (reason) {
              return { ok: false, status: 503, retryAfter: cfg.sip.retryAfterSeconds, reason };
            }
          }
          return { ok: true };
        },
        decide: (offer) => Promise.resolve({ record: recorder.decide(offerInfo(offer)).record }),
        prepare: (session) => prepareRecording(recorder, session),
      });
      connectRecorder(
        (name, cb) => server!.on(name as "session-started", cb as never),
        recorder,
        log.child({ component: "recorder" }),
      );
      // Media stopped (rtp.inactivitySeconds): BYE, and the session ends as media-timeout.
      recorder.onHangup((key, reason) => server?.hangup(key, reason));
      metrics.register(() => sipMetrics.samples());
      metrics.register(() => {
        const st = server!.stats();
        return [
          counter("sip_messages_received_total", "SIP messages received", st.received),
          counter("sip_messages_malformed_total", "Malformed SIP messages", st.malformed),
          counter("sip_messages_dropped_total", "SIP messages dropped", st.dropped),
          counter("sip_retransmissions_total", "Retransmissions absorbed", st.retransmissions),
          counter("sip_responses_sent_total", "SIP responses sent", st.responsesSent),
          counter(
            "sip_refused_source_total",
            "SIP from sources not in allowFrom",
            st.refusedSource,
          ),
          counter("sip_invites_rate_limited_total", "INVITEs over their rate", st.rateLimited),
          counter("sip_tcp_refused_total", "TCP connections over a cap", st.tcp.refusedOverLimit),
          counter(
            "sip_tcp_timeouts_total",
            "TCP connections closed idle or mid-message",
            st.tcp.idleClosed + st.tcp.headerTimeouts,
          ),
          counter("sip_tcp_accept_errors_total", "TCP accept failures", st.tcp.acceptErrors),
          {
            name: "sip_sessions",
            help: "Recording sessions (dialogs)",
            type: "gauge",
            value: st.sessions,
          },
          {
            name: "sip_transactions",
            help: "Live transactions",
            type: "gauge",
            value: st.transactions,
          },
          {
            name: "sip_tcp_connections",
            help: "Open TCP connections",
            type: "gauge",
            value: st.tcpConnections,
          },
          {
            name: "rtp_ports_in_use",
            help: "RTP ports handed out",
            type: "gauge",
            value: pool.inUse,
          },
          {
            name: "rtp_ports_total",
            help: "RTP ports in the range",
            type: "gauge",
            value: pool.size,
          },
        ];
      });
      log.info("SIP listening", {
        udp: server.udpPort,
        tcp: server.tcpPort,
        tls: server.tlsPort,
        advertised: host,
        rtpPorts: `${cfg.rtp.ports.min}-${cfg.rtp.ports.max}`,
      });
      if (tls) metrics.register(() => tlsMetrics(server!.stats()));
    },
    drain() {
      server?.drain();
      return Promise.resolve();
    },
    async stop() {
      tls?.close();
      await server?.close();
    },
    server: () => server,
  };
  return service;
}
