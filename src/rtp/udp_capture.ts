/**
 * Thin UDP adapter: one socket for an RTP port and one for RTCP on port + 1. Each socket
 * loops on `await conn.receive(buf)` into one preallocated buffer (`for await` allocates
 * per packet) and hands bytes and arrival time to a synchronous callback. Packets from
 * sources the stream's {@link SourceFilter} refuses are counted as foreign and dropped;
 * among accepted sources it latches to the first one. Datagrams longer than
 * {@link MAX_DATAGRAM_BYTES} are counted as oversize and dropped, never truncated. Never
 * throws out of the loop: handler errors are counted.
 */
import type { SourceFilter } from "./source_policy.ts";
import { bindContext } from "../net/bind_error.ts";

/** Receives one datagram. `bytes` is only valid during the call: copy to keep it. */
export type DatagramHandler = (bytes: Uint8Array, arrivalMs: number, from: Deno.NetAddr) => void;

/** Settings for {@link UdpCapture.open}. */
export interface UdpCaptureOptions {
  /** Even RTP port; RTCP is bound on port + 1 unless `rtcp` is false. */
  port: number;
  hostname?: string;
  rtcp?: boolean;
  onRtp: DatagramHandler;
  onRtcp?: DatagramHandler;
  /** Arrival clock in ms; default `performance.now() + performance.timeOrigin`. */
  now?: () => number;
  /** Drop packets from addresses other than the first one seen; default true. */
  latch?: boolean;
  /** Sources allowed to send (see source_policy.ts); default any (then latched). */
  sources?: SourceFilter | null;
}

/** Counters from {@link UdpCapture.toJSON}. */
export interface UdpCaptureStats {
  packets: number;
  bytes: number;
  rtcpPackets: number;
  /** Dropped: from a source the policy refuses, or other than the latched one. */
  foreign: number;
  /** Dropped: longer than {@link MAX_DATAGRAM_BYTES}. */
  oversize: number;
  handlerErrors: number;
  receiveErrors: number;
  source: string | null;
}

/** The longest RTP or RTCP datagram accepted; longer ones are dropped, not truncated. */
export const MAX_DATAGRAM_BYTES = 2048;
/** One byte more than accepted: a datagram that fills it was longer (the rest is cut). */
const BUFFER_SIZE = MAX_DATAGRAM_BYTES + 1;
const FENCE_BYTES = 16;

/** Where a socket bound to `hostname` can be reached from this host. */
function loopbackFor(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::") return "::1";
  return hostname;
}
const wallClock = () => performance.timeOrigin + performance.now();

