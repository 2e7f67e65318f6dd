/**
 * One timer-driven loop paces every RTP leg of every simulated call: each tick sends
 * all packets that are due by the wall clock (catching up in a burst if the loop ran
 * late) and records how late each went out. A per-packet or per-call timer would
 * cost far more at 500 calls × 2 legs × 50 packets/s.
 */
import { serializeRtpPacket } from "../rtp/packet.ts";
import { FRAME_SAMPLES, frameOf } from "./audio.ts";
import { LatenessHistogram } from "./lateness.ts";

/** Milliseconds of audio in one packet. */
export const PACKET_MS = 20;

/** Where a leg's packets go, and through which socket of the pool. */
export interface LegTarget {
  hostname: string;
  port: number;
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
  maxLateMs: number;
  /** Resolved when `remaining` reaches 0 or the leg is stopped. */
  done: Promise<void>;
  finish(): void;
}

/** Fields to create a leg with; the rest start at zero. */
export type LegInit = Pick<
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
>;

/** Creates a leg due to send its first packet at `start`. */
export function createLeg(init: LegInit, start: number): Leg {
  let finish = () => {};
  const done = new Promise<void>((r) => finish = r);
  return {
    ...init,
    nextDue: start,
    paused: false,
    marker: true,
    sent: 0,
    skipped: 0,
    sendErrors: 0,
    maxLateMs: 0,
    done,
    finish,
  };
}

/** Sends one datagram through socket `socket` of the pool. */
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

  /** Send every packet due by the clock; resolves when the sends complete. */
  tick(): Promise<unknown> {
    this.#ticks++;
    const sends: Promise<unknown>[] = [];
    for (const leg of this.#legs) {
      const now = this.#clock(); // per leg: lateness includes time spent on earlier legs
      if (leg.nextDue > now) continue;
      while (leg.remaining > 0 && leg.nextDue <= now) {
        const p = this.#packet(leg, now);
        if (p) sends.push(p);
      }
      if (leg.remaining <= 0) this.stop(leg);
    }
    return sends.length === 0 ? Promise.resolve() : Promise.all(sends);
  }

  #packet(leg: Leg, now: number): Promise<unknown> | null {
    const payload = frameOf(leg.clip, leg.frame);
    let out: Promise<unknown> | null = null;
    if (leg.paused || leg.target === null) {
      leg.skipped++;
      leg.marker = true;
    } else {
      const bytes = serializeRtpPacket({
        payloadType: leg.payloadType,
        sequenceNumber: leg.seq,
        timestamp: leg.timestamp,
        ssrc: leg.ssrc,
        marker: leg.marker,
        payload,
      });
      const late = now - leg.nextDue;
      this.lateness.record(late);
      if (late > leg.maxLateMs) leg.maxLateMs = late;
      leg.marker = false;
      leg.seq = (leg.seq + 1) & 0xffff;
      leg.sent++;
      out = this.#send(bytes, leg.socket, leg.target).catch(() => leg.sendErrors++);
    }
    leg.timestamp = (leg.timestamp + FRAME_SAMPLES) >>> 0;
    leg.frame++;
    leg.remaining--;
    leg.nextDue += PACKET_MS;
    return out;
  }

  /** Run the loop every `tickMs` of wall clock until {@link RtpPacer.close}. */
  start(tickMs = 5): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        await this.tick();
        await new Promise((r) => setTimeout(r, tickMs));
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
