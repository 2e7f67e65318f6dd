/**
 * SIP over TCP (RFC 3261 §18.3), and over TLS through the same code (§26.2; the TLS
 * handshake lives in transport_tls.ts): messages framed by Content-Length, responses sent
 * back over the connection the request came on (§18.2.2). A framing error answers
 * 400/513 when it can and closes that connection only.
 *
 * Limits, so that idle or slow peers cannot take every descriptor: a connection cap
 * overall and per source address (over it, a new connection is closed at accept),
 * an idle timeout (any bytes, RFC 5626 CRLF keep-alives included, count as activity;
 * a connection carrying a live dialog is kept), a deadline for a started message to
 * complete, and exponential accept backoff when the process is out of descriptors.
 */
import type { Logger } from "../log.ts";
import { type AcceptLoop, runAcceptLoop } from "./accept_backoff.ts";
import { OncePer } from "./admission.ts";
import type { PeerAddress } from "./dialog.ts";
import { SipStreamFramer } from "./stream_framer.ts";
import { bindContext } from "../net/bind_error.ts";

const READ_BYTES = 16_384;
const PONG = new Uint8Array([0x0d, 0x0a]);

/** A connected byte stream: a `Deno.Conn`, or a TLS socket behind an adapter. */
export interface StreamConn {
  readonly remoteAddr: Deno.Addr;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** Where connections come from: `Deno.listen`, or the TLS listener (transport_tls.ts). */
export interface StreamListener {
  readonly addr: Deno.Addr;
  accept(): Promise<StreamConn>;
  close(): void;
}

/** Connection limits (`sip.tcp.*`). */
export interface TcpLimits {
  maxConnections: number;
  maxConnectionsPerSource: number;
  /** Close a connection with no bytes received for this long. */
  idleMs: number;
  /** Close a connection whose started message is not complete after this long. */
  headerTimeoutMs: number;
}

/** Defaults of {@link TcpLimits}. */
export const DEFAULT_TCP_LIMITS: TcpLimits = {
  maxConnections: 1024,
  maxConnectionsPerSource: 64,
  idleMs: 120_000,
  headerTimeoutMs: 10_000,
};

/** Handlers the transport calls. */
export interface TcpHandlers {
  onMessage(bytes: Uint8Array, from: PeerAddress): void;
  /** Unframeable stream: return a response to write before the connection closes. */
  onFramingError(error: unknown, from: PeerAddress): Uint8Array | null;
  onError(error: unknown): void;
  /** At accept: false closes the connection at once (source not allowed). */
  admit?(from: PeerAddress): boolean;
  /** `host:port` keys of peers with live dialogs: their connections are not idled out. */
  busyPeers?(): Set<string>;
}

/** Options of {@link TcpTransport}. */
export interface TcpOptions {
  maxBytes?: number;
  limits?: Partial<TcpLimits>;
  log?: Logger;
  /** Accept from this listener instead of a plain TCP one (SIP over TLS). */
  listener?: StreamListener;
  /** What peers' `PeerAddress.transport` says (default `tcp`). */
  transport?: "tcp" | "tls";
}

/** Counters of the TCP transport. */
export interface TcpStats {
  connections: number;
  accepted: number;
  /** Closed at accept: over the overall or per-source cap. */
  refusedOverLimit: number;
  /** Closed at accept: source not in `sip.allowFrom`. */
  refusedSource: number;
  idleClosed: number;
  headerTimeouts: number;
  acceptErrors: number;
}

interface Conn {
  conn: StreamConn;
  source: string;
  lastActivity: number;
  /** When the message now being received started; null between messages. */
  messageSince: number | null;
  closing: boolean;
}

/** A TCP SIP listener with its open connections. */
export class TcpTransport implements AsyncDisposable {
  readonly port: number;
  #listener: StreamListener;
  #transport: "tcp" | "tls";
  #conns = new Map<string, Conn>();
  #perSource = new Map<string, number>();
  #tasks = new Set<Promise<void>>();
  #accept: AcceptLoop;
  #closed = false;
  #handlers: TcpHandlers;
  #maxBytes: number;
  #limits: TcpLimits;
  #log: Logger | undefined;
  #sweep: ReturnType<typeof setInterval>;
  #notices = new OncePer(60_000, () => performance.now());
  #stats = {
    accepted: 0,
    refusedOverLimit: 0,
    refusedSource: 0,
    idleClosed: 0,
    headerTimeouts: 0,
    acceptErrors: 0,
  };