/** RTP (and RTCP) capture on one port pair. */
export class UdpCapture {
  readonly port: number;
  #conns: Deno.DatagramConn[] = [];
  #loops: Promise<void>[] = [];
  #closed = false;
  #latch: boolean;
  #sources: SourceFilter | null;
  #source: Deno.NetAddr | null = null;
  #rtcpSource: Deno.NetAddr | null = null;
  #now: () => number;
  #hostname: string;
  #fence: { token: Uint8Array; port: number; resolve: (ok: boolean) => void } | null = null;
  /** When the RTP loop last read a datagram (performance.now()), for drain's progress. */
  #lastRead = 0;
  #stats = {
    packets: 0,
    bytes: 0,
    rtcpPackets: 0,
    foreign: 0,
    oversize: 0,
    handlerErrors: 0,
    receiveErrors: 0,
  };

  private constructor(opts: UdpCaptureOptions) {
    this.port = opts.port;
    this.#latch = opts.latch ?? true;
    this.#sources = opts.sources ?? null;
    this.#now = opts.now ?? wallClock;
    this.#hostname = opts.hostname ?? "0.0.0.0";
  }

  /** Bind the sockets and start receiving. Throws (e.g. AddrInUse) when a bind fails. */
  static open(opts: UdpCaptureOptions): UdpCapture {
    const cap = new UdpCapture(opts);
    const hostname = opts.hostname ?? "0.0.0.0";
    let rtp: Deno.DatagramConn;
    try {
      rtp = Deno.listenDatagram({ transport: "udp", hostname, port: opts.port });
    } catch (e) {
      throw bindContext(e, "RTP", "UDP", hostname, opts.port);
    }
    cap.#conns.push(rtp);
    if (opts.rtcp ?? true) {
      try {
        cap.#conns.push(Deno.listenDatagram({ transport: "udp", hostname, port: opts.port + 1 }));
      } catch (e) {
        rtp.close();
        throw bindContext(e, "RTCP", "UDP", hostname, opts.port + 1);
      }
    }
    cap.#loops.push(cap.#loop(cap.#conns[0], false, opts.onRtp));
    if (cap.#conns[1]) cap.#loops.push(cap.#loop(cap.#conns[1], true, opts.onRtcp ?? (() => {})));
    return cap;
  }

  /**
   * Replaces the source filter (a re-offer moved the SRC's media). The latch is reset,
   * so the first accepted packet from the new source latches again.
   */
  setSources(sources: SourceFilter | null): void {
    this.#sources = sources;
    this.#source = null;
    this.#rtcpSource = null;
  }

  /** The latched RTP source address, once a packet arrived. */
  get source(): Deno.NetAddr | null {
    return this.#source;
  }

  /**
   * Resolves true once every datagram queued on the RTP socket before the call has been
   * handled: a fence datagram sent to the socket from a throwaway local socket comes
   * back through the same queue, behind them. Capture calls it before closing a stream,
   * so a busy receive loop loses nothing: a box running behind can hold seconds of audio
   * in a socket's queue. The deadline is on progress, not on the whole drain: false once
   * no datagram was read for `stallMs` (the fence was lost to a full queue, or the loop
   * is stuck), after `maxMs` in all, or when closed.
   */
  async drain(stallMs = 5000, maxMs = 60_000): Promise<boolean> {
    if (this.#closed) return false;
    const token = crypto.getRandomValues(new Uint8Array(FENCE_BYTES));
    token[0] = 0; // RTP version 0: never a media packet
    const host = loopbackFor(this.#hostname);
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const started = performance.now();
    this.#lastRead = started;
    const check = Math.max(10, Math.min(250, stallMs / 4));
    const timer = setInterval(() => {
      const now = performance.now();
      if (now - this.#lastRead >= stallMs || now - started >= maxMs) resolve(false);
    }, check);
    const sock = Deno.listenDatagram({ transport: "udp", hostname: host, port: 0 });
    try {
      this.#fence = { token, port: (sock.addr as Deno.NetAddr).port, resolve };
      await sock.send(token, { transport: "udp", hostname: host, port: this.port });
      return await promise;
    } catch {
      return false;
    } finally {
      sock.close();
      clearInterval(timer);
      this.#fence = null;
    }
  }

  /** Stop receiving and release both sockets. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#conns) c.close();
    await Promise.all(this.#loops);
  }

  /** Counters for stream stats and metrics. */
  toJSON(): UdpCaptureStats {
    const s = this.#source;
    return { ...this.#stats, source: s ? `${s.hostname}:${s.port}` : null };
  }

  async #loop(conn: Deno.DatagramConn, rtcp: boolean, handler: DatagramHandler): Promise<void> {
    const buf = new Uint8Array(BUFFER_SIZE);
    while (!this.#closed) {
      let bytes: Uint8Array;
      let from: Deno.NetAddr;
      try {
        const [b, addr] = await conn.receive(buf);
        bytes = b;
        from = addr as Deno.NetAddr;
      } catch {
        if (this.#closed) return;
        this.#stats.receiveErrors++;
        continue;
      }
      const arrival = this.#now();
      if (!rtcp) {
        if (this.#fence) this.#lastRead = performance.now();
        if (this.#isFence(bytes, from)) continue;
      }
      if (bytes.length > MAX_DATAGRAM_BYTES) {
        this.#stats.oversize++;
        continue;
      }
      if (!this.#accept(from, rtcp)) continue;
      if (rtcp) this.#stats.rtcpPackets++;
      else {
        this.#stats.packets++;
        this.#stats.bytes += bytes.length;
      }
      try {
        handler(bytes, arrival, from);
      } catch {
        this.#stats.handlerErrors++;
      }
    }
  }

  #isFence(bytes: Uint8Array, from: Deno.NetAddr): boolean {
    const f = this.#fence;
    if (!f || from.port !== f.port || bytes.length !== FENCE_BYTES) return false;
    for (let i = 0; i < FENCE_BYTES; i++) if (bytes[i] !== f.token[i]) return false;
    f.resolve(true);
    return true;
  }

  #accept(from: Deno.NetAddr, rtcp: boolean): boolean {
    if (this.#sources && !this.#sources.accepts(from, rtcp)) {
      this.#stats.foreign++;
      return false;
    }
    const latched = rtcp ? this.#rtcpSource : this.#source;
    if (!latched) {
      if (rtcp) this.#rtcpSource = from;
      else this.#source = from;
      return true;
    }
    if (!this.#latch || (latched.hostname === from.hostname && latched.port === from.port)) {
      return true;
    }
    this.#stats.foreign++;
    return false;
  }
}
