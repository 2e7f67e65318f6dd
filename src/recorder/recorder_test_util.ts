/**
 * Collaborators for the recorder's unit tests: a fake media engine that keeps what it
 * was told and reports each recording's pauses on the fake clock, a fake clock whose
 * timers fire as it is advanced, and a logger that keeps its lines. The store, the audit
 * log, channels, finalize and the decision path are the real ones.
 */
import type { LogFields, Logger } from "../log.ts";
import type { ClosedRecording, EncoderLoad } from "./media_engine.ts";
import type { CaptureStream, EncoderBacklog, FileSpec } from "./media_protocol.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import type { Timers } from "./timers.ts";

/** A clock that moves only when told; timers due by then fire in time order. */
export class FakeTimers implements Timers {
  #ms: number;
  #next = 1;
  #due = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.parse("2026-12-01T09:00:00Z")) {
    this.#ms = start;
  }

  now(): Date {
    return new Date(this.#ms);
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#due.set(id, { at: this.#ms + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: number): void {
    this.#due.delete(id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#due.size;
  }

  /** Moves the clock `ms` forward, firing each timer due on the way at its own time. */
  advance(ms: number): void {
    const end = this.#ms + ms;
    for (;;) {
      const next = [...this.#due].filter(([, t]) =>
        t.at <= end
      ).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) {
        break;
      }
      this.#due.delete(next[0]);
      this.#ms = next[1].at;
      next[1].fn();
    }
    this.#ms = end;
  }
}

/** One line the memory logger kept. */
export interface LogLine {
  level: string;
  msg: string;
  fields?: LogFields;
}

/** A logger that keeps its lines in `lines`. */
export function memoryLog(lines: LogLine[]): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) =>
    void lines.push({ level, msg, fields });
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => log,
  };
  return log;
}

/** A recording the fake engine has open (or had). */
export interface FakeRecording {
  streams: CaptureStream[];
  file: FileSpec;
  openedAt: number;
  pauses: { startMs: number; endMs: number | null }[];
  /** Stream keys that have "sent" a packet. */
  media: Set<string>;
  closed: boolean;
}

/** Media engine fake: no workers, sockets or files; remembers every call made to it. */
export class FakeEngine implements RecorderEngine {
  onMedia: (rec: string, key: string) => void = () => {};
  onIdle: (rec: string, silentMs: number) => void = () => {};
  onFileError: (rec: string, error: string, code?: string) => void = () => {};
  onBacklog: (backlog: EncoderBacklog[]) => void = () => {};
  readonly backend = "fake";
  /** Every call, in order, as `"<method> <rec>"`. */
  readonly calls: string[] = [];
  readonly recordings = new Map<string, FakeRecording>();
  /** When set, `open()` rejects with it (a port that cannot be bound). */
  failOpen: Error | null = null;
  #clock: FakeTimers;

  constructor(clock: FakeTimers) {
    this.#clock = clock;
  }

  #rec(rec: string): FakeRecording {
    const r = this.recordings.get(rec);
    if (!r) throw new Error(`Fake engine has no recording "${rec}"`);
    return r;
  }

  #ms(rec: string): number {
    return this.#clock.now().getTime() - this.#rec(rec).openedAt;
  }

  open(rec: string, streams: CaptureStream[], file: FileSpec): Promise<number[]> {
    this.calls.push(`open ${rec}`);
    if (this.failOpen) return Promise.reject(this.failOpen);
    const openedAt = this.#clock.now().getTime();
    this.recordings.set(rec, {
      streams,
      file,
      openedAt,
      pauses: [],
      media: new Set(),
      closed: false,
    });
    return Promise.resolve(streams.map((s) => s.port));
  }

  update(rec: string, streams: CaptureStream[]): void {
    this.calls.push(`update ${rec}`);
    this.#rec(rec).streams = streams;
  }

  pause(rec: string): void {
    this.calls.push(`pause ${rec}`);
    this.#rec(rec).pauses.push({ startMs: this.#ms(rec), endMs: null });
  }

  resume(rec: string): void {
    this.calls.push(`resume ${rec}`);
    const open = this.#rec(rec).pauses.at(-1);
    if (open && open.endMs === null) open.endMs = this.#ms(rec);
  }

  /** The first packet of stream `key` arrives (what the capture worker reports). */
  media(rec: string, key: string): void {
    this.#rec(rec).media.add(key);
    this.onMedia(rec, key);
  }

  close(rec: string): Promise<ClosedRecording> {
    this.calls.push(`close ${rec}`);
    return Promise.resolve(this.#closed(rec));
  }

  /** Ends `rec` now and goes on as `next` (same streams and media; a running pause goes on). */
  roll(rec: string, next: string, file: FileSpec): Promise<ClosedRecording> {
    this.calls.push(`roll ${rec} ${next}`);
    const r = this.#rec(rec);
    const running = r.pauses.at(-1)?.endMs === null;
    const closed = this.#closed(rec);
    for (const p of closed.report.pauses) p.endMs ??= closed.report.emittedMs;
    this.recordings.set(next, {
      streams: r.streams,
      file,
      openedAt: this.#clock.now().getTime(),
      pauses: running ? [{ startMs: 0, endMs: null }] : [],
      media: new Set(r.media),
      closed: false,
    });
    return Promise.resolve(closed);
  }

  #closed(rec: string): ClosedRecording {
    const r = this.#rec(rec);
    r.closed = true;
    const durationMs = this.#ms(rec);
    const streams: ClosedRecording["report"]["streams"] = {};
    for (const s of r.streams) {
      const received = r.media.has(s.key) ? Math.round(durationMs / 20) : 0;
      streams[s.key] = {
        received,
        expected: received,
        lost: 0,
        duplicated: 0,
        reordered: 0,
        jitter: 0,
        jitterMs: 0,
        comfortNoise: 0,
        telephoneEvents: 0,
        ssrcChanges: 0,
        firstPacketMs: null,
        lastPacketMs: null,
        badPackets: 0,
        channel: s.channel,
        unknownPayload: 0,
        codecs: r.media.has(s.key) ? ["PCMU"] : [],
        undecodable: 0,
        concealedSamples: 0,
        firstPacketAt: null,
        lastPacketAt: null,
      };
    }
    return {
      report: {
        rec,
        sampleRate: 8000,
        streams,
        timeline: { placedSamples: 0, lateDropped: 0, aheadDropped: 0, reanchors: 0 },
        gaps: [],
        pauses: r.pauses.map((p) => ({ ...p })),
        emittedMs: durationMs,
        backlog: { queuedMs: 0, journaledMs: 0, spills: 0, maxMs: 0 },
      },
      file: { ok: true, path: r.file.path, sha256: "f".repeat(64), bytes: 1000, durationMs },
    };
  }

  abandon(rec: string): void {
    this.calls.push(`abandon ${rec}`);
  }

  encoderLoad(): EncoderLoad[] {
    return [];
  }

  backlog(): EncoderBacklog[] {
    return [];
  }

  stop(): void {
    this.calls.push("stop");
  }
}
