/**
 * The web UI's front door: the TCP (or TLS) listener that browsers and API clients
 * connect to, with the limits `Deno.serve` lacks. `Deno.serve` keeps a connection whose
 * request headers never finish for ever (measured: 3,000 half-sent requests held open
 * for as long as their peer liked), so an idle or slow peer could take every descriptor
 * the box has, RTP sockets and recordings included.
 *
 * Each accepted connection is checked against a cap overall and per source address
 * (over it: closed at once, counted, one log line a minute per source and reason), then
 * relayed byte for byte to the HTTP server, which listens on a loopback port. The front
 * closes a connection whose first request's headers are not complete within
 * `headerTimeoutMs` (which also bounds a TLS handshake) or that grows past
 * `maxHeaderBytes` first, and any connection with no bytes either way for `idleMs`.
 *
 * The HTTP server sees the front's loopback connection, not the client: {@link
 * HttpFront.peerOf} maps the local port of that connection back to the client's
 * address, so audit rows and refusals still name the real peer, and a request that did
 * not come through the front can be refused.
 */
import type { Logger } from "./log.ts";
import { type AcceptLoop, runAcceptLoop } from "./sip/accept_backoff.ts";
import { OncePer } from "./sip/admission.ts";

const READ_BYTES = 65_536;
const CRLFCRLF = [0x0d, 0x0a, 0x0d, 0x0a];

/** Connection limits (`http.limits.*`). */
export interface HttpFrontLimits {
  maxConnections: number;
  maxConnectionsPerSource: number;
  /** The first request's headers (and the TLS handshake) must be in within this. */
  headerTimeoutMs: number;
  /** ...and no larger than this. */
  maxHeaderBytes: number;
  /** Close a connection with no bytes in either direction for this long. */
  idleMs: number;
}

/** Counters since start (`/metrics`). */
export interface HttpFrontStats {
  connections: number;
  accepted: number;
  refusedOverLimit: number;
  headerTimeouts: number;
  headerTooLarge: number;
  idleTimeouts: number;
  acceptErrors: number;
}

interface Relay {
  client: Deno.Conn;
  upstream: Deno.Conn | null;
  source: string;
  openedAt: number;
  lastActivity: number;
  headersDone: boolean;
  closed: boolean;
}

/** Where the HTTP server listens (loopback). */
export type Upstream = () => { hostname: string; port: number };

