/**
 * A recording's spill journal, owned by the capture worker: `<final path>.journal`,
 * raw interleaved stereo G.711 µ-law at 8 kHz, append-only. It is also the ordered
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
import { encodeG711 } from "../codec/g711.ts";
import { encodeWav } from "../codec/wav.ts";
import type { ToEncoder } from "./media_protocol.ts";

/** Suffix of a spill journal next to the recording's final path. */
export const JOURNAL_SUFFIX = ".journal";
/** Journal bytes per stereo frame (µ-law, two channels). */
export const JOURNAL_FRAME_BYTES = 2;

/** How a journal reaches its encoder and its disk. */
export interface SpillJournalOptions {
  rec: string;
  /** `<final path>.journal`. */
  path: string;
  send: (msg: ToEncoder, transfer?: Transferable[]) => void;
  /** Longest time between fdatasync calls while data is pending. */
  syncIntervalMs: number;
  now?: () => number;
  /** A write or sync failed (the batch then goes to the encoder as PCM). */
  onError?: (err: unknown) => void;
}

/** One recording's journal and ordered outbox. */
export class SpillJournal {
  #o: SpillJournalOptions;
  #now: () => number;
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #file: Deno.FsFile | null = null;
  #written = 0;
  #replayedTo = 0;
  #lastSync = 0;
  #errors = 0;

  constructor(options: SpillJournalOptions) {
    this.#o = options;
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

  /** Appends a stereo PCM batch as µ-law. If the write fails the PCM is posted instead. */
  append(pcm: Int16Array): void {
    const bytes = encodeG711("pcmu", pcm);
    this.#enqueue(async () => {
      try {
        this.#file ??= await this.#create();
        let o = 0;
        while (o < bytes.length) o += await this.#file.write(bytes.subarray(o));
        this.#written += bytes.length;
        if (this.#now() - this.#lastSync >= this.#o.syncIntervalMs) {
          await this.#file.syncData();
          this.#lastSync = this.#now();
        }
      } catch (err) {
        this.#fail(err);
        // A full disk may have taken part of the batch: cut it off, so later appends and
        // replays stay at the offsets #written counts.
        await this.#file?.truncate(this.#written).catch(() => {});
        await this.#file?.seek(this.#written, Deno.SeekMode.Start).catch(() => {});
        // Never lose audio silently: without a journal, memory is the queue.
        this.#o.send({ t: "pcm", rec: this.#o.rec, pcm }, [pcm.buffer as ArrayBuffer]);
      }
    });
  }

  /** Hands every byte written since the last replay to the encoder, ahead of newer audio. */
  replay(): void {
    this.#enqueue(() => {
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
    });
  }

  /**
   * Closes the file, after the last replay (end) or instead of it (abandon, shutdown).
   * The file stays: the encoder removes it after finishing, the recovery sweep after
   * a crash.
   */
  close(): void {
    this.#enqueue(() => {
      this.#file?.close();
      this.#file = null;
    });
  }

  /** Resolves when all I/O queued so far is done (tests, shutdown). */
  settled(): Promise<void> {
    return this.#chain;
  }

  #enqueue(job: () => void | Promise<void>): void {
    this.#pending++;
    this.#chain = this.#chain.then(job).catch((err) => this.#fail(err)).finally(() =>
      this.#pending--
    );
  }

  async #create(): Promise<Deno.FsFile> {
    const file = await Deno.open(this.#o.path, { write: true, create: true, truncate: true });
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
 * `<final>.journal.wav` (stereo µ-law WAV, whole frames), fsyncs it and removes the raw
 * journal. Its audio may overlap what the recovered file already holds (spans replayed
 * before the crash); it is kept beside the recording rather than spliced in, because
 * the crash lost the queued audio between the two and a splice would misplace it.
 */
export async function salvageJournal(
  journalPath: string,
): Promise<{ path: string; bytes: number; durationMs: number }> {
  const raw = await Deno.readFile(journalPath);
  const data = raw.subarray(0, raw.length - (raw.length % JOURNAL_FRAME_BYTES));
  const wav = encodeWav({ format: "mulaw", channels: 2, sampleRate: 8000 }, data);
  const path = `${journalPath}.wav`;
  {
    using file = await Deno.open(path, { write: true, create: true, truncate: true });
    let o = 0;
    while (o < wav.length) o += await file.write(wav.subarray(o));
    await file.sync();
  }
  await Deno.remove(journalPath);
  using dir = await Deno.open(dirname(path), { read: true });
  await dir.sync();
  return { path, bytes: wav.length, durationMs: data.length / JOURNAL_FRAME_BYTES / 8 };
}
