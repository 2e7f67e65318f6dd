/**
 * A recording's spill journal, owned by the capture worker: `<final path>.journal`,
 * a 16-byte header naming its rate and sample encoding, then interleaved stereo audio at
 * the recording's rate — G.711 µ-law at 8 kHz, 16-bit little-endian PCM at wider rates —
 * append-only. (Journals of earlier versions have no header: µ-law at 8 kHz.)
 *
 *     0               8              12          14          16
 *    +---------------+---------------+-----------+-----------+------------…
 *    | "SELRECJ1"    | rate (u32 LE) | channels  | bytes per | audio
 *    |               |               | (u16 LE)  | sample    |
 *    +---------------+---------------+-----------+-----------+------------…
 * It is also the ordered
 * outbox to the recording's encoder: while journal I/O is pending, messages wait
 * behind it in one promise chain, so the encoder sees audio in timeline order. No
 * method returns a promise the packet path would await.
 *
 * Lifecycle: created by the recording's first spill and kept for the rest of it (later
 * spills append; no file churn per episode); `replay()` tells the encoder to encode the
 * span written since the last replay. The encoder removes the journal once the
 * recording's file is finished and synced. A crash leaves it for the recovery sweep
 * ({@link salvageJournal}).
 */
import { dirname } from "node:path";
import { decodeG711, encodeG711 } from "../codec/g711.ts";
import { encodeWav } from "../codec/wav.ts";
import type { ToEncoder } from "./media_protocol.ts";
import {
  type FileSeal,
  type JournalFile,
  type JournalFileOptions,
  openJournalFile,
} from "./file_seal.ts";

/** Suffix of a spill journal next to the recording's final path. */
export const JOURNAL_SUFFIX = ".journal";
/** Journal bytes per stereo frame at 8 kHz (µ-law, two channels). */
export const JOURNAL_FRAME_BYTES = 2;
const MAGIC = "SELRECJ1";
/** Length of the journal header. */
export const JOURNAL_HEADER_BYTES = 16;

/** How a journal at one rate stores its samples. */
export interface JournalEncoding {
  rate: number;
  /** µ-law at 8 kHz (as G.711 legs carried it); 16-bit LE PCM at wider rates. */
  format: "mulaw" | "pcm16";
  /** Bytes per stereo frame. */
  frameBytes: number;
}

/** The journal encoding of a recording at `rate`. */
export function journalEncoding(rate: number): JournalEncoding {
  return rate === 8000
    ? { rate, format: "mulaw", frameBytes: 2 }
    : { rate, format: "pcm16", frameBytes: 4 };
}

/** The header naming a journal's encoding. */
export function journalHeader(e: JournalEncoding): Uint8Array {
  const out = new Uint8Array(JOURNAL_HEADER_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, e.rate, true);
  view.setUint16(12, 2, true);
  view.setUint16(14, e.frameBytes / 2, true);
  return out;
}

/**
 * The encoding a journal's first bytes name, and where its audio starts; a journal
 * without the header (earlier versions) is µ-law at 8 kHz from byte 0. Throws a
 * RangeError naming the value for a header with an unknown rate or sample size.
 */
