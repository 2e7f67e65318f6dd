/**
 * `SiprecServer`: the SIPREC recording server (RFC 7866 SRS) on UDP and TCP, built
 * once, disposed once. Media is not touched here: the recorder opens the RTP ports
 * announced in the events.
 */
import type { Listener } from "./events.ts";
import { createResponse } from "./response.ts";
import type { RecordingSession, SiprecEventMap } from "./session.ts";
import { serializeSipMessage, SipParseError } from "./message.ts";
import { SiprecCore, type SiprecOptions, type SipStats } from "./srs_core.ts";
import { type TcpLimits, type TcpStats, TcpTransport } from "./transport_tcp.ts";
import type { TlsListener, TlsStats } from "./transport_tls.ts";
import { UdpTransport } from "./transport_udp.ts";
import type { PeerAddress } from "./dialog.ts";

/** Where to listen; ports 0 pick free ones (read them back from the server). */
export interface ListenOptions {
  /** Bind address (default: `host`). */
  bindHost?: string;
  /** TCP connection caps and timeouts (defaults: `DEFAULT_TCP_LIMITS`). */
  tcp?: Partial<TcpLimits>;
  /** SIP over TLS: an open listener (transport_tls.ts); its connections get `sip.tcp` limits. */
  tlsListener?: TlsListener;
}

/** The SRS: transports + core. */
export class SiprecServer implements AsyncDisposable {
  #core: SiprecCore;
  #udp: UdpTransport;
  #tcp: TcpTransport;
  #tls: { transport: TcpTransport; listener: TlsListener } | null;
  #closed = false;

  private constructor(
    core: SiprecCore,
    udp: UdpTransport,
    tcp: TcpTransport,
    tls: { transport: TcpTransport; listener: TlsListener } | null,
  ) {
    this.#core = core;
    this.#udp = udp;
    this.#tcp = tcp;
    this.#tls = tls;
  }

  /** Bind UDP and TCP (and serve the TLS listener, when given) and start serving. */
  static create(options: SiprecOptions & ListenOptions): SiprecServer {
    const bind = options.bindHost ?? options.host;
    const log = options.log;
    let core: SiprecCore | null = null;
    const onError = (error: unknown) => log?.warn("sip transport error", { error });
    const udp = new UdpTransport(bind, options.udpPort, (b, f) => core?.receive(b, f), onError);
    const handlers = {
      onMessage: (b: Uint8Array, f: PeerAddress) => core?.receive(b, f),
      onFramingError: (error: unknown) => core ? framingErrorResponse(core, error) : null,
      onError,
      admit: (from: PeerAddress) => core?.allowsSource(from) ?? false,
      busyPeers: () =>
        new Set(core?.sessions.list().map((s) => `${s.source.hostname}:${s.source.port}`)),
    };
    const common = { maxBytes: options.maxMessageBytes, limits: options.tcp, log };
    let tcp: TcpTransport;
    try {
      tcp = new TcpTransport(bind, options.tcpPort, handlers, common);
    } catch (error) {
      void udp.close();
      throw error;
    }
    const listener = options.tlsListener;
    const tls = listener
      ? {
        listener,
        transport: new TcpTransport(bind, listener.addr.port, handlers, {
          ...common,
          listener,
          transport: "tls",
        }),
      }
      : null;
    const resolved = {
      ...options,
      udpPort: udp.port,
      tcpPort: tcp.port,
      tlsPort: listener?.addr.port,
    };
    core = new SiprecCore(resolved, (bytes, to) => {
      if (to.transport === "udp") return udp.send(bytes, to);
      const stream = to.transport === "tls" ? tls?.transport : tcp;
      if (!stream?.send(bytes, to)) log?.debug("sip stream peer gone", { to });
    });
    return new SiprecServer(core, udp, tcp, tls);
  }

  /** Bound TLS port, or null without TLS. */
  get tlsPort(): number | null {
    return this.#tls?.listener.addr.port ?? null;
  }

  /** The TLS listener (certificate reloads), or null without TLS. */
  get tlsListener(): TlsListener | null {
    return this.#tls?.listener ?? null;
  }

  /** Bound UDP port. */
  get udpPort(): number {
    return this.#udp.port;
  }

  /** Bound TCP port. */
  get tcpPort(): number {
    return this.#tcp.port;
  }

  /** The socket-free core (for tests and diagnostics). */
  get core(): SiprecCore {
    return this.#core;
  }

  /** Subscribe to a session event; returns the unsubscribe function. */
  on<K extends keyof SiprecEventMap>(type: K, listener: Listener<SiprecEventMap, K>): () => void {
    return this.#core.sessions.events.on(type, listener);
  }

  /** Unsubscribe. */
  off<K extends keyof SiprecEventMap>(type: K, listener: Listener<SiprecEventMap, K>): void {
    this.#core.sessions.events.off(type, listener);
  }

  /** New INVITEs and OPTIONS get 503 + Retry-After; running sessions continue. */
  drain(): void {
    this.#core.drain();
  }

  /** Ends a running session from our side: BYE, then `session-ended` with `reason`. */
  hangup(id: string, reason: "media-timeout" | "session-expired"): boolean {
    return this.#core.sessions.hangup(id, reason);
  }

  /** Running sessions. */
  sessions(): RecordingSession[] {
    return this.#core.sessions.list();
  }

  /** Counters. */
  stats(): SipStats & { sessions: number; transactions: number; tcpConnections: number } & {
    tcp: TcpStats;
    tls: (TcpStats & TlsStats) | null;
  } {
    const tls = this.#tls
      ? { ...this.#tls.transport.stats(), ...this.#tls.listener.stats() }
      : null;
    return {
      ...this.#core.stats(),
      tcpConnections: this.#tcp.connections,
      tcp: this.#tcp.stats(),
      tls,
    };
  }

  /** BYE every session (reason `shutdown`), stop transactions, close sockets. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.sessions.closeAll();
    this.#core.close();
    // Let the BYEs leave before the sockets close.
    await new Promise((r) => setTimeout(r, 0));
    await Promise.all([this.#udp.close(), this.#tcp.close(), this.#tls?.transport.close()]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A TCP stream that cannot be framed: a 400/513 if its headers allow addressing one. */
function framingErrorResponse(core: SiprecCore, error: unknown): Uint8Array | null {
  const headers = error instanceof SipParseError ? error.headers : null;
  if (
    !headers || !headers.has("Via") || !headers.has("CSeq") || /ACK/i.test(headers.get("CSeq")!)
  ) {
    return null;
  }
  const status = error instanceof SipParseError ? error.status : 400;
  const text = (error as Error).message.replace(/"/g, "'").slice(0, 200);
  return serializeSipMessage(createResponse({ headers }, status, {
    headers: [["Warning", `399 ${core.options.host} "${text}"`]],
  }));
}
