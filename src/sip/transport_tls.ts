/**
 * The TLS half of SIP over TLS (RFC 3261 §26.2, RFC 5630): a `node:tls` server whose
 * established sockets feed {@link TcpTransport} (framing, caps, timeouts, keep-alives,
 * connection reuse are the TCP transport's). TLS 1.2 and 1.3 only.
 *
 * Why `node:tls` and not `Deno.listenTls`: Deno 2.9's `ListenTlsOptions` cannot ask for
 * or verify a client certificate, and mutual TLS is how SBCs authenticate to recorders.
 * `node:tls` in Deno does (`requestCert`, `ca`, `rejectUnauthorized`), reports the peer
 * certificate, and swaps certificates for new handshakes with `setSecureContext`.
 *
 * Checks, in order: the source address at TCP accept (before any handshake work),
 * the handshake deadline, the chain against `caFile`, then the certificate's names
 * against `allowedPeerNames` (tls_peer.ts). A refused peer is closed, counted, and
 * logged at most once a minute per source and reason.
 */
import * as tls from "node:tls";
import type { Socket } from "node:net";
import type { Logger } from "../log.ts";
import { OncePer } from "./admission.ts";
import { certificateNames, peerNameAllowed } from "./tls_peer.ts";
import type { StreamConn, StreamListener } from "./transport_tcp.ts";
import { bindContext } from "../net/bind_error.ts";

/** Certificate material (PEM text). */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** CA bundle client certificates must chain to. */
  ca?: string;
}

/** `sip.tls` as the listener uses it. */
export interface TlsListenOptions {
  hostname: string;
  port: number;
  material: TlsMaterial;
  verifyClient: "none" | "optional" | "required";
  allowedPeerNames: readonly string[];
  /** A handshake not finished after this long is dropped (`sip.tcp.headerTimeoutSeconds`). */
  handshakeTimeoutMs: number;
  /** Source check at TCP accept (`sip.allowFrom`). */
  admit?: (hostname: string) => boolean;
  /** Handshakes in progress beyond this are closed at accept. */
  maxPendingHandshakes?: number;
  log?: Logger;
}

/** Counters of the TLS listener. */
export interface TlsStats {
  handshakes: number;
  /** Handshakes that failed: protocol version, no/unverifiable client certificate, timeout. */
  handshakeFailures: number;
  /** Verified certificates whose names are not in `allowedPeerNames`. */
  refusedPeerName: number;
  /** Closed at TCP accept: source not allowed or too many handshakes in progress. */
  refusedAtAccept: number;
  reloads: number;
}

const HIGH_WATER = 256 * 1024;

