/**
 * One timer-driven loop paces every RTP leg of every simulated call: each tick sends
 * all packets that are due by the wall clock (catching up in a burst if the loop ran
 * late) and records how late each went out. A per-packet or per-call timer would
 * cost far more at 500 calls × 2 legs × 50 packets/s. SRTP legs are written into
 * buffers the pacer keeps and protected there in place (no allocation per packet); packets
 * are built chunk by chunk as they go out, so a late loop's burst needs no more buffers
 * than one chunk.
 */
import { serializeRtpPacket } from "../rtp/packet.ts";
import { SRTP_OK } from "../rtp/srtp_ffi.ts";
import { FRAME_SAMPLES, frameOf } from "./audio.ts";
import { LatenessHistogram } from "./lateness.ts";

/** Milliseconds of audio in one packet. */
export const PACKET_MS = 20;

/** Where a leg's packets go, and through which socket of the pool. */
export interface LegTarget {
  hostname: string;
  port: number;
}

/**
 * Outbound SRTP session of a leg (RFC 3711 §3.3): srtp_cm_sender.ts's SrtpCmSender for the
 * AES-CM suites, libsrtp's SrtpContext for GCM. `protect` works in place, returns libsrtp's
 * status (0 is OK) and leaves the SRTP length in `length`.
 */
export interface LegSrtp {
  protect(buf: Uint8Array, len: number): number;
  readonly length: number;
  close(): void;
}

/** One RTP stream the client sends (RFC 3550 §5.1 header fields included). */
export interface Leg {
  /** Destination; null while the SRS refused the stream (port 0). */
  target: LegTarget | null;
  /** Index into the pacer's socket pool. */
  socket: number;
  payloadType: number;
  ssrc: number;
  seq: number;
  timestamp: number;
  clip: Uint8Array;
  frame: number;
  /** Payload bytes of one 20 ms packet of `clip` (160 for G.711 and G.722, 20 for G.729). */
  frameBytes?: number;
  /** Outbound SRTP session of an SRTP leg, null for plain RTP. */
  srtp: LegSrtp | null;
  /** Packets still to send (counting paused slots). */
  remaining: number;
  /** performance.now() time the next packet is due. */
  nextDue: number;
  paused: boolean;
  /** Marker bit on the next packet (first packet, first after a pause; RFC 3551 §4.1). */
  marker: boolean;
  sent: number;
  /** Slots skipped while paused (timestamp advanced, nothing sent). */
  skipped: number;
  sendErrors: number;
  /** Packets the SRTP session refused to protect (not sent). */
  protectErrors: number;
  maxLateMs: number;
  /** Resolved when `remaining` reaches 0 or the leg is stopped. */
  done: Promise<void>;
  finish(): void;
}

/** Fields to create a leg with; the rest start at zero. */
export type LegInit =
  & Pick<
    Leg,
    | "target"
    | "socket"
    | "payloadType"
    | "ssrc"
    | "seq"
    | "timestamp"
    | "clip"
    | "frame"
    | "remaining"
  >
  & Partial<Pick<Leg, "srtp" | "frameBytes">>;

/** Creates a leg due to send its first packet at `start`. */
export function createLeg(init: LegInit, start: number): Leg {
  let finish = () => {};
  const done = new Promise<void>((r) => finish = r);
  return {
    srtp: null,
    ...init,
    nextDue: start,
    paused: false,
    marker: true,
    sent: 0,
    skipped: 0,
    sendErrors: 0,
    protectErrors: 0,
    maxLateMs: 0,
    done,
    finish,
  };
}

/**
 * Concurrent sends per await. Thousands of pending send ops make each one slower (the
 * runtime polls them all), so a late loop that bursts everything at once collapses.
 */
export const SEND_CHUNK = 128;

/** A packet due: the leg's header fields and frame when it fell due (built at send time). */
interface Due {
  leg: Leg;
  target: LegTarget;
  due: number;
  seq: number;
  timestamp: number;
  frame: number;
  marker: boolean;
}

/** RTP fixed header length (RFC 3550 §5.1). */
const RTP_HEADER = 12;
/** Largest SRTP trailer: a 16-byte GCM tag (RFC 7714 §5.1); HMAC-SHA1-80 adds 10. */
const SRTP_TAG_ROOM = 16;
const SRTP_BUFFER_BYTES = 1500;

/**
 * Sends one datagram through socket `socket` of the pool. SRTP `bytes` live in a buffer
 * the pacer reuses for a later chunk: they are valid until the returned promise settles.
 */
export type SendFn = (bytes: Uint8Array, socket: number, to: LegTarget) => Promise<unknown>;

/**
 * The pacing loop. {@link RtpPacer.tick} is I/O-free apart from `send`, and the clock
 * is injected, so tests drive it directly.
 */
export class RtpPacer {
  readonly lateness = new LatenessHistogram();
  #legs = new Set<Leg>();
  #send: SendFn;
  #clock: () => number;
  #running = false;
  #loop: Promise<void> | null = null;
  #ticks = 0;
  /** SRTP packet buffers, one per send of a chunk: a chunk settles before the next. */
  #buffers: Uint8Array[] = [];

  constructor(send: SendFn, clock: () => number = () => performance.now()) {
    this.#send = send;
    this.#clock = clock;
  }