  constructor(hostname: string, port: number, handlers: TcpHandlers, options: TcpOptions = {}) {
    try {
      this.#listener = options.listener ?? Deno.listen({ hostname, port, transport: "tcp" });
    } catch (err) {
      throw bindContext(err, "SIP", "TCP", hostname, port);
    }
    this.#transport = options.transport ?? "tcp";
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#handlers = handlers;
    this.#maxBytes = options.maxBytes ?? 65_535;
    this.#limits = { ...DEFAULT_TCP_LIMITS, ...options.limits };
    this.#log = options.log;
    const every = Math.min(this.#limits.idleMs, this.#limits.headerTimeoutMs) / 4;
    this.#sweep = setInterval(() => this.#expire(), Math.max(50, Math.min(1000, every)));
    this.#accept = runAcceptLoop({
      accept: () => this.#listener.accept(),
      admit: (conn) => this.#admit(conn),
      closed: () => this.#closed,
      failed: (error, first, exhausted) => {
        this.#stats.acceptErrors++;
        if (first) {
          this.#log?.warn(`sip ${this.#transport} accept failing; backing off`, {
            error,
            exhausted,
          });
        }
      },
      recovered: (burst) =>
        this.#log?.warn(`sip ${this.#transport} accept recovered`, { ...burst, port: this.port }),
    });
  }

  /** Open connections. */
  get connections(): number {
    return this.#conns.size;
  }

  /** Counters since start. */
  stats(): TcpStats {
    return { connections: this.#conns.size, ...this.#stats };
  }

  /** Caps and allowlist at accept; a refused connection is closed at once. */
  #admit(conn: StreamConn): void {
    const addr = conn.remoteAddr as Deno.NetAddr;
    const from: PeerAddress = {
      transport: this.#transport,
      hostname: addr.hostname,
      port: addr.port,
    };
    let refusal: string | null = null;
    if (this.#handlers.admit && !this.#handlers.admit(from)) {
      this.#stats.refusedSource++;
      refusal = "source not allowed";
    } else if (this.#conns.size >= this.#limits.maxConnections) {
      this.#stats.refusedOverLimit++;
      refusal = `at sip.tcp.maxConnections (${this.#limits.maxConnections})`;
    } else if ((this.#perSource.get(addr.hostname) ?? 0) >= this.#limits.maxConnectionsPerSource) {
      this.#stats.refusedOverLimit++;
      refusal = `at sip.tcp.maxConnectionsPerSource (${this.#limits.maxConnectionsPerSource})`;
    }
    if (refusal !== null) {
      const held = this.#notices.pass(`${addr.hostname}|${refusal}`);
      if (held !== null) {
        this.#log?.warn(`sip ${this.#transport} connection refused`, {
          source: addr.hostname,
          reason: refusal,
          refusedSinceLastLine: held,
        });
      }
      closeQuietly(conn);
      return;
    }
    this.#stats.accepted++;
    const task = this.#serve(conn, from).finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
  }

  async #serve(conn: StreamConn, from: PeerAddress): Promise<void> {
    const key = `${from.hostname}:${from.port}`;
    const rec: Conn = {
      conn,
      source: from.hostname,
      lastActivity: performance.now(),
      messageSince: null,
      closing: false,
    };
    this.#conns.set(key, rec);
    this.#perSource.set(rec.source, (this.#perSource.get(rec.source) ?? 0) + 1);
    const framer = new SipStreamFramer(this.#maxBytes);
    const buf = new Uint8Array(READ_BYTES);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        rec.lastActivity = performance.now();
        let broken = false;
        for (const item of framer.push(buf.subarray(0, n))) {
          if (item.kind === "message") this.#safe(() => this.#handlers.onMessage(item.bytes, from));
          else if (item.kind === "keepalive") await conn.write(PONG);
          else {
            let answer: Uint8Array | null = null;
            this.#safe(() => answer = this.#handlers.onFramingError(item.error, from));
            if (answer) await writeAll(conn, answer);
            broken = true;
          }
        }
        if (broken) break;
        rec.messageSince = framer.started ? rec.messageSince ?? rec.lastActivity : null;
      }
    } catch (error) {
      if (!this.#closed && !rec.closing) this.#handlers.onError(error);
    } finally {
      this.#conns.delete(key);
      const left = (this.#perSource.get(rec.source) ?? 1) - 1;
      if (left > 0) this.#perSource.set(rec.source, left);
      else this.#perSource.delete(rec.source);
      closeQuietly(conn);
    }
  }

  /** Close connections past the idle or message deadline. */
  #expire(): void {
    const now = performance.now();
    const { idleMs, headerTimeoutMs } = this.#limits;
    let busy: Set<string> | null = null;
    for (const [key, c] of this.#conns) {
      if (c.closing) continue;
      if (c.messageSince !== null && now - c.messageSince > headerTimeoutMs) {
        this.#stats.headerTimeouts++;
        this.#drop(c);
      } else if (now - c.lastActivity > idleMs) {
        busy ??= this.#handlers.busyPeers?.() ?? new Set();
        if (busy.has(key)) continue;
        this.#stats.idleClosed++;
        this.#drop(c);
      }
    }
  }

  #drop(c: Conn): void {
    c.closing = true;
    closeQuietly(c.conn);
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#handlers.onError(error);
    }
  }

  /** Write to the open connection of `to`; false when there is none. */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    const c = this.#conns.get(`${to.hostname}:${to.port}`);
    if (!c || c.closing) return false;
    writeAll(c.conn, bytes).catch((error) => this.#handlers.onError(error));
    return true;
  }

  /** Stop accepting, close every connection, wait for the loops. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#accept.wake();
    this.#listener.close();
    for (const c of this.#conns.values()) closeQuietly(c.conn);
    await this.#accept.done;
    await Promise.allSettled([...this.#tasks]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function closeQuietly(conn: StreamConn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

async function writeAll(conn: StreamConn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
