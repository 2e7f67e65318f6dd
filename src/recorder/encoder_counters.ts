/**
 * What an encoder worker reports in its `load` message (media_protocol.ts): time busy
 * and time inside libopus, audio encoded, and its waits on a disk that refuses writes
 * (stall episodes, audio lost to the write budget, the newest stall's error). Also the
 * retry of a file's opening or finishing until the disk takes writes again, which
 * counts as one stall.
 */
import { isTransientWriteError, writeErrorCode } from "../codec/write_errors.ts";
import type { FileAppender } from "../codec/recording_file.ts";
import type { FromEncoder } from "./media_protocol.ts";

/** How often a file that cannot be opened or finished on a full disk is retried. */
const RETRY_MS = 250;

/** The load counters of one encoder worker since start. */
export class EncoderCounters {
  busyMs = 0;
  /** Time spent inside libopus only (excludes file I/O), for the real-time factor. */
  encodeMs = 0;
  /** Audio encoded, in 8 kHz samples (1/8000 s) whatever the rate. */
  samples = 0;
  /** Stall episodes and audio lost to the budget since start; the newest stall's error. */
  stalls = 0;
  lostMs = 0;
  lastError: string | null = null;

  /**
   * Runs `job` until it stops failing with a disk-full or I/O error, every RETRY_MS (a
   * file opened, or finished, on a full disk waits for space); other errors are thrown.
   */
  async untilDiskTakes<T>(job: () => Promise<T>): Promise<T> {
    let counted = false;
    for (;;) {
      try {
        return await job();
      } catch (err) {
        if (!isTransientWriteError(err)) throw err;
        if (!counted) {
          this.stalls++;
          this.lastError = writeErrorCode(err) ?? null;
          counted = true;
        }
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }

  /** Counts a file's new stall episodes, for the load report. */
  noteStalls(f: { file: { out: FileAppender } | null; stallsSeen: number }): void {
    const out = f.file?.out;
    if (!out) return;
    if (out.stalls > f.stallsSeen) {
      this.stalls += out.stalls - f.stallsSeen;
      f.stallsSeen = out.stalls;
      this.lastError = writeErrorCode(out.stallError) ?? this.lastError;
    }
  }

  /** Adds the audio a finished file lost. */
  noteLost(spans: { startMs: number; endMs: number }[]): void {
    for (const s of spans) this.lostMs += s.endMs - s.startMs;
  }

  /** The `load` message, with the files waiting for the disk now. */
  report(stalledFiles: number): FromEncoder {
    return {
      t: "load",
      busyMs: this.busyMs,
      encodeMs: this.encodeMs,
      samples: this.samples,
      stalledFiles,
      stalls: this.stalls,
      lostMs: this.lostMs,
      lastError: this.lastError,
    };
  }
}