/** A `node:tls` server seen as a {@link StreamListener} of verified connections. */
export class TlsListener implements StreamListener {
  readonly addr: Deno.NetAddr;
  #server: tls.Server;
  #opts: TlsListenOptions;
  #ready: TlsSocketConn[] = [];
  #waiting: { resolve: (c: StreamConn) => void; reject: (e: Error) => void }[] = [];
  #closed = false;
  /** Raw connections whose handshake has not finished, by `address:port`. */
  #pending = new Set<string>();
  #notices = new OncePer(60_000, () => performance.now());
  #stats: TlsStats = {
    handshakes: 0,
    handshakeFailures: 0,
    refusedPeerName: 0,
    refusedAtAccept: 0,
    reloads: 0,
  };

  private constructor(server: tls.Server, opts: TlsListenOptions, addr: Deno.NetAddr) {
    this.#server = server;
    this.#opts = opts;
    this.addr = addr;
  }

  /** Bind and listen; rejects when the port cannot be bound. */
  static async open(opts: TlsListenOptions): Promise<TlsListener> {
    const server = tls.createServer({
      ...secureOptions(opts.material),
      minVersion: "TLSv1.2",
      requestCert: opts.verifyClient !== "none",
      rejectUnauthorized: opts.verifyClient === "required",
      handshakeTimeout: opts.handshakeTimeoutMs,
    });
    await new Promise<void>((resolve, reject) => {
      server.once(
        "error",
        (err) => reject(bindContext(err, "SIP", "TLS", opts.hostname, opts.port)),
      );
      server.listen(opts.port, opts.hostname, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const a = server.address() as { address: string; port: number };
    const listener = new TlsListener(server, opts, {
      transport: "tcp",
      hostname: a.address,
      port: a.port,
    });
    listener.#wire();
    return listener;
  }

  #wire(): void {
    const s = this.#server;
    s.on("connection", (raw: Socket) => this.#onTcp(raw));
    s.on("secureConnection", (sock: tls.TLSSocket) => this.#onSecure(sock));
    s.on("tlsClientError", (error: Error, sock: tls.TLSSocket) => {
      this.#pending.delete(`${sock.remoteAddress}:${sock.remotePort}`);
      this.#stats.handshakeFailures++;
      this.#refused(sock.remoteAddress ?? "?", "handshake failed", error.message);
    });
    s.on("error", (error: Error) => this.#opts.log?.warn("sip tls listener error", { error }));
  }

  #onTcp(raw: Socket): void {
    const host = raw.remoteAddress ?? "?";
    let reason: string | null = null;
    if (this.#opts.admit && !this.#opts.admit(host)) reason = "source not allowed";
    else if (this.#pending.size >= (this.#opts.maxPendingHandshakes ?? Infinity)) {
      reason = "too many handshakes in progress";
    }
    if (reason === null) {
      const key = `${host}:${raw.remotePort}`;
      this.#pending.add(key);
      raw.once("close", () => this.#pending.delete(key));
      return;
    }
    this.#stats.refusedAtAccept++;
    this.#refused(host, reason);
    raw.destroy();
  }

  #onSecure(sock: tls.TLSSocket): void {
    const host = sock.remoteAddress ?? "?";
    this.#pending.delete(`${host}:${sock.remotePort}`);
    const refusal = this.#verifyPeer(sock);
    if (refusal !== null) {
      this.#stats.refusedPeerName++;
      this.#refused(host, refusal.reason, refusal.detail);
      sock.destroy();
      return;
    }
    this.#stats.handshakes++;
    const conn = new TlsSocketConn(sock);
    if (this.#closed) return conn.close();
    const waiter = this.#waiting.shift();
    if (waiter) waiter.resolve(conn);
    else this.#ready.push(conn);
  }

  /** `optional`: no certificate is fine, a bad one is not; names when a list is set. */
  #verifyPeer(sock: tls.TLSSocket): { reason: string; detail: string } | null {
    const { verifyClient, allowedPeerNames } = this.#opts;
    if (verifyClient === "none") return null;
    const cert = sock.getPeerCertificate();
    const presented = cert !== null && cert !== undefined && Object.keys(cert).length > 0;
    if (!presented) return null; // `required` never gets here without one
    if (!sock.authorized) {
      return { reason: "client certificate not verified", detail: String(sock.authorizationError) };
    }
    if (allowedPeerNames.length === 0) return null;
    let names: string[];
    try {
      names = certificateNames(cert.subjectaltname, cert.subject?.CN);
    } catch {
      names = [];
    }
    if (peerNameAllowed(names, allowedPeerNames)) return null;
    return { reason: "peer name not in sip.tls.allowedPeerNames", detail: names.join(",") };
  }

  #refused(host: string, reason: string, detail?: string): void {
    const held = this.#notices.pass(`${host}|${reason}`);
    if (held === null) return;
    this.#opts.log?.warn("sip tls peer refused", {
      source: host,
      reason,
      detail,
      refusedSinceLastLine: held,
    });
  }

  accept(): Promise<StreamConn> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("TLS listener closed"));
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** New certificate and key (and CA) for new handshakes; open connections keep theirs. */
  reload(material: TlsMaterial): void {
    this.#server.setSecureContext(secureOptions(material));
    this.#stats.reloads++;
  }

  /** Counters since start. */
  stats(): TlsStats & { pendingHandshakes: number } {
    return { ...this.#stats, pendingHandshakes: this.#pending.size };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const c of this.#ready.splice(0)) c.close();
    for (const w of this.#waiting.splice(0)) w.reject(new Deno.errors.BadResource("closed"));
  }
}

function secureOptions(m: TlsMaterial): tls.SecureContextOptions {
  return m.ca === undefined ? { cert: m.cert, key: m.key } : { cert: m.cert, key: m.key, ca: m.ca };
}

/** A TLS socket read like a `Deno.Conn`: buffered chunks, paused past a high-water mark. */
class TlsSocketConn implements StreamConn {
  readonly remoteAddr: Deno.NetAddr;
  #sock: tls.TLSSocket;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(sock: tls.TLSSocket) {
    this.#sock = sock;
    this.remoteAddr = {
      transport: "tcp",
      hostname: (sock.remoteAddress ?? "").replace(/^::ffff:/, ""),
      port: sock.remotePort ?? 0,
    };
    sock.on("data", (d: Uint8Array) => {
      this.#chunks.push(d);
      this.#buffered += d.byteLength;
      if (this.#buffered > HIGH_WATER) sock.pause();
      this.#notify();
    });
    sock.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    sock.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
    sock.on("error", (error: Error) => {
      this.#error = error;
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async read(p: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    let n = 0;
    while (n < p.length && this.#chunks.length > 0) {
      const c = this.#chunks[0];
      const take = Math.min(c.byteLength, p.length - n);
      p.set(c.subarray(0, take), n);
      n += take;
      if (take === c.byteLength) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(take);
    }
    this.#buffered -= n;
    if (this.#buffered <= HIGH_WATER / 2 && this.#sock.isPaused()) this.#sock.resume();
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.#sock.destroyed) return reject(new Deno.errors.BrokenPipe("TLS socket closed"));
      this.#sock.write(p.slice(), (error) => error ? reject(error) : resolve(p.byteLength));
    });
  }

  close(): void {
    this.#sock.destroy();
    this.#ended = true;
    this.#notify();
  }
}