  /** Legs currently paced. */
  get size(): number {
    return this.#legs.size;
  }

  /** Loop iterations so far. */
  get ticks(): number {
    return this.#ticks;
  }

  /** Start pacing a leg. */
  add(leg: Leg): void {
    if (leg.remaining <= 0) return leg.finish();
    this.#legs.add(leg);
  }

  /** Stop a leg early (remote BYE, failure). */
  stop(leg: Leg): void {
    if (this.#legs.delete(leg)) leg.finish();
  }

  /**
   * Send every packet due by the clock, in chunks of {@link SEND_CHUNK} concurrent
   * sends; lateness is taken when each chunk goes out. Resolves when all are sent.
   */
  async tick(): Promise<void> {
    this.#ticks++;
    const now = this.#clock();
    const due: Due[] = [];
    const finished: Leg[] = [];
    for (const leg of this.#legs) {
      while (leg.remaining > 0 && leg.nextDue <= now) {
        const d = this.#next(leg);
        if (d) due.push(d);
      }
      if (leg.remaining <= 0) finished.push(leg);
    }
    for (let i = 0; i < due.length; i += SEND_CHUNK) {
      const chunk = due.slice(i, i + SEND_CHUNK);
      const at = this.#clock();
      await Promise.all(chunk.map((d, j) => {
        const bytes = this.#packet(d, j);
        if (bytes === null) return;
        const late = at - d.due;
        this.lateness.record(late);
        if (late > d.leg.maxLateMs) d.leg.maxLateMs = late;
        return this.#send(bytes, d.leg.socket, d.target).catch(() => d.leg.sendErrors++);
      }));
    }
    // A leg is done (and its call may send BYE) only once its last packet went out.
    for (const leg of finished) this.stop(leg);
  }

  /** The leg's next packet slot (null when paused or refused); advances the leg. */
  #next(leg: Leg): Due | null {
    let out: Due | null = null;
    if (leg.paused || leg.target === null) {
      leg.skipped++;
      leg.marker = true;
    } else {
      out = {
        leg,
        target: leg.target,
        due: leg.nextDue,
        seq: leg.seq,
        timestamp: leg.timestamp,
        frame: leg.frame,
        marker: leg.marker,
      };
      leg.marker = false;
      leg.seq = (leg.seq + 1) & 0xffff;
      leg.sent++;
    }
    leg.timestamp = (leg.timestamp + FRAME_SAMPLES) >>> 0;
    leg.frame++;
    leg.remaining--;
    leg.nextDue += PACKET_MS;
    return out;
  }

  /**
   * The packet of `d`, the `slot`-th send of its chunk; null when its leg was stopped
   * since the tick began (its SRTP session may be closed) or SRTP refused it.
   */
  #packet(d: Due, slot: number): Uint8Array | null {
    const leg = d.leg;
    if (!this.#legs.has(leg)) return null;
    if (leg.srtp) return this.#protected(d, leg.srtp, slot);
    return serializeRtpPacket({
      payloadType: leg.payloadType,
      sequenceNumber: d.seq,
      timestamp: d.timestamp,
      ssrc: leg.ssrc,
      marker: d.marker,
      payload: frameOf(leg.clip, d.frame, leg.frameBytes),
    });
  }

  /**
   * The packet of `d` written into pooled buffer `slot` and SRTP-protected in place
   * (RFC 3711 §3.3); null (counted) when the SRTP session refuses it.
   */
  #protected(d: Due, srtp: LegSrtp, slot: number): Uint8Array | null {
    const leg = d.leg;
    const buf = this.#buffers[slot] ??= new Uint8Array(SRTP_BUFFER_BYTES);
    const payload = frameOf(leg.clip, d.frame, leg.frameBytes);
    const len = RTP_HEADER + payload.length;
    if (len + SRTP_TAG_ROOM > buf.length) {
      leg.protectErrors++;
      return null;
    }
    buf[0] = 0x80; // V=2, no padding, extension or CSRC
    buf[1] = (d.marker ? 0x80 : 0) | (leg.payloadType & 0x7f);
    buf[2] = (d.seq >> 8) & 0xff;
    buf[3] = d.seq & 0xff;
    writeUint32(buf, 4, d.timestamp);
    writeUint32(buf, 8, leg.ssrc);
    buf.set(payload, RTP_HEADER);
    if (srtp.protect(buf, len) !== SRTP_OK) {
      leg.protectErrors++;
      return null;
    }
    return buf.subarray(0, srtp.length);
  }

  /** Run the loop every `tickMs` of wall clock (≥ 1 ms apart) until {@link RtpPacer.close}. */
  start(tickMs = 5): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        const started = this.#clock();
        await this.tick();
        // Sleep what is left of the period: a busy tick shortens the wait, not the rate.
        const wait = Math.max(1, started + tickMs - this.#clock());
        await new Promise((r) => setTimeout(r, wait));
      }
    })();
  }

  /** Stop the loop and every leg. */
  async close(): Promise<void> {
    this.#running = false;
    await this.#loop;
    for (const leg of [...this.#legs]) this.stop(leg);
  }
}

function writeUint32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = (v >>> 24) & 0xff;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}