export function readJournalHeader(
  bytes: Uint8Array,
): { encoding: JournalEncoding; offset: number } {
  if (
    bytes.length < JOURNAL_HEADER_BYTES || String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC
  ) {
    return { encoding: journalEncoding(8000), offset: 0 };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rate = view.getUint32(8, true), size = view.getUint16(14, true);
  const encoding = journalEncoding(rate);
  if (rate < 8000 || rate > 48000 || size * 2 !== encoding.frameBytes) {
    throw new RangeError(`Cannot read journal header: rate "${rate}", sample size "${size}"`);
  }
  return { encoding, offset: JOURNAL_HEADER_BYTES };
}

/** Interleaved PCM as journal bytes. */
export function pcmToJournal(e: JournalEncoding, pcm: Int16Array): Uint8Array {
  if (e.format === "mulaw") return encodeG711("pcmu", pcm);
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(2 * i, pcm[i], true);
  return out;
}

/** Journal bytes (whole samples) back to interleaved PCM. */
export function journalToPcm(e: JournalEncoding, bytes: Uint8Array): Int16Array {
  if (e.format === "mulaw") return decodeG711("pcmu", bytes);
  const out = new Int16Array(bytes.length >> 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}

/** How a journal reaches its encoder and its disk. */
export interface SpillJournalOptions {
  rec: string;
  /** `<final path>.journal`. */
  path: string;
  /** The recording's sample rate; default 8000. */
  rate?: number;
  send: (msg: ToEncoder, transfer?: Transferable[]) => void;
  /** Longest time between fdatasync calls while data is pending. */
  syncIntervalMs: number;
  now?: () => number;
  /** A write or sync failed (the batch then goes to the encoder as PCM). */
  onError?: (err: unknown) => void;
  /** Seal the journal like the recording (encryption at rest); absent = plain. */
  seal?: FileSeal;
  /** Opens the journal file (tests make its writes fail); default Deno.open. */
  open?: JournalFileOptions["open"];
}

/** One recording's journal and ordered outbox. */
export class SpillJournal {
  #o: SpillJournalOptions;
  #enc: JournalEncoding;
  #now: () => number;
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #file: JournalFile | null = null;
  #written = 0;
  #replayedTo = 0;
  #lastSync = 0;
  #errors = 0;
  /** Batches whose bytes are not all in the file yet (`start`/`end`: journal offsets). */
  #unsealed: { pcm: Int16Array; start: number; end: number }[] = [];

  constructor(options: SpillJournalOptions) {
    this.#o = options;
    this.#enc = journalEncoding(options.rate ?? 8000);
    this.#now = options.now ?? (() => performance.now());
  }

  /** True while the journal file is open (from the first spill until close). */
  get exists(): boolean {
    return this.#file !== null;
  }

  /** Failed writes or syncs. */
  get errors(): number {
    return this.#errors;
  }

  /** Sends to the encoder now, or behind pending journal I/O. */
  send(msg: ToEncoder, transfer: Transferable[] = []): void {
    if (this.#pending === 0) this.#o.send(msg, transfer);
    else this.#enqueue(() => this.#o.send(msg, transfer));
  }

  /**
   * Appends a stereo PCM batch. A batch not yet in the file when a write fails (a sealed
   * journal holds up to one seal interval in memory) is posted as PCM instead.
   */
  append(pcm: Int16Array): void {
    const bytes = pcmToJournal(this.#enc, pcm);
    this.#enqueue(async () => {
      try {
        this.#file ??= await this.#create();
      } catch (err) {
        this.#fail(err);
        // Never lose audio silently: without a journal, memory is the queue.
        this.#o.send({ t: "pcm", rec: this.#o.rec, pcm }, [pcm.buffer as ArrayBuffer]);
        return;
      }
      this.#unsealed.push({ pcm, start: this.#written, end: this.#written + bytes.length });
      this.#written += bytes.length;
      await this.#io(this.#file, (f) => f.write(bytes));
    });
  }

  /** Hands every byte written since the last replay to the encoder, ahead of newer audio. */
  replay(): void {
    this.#enqueue(async () => {
      if (this.#file) await this.#io(this.#file, (f) => f.flush());
      this.#sendReplay();
    });
  }

  #sendReplay(): void {
    const bytes = this.#written - this.#replayedTo;
    if (bytes === 0) return;
    this.#o.send({
      t: "replay",
      rec: this.#o.rec,
      path: this.#o.path,
      offset: this.#replayedTo,
      bytes,
    });
    this.#replayedTo = this.#written;
  }

  /**
   * Closes the file, after the last replay (end) or instead of it (abandon, shutdown).
   * The file stays: the encoder removes it after finishing, the recovery sweep after
   * a crash.
   */
  close(): void {
    this.#enqueue(async () => {
      // Normally empty (the last replay flushed it); after an abandon, kept for recovery.
      await this.#file?.flush().catch((err) => this.#fail(err));
      this.#file?.close();
      this.#file = null;
    });
  }

  /** Resolves when all I/O queued so far is done (tests, shutdown). */
  settled(): Promise<void> {
    return this.#chain;
  }

  /**
   * Journal I/O, then a sync when one is due. On failure the file is cut back to the
   * audio it holds whole (a full disk may have taken part of a write), that audio is
   * replayed, and the batches not in it go to the encoder as PCM: the encoder still sees
   * every sample once, in order, and later appends and replays stay at the offsets
   * #written counts.
   */
  async #io(file: JournalFile, op: (f: JournalFile) => Promise<void>): Promise<void> {
    try {
      await op(file);
      if (this.#now() - this.#lastSync >= this.#o.syncIntervalMs) {
        await file.syncData();
        this.#lastSync = this.#now();
      }
    } catch (err) {
      this.#fail(err);
      await file.cutTo(file.durableBytes).catch(() => {});
      const lost = this.#unsealed.filter((b) => b.end > file.durableBytes);
      this.#unsealed = [];
      if (lost.length === 0) return;
      this.#written = lost[0].start;
      this.#sendReplay();
      for (const { pcm } of lost) {
        this.#o.send({ t: "pcm", rec: this.#o.rec, pcm }, [pcm.buffer as ArrayBuffer]);
      }
      return;
    }
    this.#unsealed = this.#unsealed.filter((b) => b.end > file.durableBytes);
  }

  #enqueue(job: () => void | Promise<void>): void {
    this.#pending++;
    this.#chain = this.#chain.then(job).catch((err) => this.#fail(err)).finally(() =>
      this.#pending--
    );
  }

  async #create(): Promise<JournalFile> {
    const file = await openJournalFile(this.#o.path, this.#o.seal, {
      now: this.#now,
      bytesPerSecond: this.#enc.rate * this.#enc.frameBytes,
      ...(this.#o.open ? { open: this.#o.open } : {}),
    });
    const header = journalHeader(this.#enc);
    await file.write(header);
    this.#written = this.#replayedTo = header.length;
    // The new name must survive a power loss as well as its bytes.
    using dir = await Deno.open(dirname(this.#o.path), { read: true });
    await dir.sync();
    this.#lastSync = this.#now();
    return file;
  }

  #fail(err: unknown): void {
    this.#errors++;
    this.#o.onError?.(err);
  }
}

