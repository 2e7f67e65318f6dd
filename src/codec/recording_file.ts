/**
 * Crash-safe recording files. Audio goes to `<name>.partial`: Ogg pages at least every
 * `pageIntervalMs` (1 s), fdatasync at least every `syncIntervalMs` (2 s). `finish()`
 * writes the EOS page (or fixes the WAV header), fsyncs, hashes, renames and fsyncs the
 * directory. `recoverPartial()` closes a file left behind by a crash so it still plays.
 *
 * A full disk (or an I/O error) stalls a file instead of failing it: its pages wait in
 * memory and `tick()` retries them. Only when the shared {@link WriteBudget} is full is
 * new audio dropped; it comes back as silence of the same length once the disk takes
 * writes again, and is reported in `lostSpans`, so a recording is never silently short.
 *
 * Closing a `.partial` left by a crash is in recording_recovery.ts (re-exported here).
 */
import { type AppendTarget, DurableAppender } from "./_durable_file.ts";
import { OggOpusWriter, type OggOpusWriterOptions } from "./opus_ogg_writer.ts";
import { encodeWavHeader, wavHeaderLength, type WavParams } from "./wav.ts";
import type { WriteBudget } from "./write_errors.ts";
import { LossLog, type LostSpan } from "./_loss_log.ts";

export type { LostSpan } from "./_loss_log.ts";
export type { AppendTarget } from "./_durable_file.ts";
export { planRecovery, recoverPartial, type RecoveryPlan } from "./recording_recovery.ts";

/** Clock and durability settings shared by both file kinds. */
export interface DurabilityOptions {
  /** Milliseconds clock (default `Date.now`); injected in tests. */
  now?: () => number;
  /** Longest wall-clock time between Ogg page writes; default 1000. */
  pageIntervalMs?: number;
  /** Longest time between fdatasync calls while data is pending; default 2000. */
  syncIntervalMs?: number;
  /** Bytes that may wait in memory for the disk, shared across files; default unbounded. */
  budget?: WriteBudget;
  /** Wraps the opened file (fault injection in tests). */
  wrapFile?: (file: Deno.FsFile) => AppendTarget;
  /**
   * A layer the file's bytes go through on their way to the durable file (encryption at
   * rest: src/seal's SealedAppender), given the durable file and the length of the
   * header the writer may patch later (WAV; 0 for Ogg).
   */
  layer?: (out: FileAppender, info: { headBytes: number }) => Promise<FileAppender>;
}

/** The append-only durable file a recording writes through ({@link DurableAppender}'s shape). */
export type FileAppender = Pick<
  DurableAppender,
  | "partialPath"
  | "size"
  | "pendingBytes"
  | "stalled"
  | "stallError"
  | "stalls"
  | "append"
  | "retry"
  | "syncIfDue"
  | "patch"
  | "commit"
  | "close"
>;

async function openOut(
  finalPath: string,
  opts: DurabilityOptions,
  headBytes: number,
): Promise<FileAppender> {
  const out = await DurableAppender.create(
    finalPath,
    opts.now ?? Date.now,
    opts.syncIntervalMs ?? 2000,
    appenderExtras(opts),
  );
  return opts.layer ? await opts.layer(out, { headBytes }) : out;
}

/** A finished (or recovered) recording on disk. */
export interface FinishedRecording {
  path: string;
  sha256: string;
  bytes: number;
  durationMs: number;
  /** Audio dropped because the disk was full and the write budget ran out (stored as silence). */
  lostSpans?: LostSpan[];
}

function appenderExtras(opts: DurabilityOptions) {
  return {
    ...(opts.budget ? { budget: opts.budget } : {}),
    ...(opts.wrapFile ? { wrap: opts.wrapFile } : {}),
  };
}

/** Stereo Ogg Opus recording file on top of {@link OggOpusWriter}. */
export class OpusRecordingFile {
  #out: FileAppender;
  #writer: OggOpusWriter;
  #now: () => number;
  #pageIntervalMs: number;
  #lastPage: number;
  #budget: WriteBudget | null;
  #lost = new LossLog();

  private constructor(out: FileAppender, writer: OggOpusWriter, opts: DurabilityOptions) {
    this.#out = out;
    this.#writer = writer;
    this.#budget = opts.budget ?? null;
    this.#now = opts.now ?? Date.now;
    this.#pageIntervalMs = opts.pageIntervalMs ?? 1000;
    this.#lastPage = this.#now();
  }

  /** Create `<finalPath>.partial` and write the header pages. */
  static async create(
    finalPath: string,
    opts: OggOpusWriterOptions & DurabilityOptions,
  ): Promise<OpusRecordingFile> {
    const out = await openOut(finalPath, opts, 0);
    const writer = new OggOpusWriter({ ...opts, maxPageMs: opts.maxPageMs ?? 1000 });
    await out.append(writer.headerPages());
    return new OpusRecordingFile(out, writer, opts);
  }

  /** Path being written (`….partial`). */
  get partialPath(): string {
    return this.#out.partialPath;
  }

  /** Playable audio written so far, in ms. */
  get durationMs(): number {
    return this.#writer.durationMs;
  }

  /** The disk state: see {@link DurableAppender}. */
  get out(): FileAppender {
    return this.#out;
  }

  /** Spans dropped because the budget was full (closed once their silence is written). */
  get lostSpans(): readonly LostSpan[] {
    return this.#lost.spans;
  }