/** Accepts on `listener`, applies the limits, relays to the upstream HTTP server. */
export class HttpFront {
  #listener: Deno.Listener;
  #upstream: Upstream;
  #limits: HttpFrontLimits;
  #log: Logger | undefined;
  #relays = new Set<Relay>();
  #perSource = new Map<string, number>();
  #peers = new Map<number, Deno.NetAddr>();
  #notices = new OncePer(60_000, () => performance.now());
  #stats = {
    accepted: 0,
    refusedOverLimit: 0,
    headerTimeouts: 0,
    headerTooLarge: 0,
    idleTimeouts: 0,
    acceptErrors: 0,
  };
  #closed = false;
  #sweep: ReturnType<typeof setInterval>;
  #accepting: AcceptLoop;
  #tasks = new Set<Promise<void>>();

  constructor(listener: Deno.Listener, upstream: Upstream, limits: HttpFrontLimits, log?: Logger) {
    this.#listener = listener;
    this.#upstream = upstream;
    this.#limits = limits;
    this.#log = log;
    const every = Math.min(limits.idleMs, limits.headerTimeoutMs) / 4;
    this.#sweep = setInterval(() => this.#expire(), Math.max(50, Math.min(1000, every)));
    this.#accepting = runAcceptLoop({
      accept: () => this.#listener.accept(),
      admit: (conn) => this.#admit(conn),
      closed: () => this.#closed,
      failed: (error, first, outOfDescriptors) => {
        this.#stats.acceptErrors++;
        if (first) {
          this.#log?.error("web UI listener failed; accepting again with backoff", {
            error,
            outOfDescriptors,
          });
        }
      },
      recovered: (burst) =>
        this.#log?.warn("web UI listener recovered", { ...burst, port: this.port }),
      backoff: { minMs: 50, maxMs: 2000 },
    });
  }

  /** The port the front listens on. */
  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  /** The client behind the front's upstream connection from local port `port`. */
  peerOf(port: number): Deno.NetAddr | undefined {
    return this.#peers.get(port);
  }

  /** Counters since start. */
  stats(): HttpFrontStats {
    return { connections: this.#relays.size, ...this.#stats };
  }

  /** Stops accepting and closes every relayed connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#accepting.wake();
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const r of this.#relays) this.#end(r);
    await this.#accepting.done;
    await Promise.allSettled([...this.#tasks]);
  }

  #admit(client: Deno.Conn): void {
    const source = (client.remoteAddr as Deno.NetAddr).hostname;
    let refusal: string | null = null;
    if (this.#relays.size >= this.#limits.maxConnections) {
      refusal = `at http.limits.maxConnections (${this.#limits.maxConnections})`;
    } else if ((this.#perSource.get(source) ?? 0) >= this.#limits.maxConnectionsPerSource) {
      refusal = `at http.limits.maxConnectionsPerSource (${this.#limits.maxConnectionsPerSource})`;
    }
    if (refusal !== null) {
      this.#stats.refusedOverLimit++;
      const held = this.#notices.pass(`${source}|${refusal}`);
      if (held !== null) {
        this.#log?.warn("web UI connection refused", {
          source,
          reason: refusal,
          refusedSinceLastLine: held,
        });
      }
      closeQuietly(client);
      return;
    }
    this.#stats.accepted++;
    const now = performance.now();
    const relay: Relay = {
      client,
      upstream: null,
      source,
      openedAt: now,
      lastActivity: now,
      headersDone: false,
      closed: false,
    };
    this.#relays.add(relay);
    this.#perSource.set(source, (this.#perSource.get(source) ?? 0) + 1);
    const task = this.#serve(relay).finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
  }

  async #serve(relay: Relay): Promise<void> {
    let upstreamPort = 0;
    try {
      const upstream = await Deno.connect({ ...this.#upstream(), transport: "tcp" });
      relay.upstream = upstream;
      upstreamPort = (upstream.localAddr as Deno.NetAddr).port;
      this.#peers.set(upstreamPort, relay.client.remoteAddr as Deno.NetAddr);
      if (relay.closed) return;
      await Promise.all([
        this.#pump(relay, relay.client, upstream, true),
        this.#pump(relay, upstream, relay.client, false),
      ]);
    } catch {
      // a reset or a refused upstream ends this connection only
    } finally {
      this.#end(relay);
      if (upstreamPort) this.#peers.delete(upstreamPort);
    }
  }

  /** Copies `from` to `to`; the client's side also watches for the first header end. */
  async #pump(relay: Relay, from: Deno.Conn, to: Deno.Conn, fromClient: boolean): Promise<void> {
    const buf = new Uint8Array(READ_BYTES);
    let seen = 0; // bytes of CRLFCRLF matched so far, across reads
    let headerBytes = 0;
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        relay.lastActivity = performance.now();
        if (fromClient && !relay.headersDone) {
          for (let i = 0; i < n && !relay.headersDone; i++) {
            seen = buf[i] === CRLFCRLF[seen] ? seen + 1 : (buf[i] === 0x0d ? 1 : 0);
            if (seen === 4) relay.headersDone = true;
          }
          headerBytes += n;
          if (!relay.headersDone && headerBytes > this.#limits.maxHeaderBytes) {
            this.#stats.headerTooLarge++;
            break;
          }
        }
        await writeAll(to, buf.subarray(0, n));
      }
    } catch {
      // either side went away
    }
    if (fromClient && !relay.closed) {
      // The client finished sending: let the response finish, then the upstream closes.
      await to.closeWrite().catch(() => this.#end(relay));
      return;
    }
    this.#end(relay);
  }

  #end(relay: Relay): void {
    if (relay.closed) return;
    relay.closed = true;
    closeQuietly(relay.client);
    if (relay.upstream) closeQuietly(relay.upstream);
    this.#relays.delete(relay);
    const left = (this.#perSource.get(relay.source) ?? 1) - 1;
    if (left > 0) this.#perSource.set(relay.source, left);
    else this.#perSource.delete(relay.source);
  }

  #expire(): void {
    const now = performance.now();
    for (const r of this.#relays) {
      if (!r.headersDone && now - r.openedAt > this.#limits.headerTimeoutMs) {
        this.#stats.headerTimeouts++;
        this.#end(r);
      } else if (now - r.lastActivity > this.#limits.idleMs) {
        this.#stats.idleTimeouts++;
        this.#end(r);
      }
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