/**
 * Recovery of a journal left by a crash: rewrites `<final>.journal` as the playable
 * `<final>.journal.wav` (stereo, at the journal's rate: µ-law at 8 kHz, 16-bit PCM
 * wider; whole frames), fsyncs it and removes the raw journal. Its audio may overlap
 * what the recovered file already holds (spans replayed before the crash); it is kept
 * beside the recording rather than spliced in, because the crash lost the queued audio
 * between the two and a splice would misplace it.
 */
export async function salvageJournal(
  journalPath: string,
  io: JournalIo = plainJournalIo,
): Promise<{ path: string; bytes: number; durationMs: number }> {
  const raw = await io.read(journalPath);
  const { encoding: e, offset } = readJournalHeader(raw);
  const body = raw.subarray(offset);
  const data = body.subarray(0, body.length - (body.length % e.frameBytes));
  const wav = encodeWav({ format: e.format, channels: 2, sampleRate: e.rate }, data);
  const path = `${journalPath}.wav`;
  await io.write(path, wav);
  await Deno.remove(journalPath);
  using dir = await Deno.open(dirname(path), { read: true });
  await dir.sync();
  return { path, bytes: wav.length, durationMs: data.length / e.frameBytes / (e.rate / 1000) };
}

/** How {@link salvageJournal} reads a journal and writes (and fsyncs) its WAV. */
export interface JournalIo {
  read(path: string): Promise<Uint8Array>;
  write(path: string, bytes: Uint8Array): Promise<void>;
}

/** Plain files (sealed journals: recovery.ts passes src/seal's). */
export const plainJournalIo: JournalIo = {
  read: (path) => Deno.readFile(path),
  async write(path, bytes) {
    using file = await Deno.open(path, { write: true, create: true, truncate: true });
    for (let o = 0; o < bytes.length;) o += await file.write(bytes.subarray(o));
    await file.sync();
  },
};