  /**
   * Add one encoded packet of `samples48k` samples; writes pages as they complete. While
   * the disk refuses writes, pages wait in memory; past the budget the packet is dropped.
   */
  async writePacket(packet: Uint8Array, samples48k: number): Promise<void> {
    if (this.#out.stalled && this.#budget?.full) {
      this.#lost.lose(samples48k, this.#writer.durationMs);
      return;
    }
    const pages = this.#fillLost();
    pages.push(...this.#writer.addPacket(packet, samples48k));
    if (pages.length === 0 && this.#now() - this.#lastPage >= this.#pageIntervalMs) {
      pages.push(...this.#writer.flush());
    }
    await this.#write(pages);
  }

  /** Call periodically (about every second): retries a stall, writes a page and syncs when due. */
  async tick(): Promise<void> {
    if (this.#out.stalled && !(await this.#out.retry())) return;
    if (this.#lost.pending > 0) await this.#write(this.#fillLost());
    if (this.#now() - this.#lastPage >= this.#pageIntervalMs) {
      await this.#write(this.#writer.flush());
    }
    await this.#out.syncIfDue();
  }

  /** EOS page, fsync, SHA-256, rename to the final name, fsync the directory. */
  async finish(): Promise<FinishedRecording> {
    await this.#out.append([...this.#fillLost(), ...this.#writer.end()]);
    const r = await this.#out.commit();
    return { ...r, durationMs: this.#writer.durationMs, lostSpans: [...this.#lost.spans] };
  }

  /** Close without finishing, leaving the `.partial` file (crash simulation, shutdown). */
  abandon(): void {
    this.#out.close();
  }

  async #write(pages: Uint8Array[]): Promise<void> {
    if (pages.length) this.#lastPage = this.#now();
    await this.#out.append(pages);
  }

  /** Silence pages for audio dropped earlier (none when nothing was dropped). */
  #fillLost(): Uint8Array[] {
    if (this.#lost.pending === 0) return [];
    const samples = this.#lost.pending;
    this.#lost.take(Math.ceil(samples / 960) * 20);
    return this.#writer.addSilence(samples);
  }
}

/** WAV recording file; G.711 bytes are stored as they arrive (WAVE_FORMAT_MULAW/ALAW). */
export class WavRecordingFile {
  #out: FileAppender;
  #params: WavParams;
  #blockAlign: number;
  #budget: WriteBudget | null;
  #lost = new LossLog();

  private constructor(out: FileAppender, params: WavParams, budget: WriteBudget | null) {
    this.#out = out;
    this.#params = params;
    this.#budget = budget;
    this.#blockAlign = params.channels * (params.format === "pcm16" ? 2 : 1);
  }

  /** Create `<finalPath>.partial` with a header whose sizes are fixed up on finish. */
  static async create(
    finalPath: string,
    opts: WavParams & DurabilityOptions,
  ): Promise<WavRecordingFile> {
    const out = await openOut(finalPath, opts, wavHeaderLength(opts.format));
    await out.append([encodeWavHeader({ ...opts, dataBytes: 0 })]);
    return new WavRecordingFile(out, {
      format: opts.format,
      channels: opts.channels,
      sampleRate: opts.sampleRate,
    }, opts.budget ?? null);
  }

  /** Path being written (`….partial`). */
  get partialPath(): string {
    return this.#out.partialPath;
  }

  /** Audio written (or waiting for the disk) so far, in ms. */
  get durationMs(): number {
    return this.#frames() * 1000 / this.#params.sampleRate;
  }

  /** The disk state: see {@link DurableAppender}. */
  get out(): FileAppender {
    return this.#out;
  }

  /** Spans dropped because the budget was full (closed once their silence is written). */
  get lostSpans(): readonly LostSpan[] {
    return this.#lost.spans;
  }

  /** Append interleaved sample bytes (whole frames); dropped while stalled past the budget. */
  async write(data: Uint8Array): Promise<void> {
    if (data.length % this.#blockAlign !== 0) {
      throw new RangeError(`WAV write of "${data.length}" bytes is not whole frames`);
    }
    if (this.#out.stalled && this.#budget?.full) {
      this.#lost.lose(data.length, this.durationMs);
      return;
    }
    await this.#out.append([...this.#fillLost(), data]);
  }

  /** Call periodically: retries a stall, syncs when due. */
  async tick(): Promise<void> {
    if (this.#out.stalled && !(await this.#out.retry())) return;
    if (this.#lost.pending > 0) await this.#out.append(this.#fillLost());
    await this.#out.syncIfDue();
  }

  /** Fix the header sizes, fsync, hash, rename, fsync the directory. */
  async finish(): Promise<FinishedRecording> {
    await this.#out.append(this.#fillLost());
    const dataBytes = this.#out.size + this.#out.pendingBytes -
      wavHeaderLength(this.#params.format);
    await this.#out.patch(0, encodeWavHeader({ ...this.#params, dataBytes }));
    const durationMs = this.durationMs;
    return { ...(await this.#out.commit()), durationMs, lostSpans: [...this.#lost.spans] };
  }

  /** Close without finishing, leaving the `.partial` file. */
  abandon(): void {
    this.#out.close();
  }

  #frames(): number {
    const bytes = this.#out.size + this.#out.pendingBytes;
    return (bytes - wavHeaderLength(this.#params.format)) / this.#blockAlign;
  }

  /** Silence bytes for audio dropped earlier (µ-law 0xFF, A-law 0xD5, PCM 0). */
  #fillLost(): Uint8Array[] {
    if (this.#lost.pending === 0) return [];
    const bytes = this.#lost.pending;
    this.#lost.take(bytes / this.#blockAlign * 1000 / this.#params.sampleRate);
    const fill = { mulaw: 0xff, alaw: 0xd5, pcm16: 0 }[this.#params.format];
    return [new Uint8Array(bytes).fill(fill)];
  }
}
