/**
 * The main thread's side of a recording's two results: the capture worker's report
 * (`closed`, `rolled`) and the encoder worker's file (`finished`, `failed`) arrive
 * apart and in either order; a recording's {@link ClosedRecording} resolves once both
 * are in and its close (or roll) was asked for. Also the bound ports of an opening.
 */
import type { CaptureReport } from "./media_protocol.ts";

/** A recording's end result: capture statistics plus the finished (or failed) file. */
export interface ClosedRecording {
  report: CaptureReport;
  file:
    | {
      ok: true;
      path: string;
      sha256: string;
      bytes: number;
      durationMs: number;
      /** Spans lost to a disk-full past `writeBufferBytes` (stored as silence). */
      lostSpans?: { startMs: number; endMs: number }[];
    }
    | { ok: false; error: string; code?: string };
}

interface Pending {
  opened?: PromiseWithResolvers<number[]>;
  report?: CaptureReport;
  file?: ClosedRecording["file"];
  closed?: PromiseWithResolvers<ClosedRecording>;
}

/** Results the workers still owe, by recording id. */
export class PendingResults {
  #pending = new Map<string, Pending>();

  /** `rec` is opening: the promise resolves with its bound ports (see {@link opened}). */
  opening(rec: string): Promise<number[]> {
    const opened = Promise.withResolvers<number[]>();
    this.#pending.set(rec, { opened });
    return opened.promise;
  }

  /** The capture worker bound the ports of `rec`. */
  opened(rec: string, ports: number[]): void {
    this.#pending.get(rec)?.opened?.resolve(ports);
  }

  /** The capture worker could not open `rec`. */
  openFailed(rec: string, error: Error): void {
    this.#pending.get(rec)?.opened?.reject(error);
  }

  /** `rec` is expected (a roll's next segment), with nothing asked of it yet. */
  expect(rec: string): void {
    this.#pending.set(rec, {});
  }

  /** Close (or roll) of `rec` was asked for: resolves with both its results. */
  closing(rec: string): Promise<ClosedRecording> {
    let p = this.#pending.get(rec);
    if (!p) {
      p = {};
      this.#pending.set(rec, p);
    }
    p.closed ??= Promise.withResolvers<ClosedRecording>();
    this.#settle(rec, p);
    return p.closed.promise;
  }

  /** The capture worker's final report of `rec`. */
  report(report: CaptureReport): void {
    const p = this.#pending.get(report.rec);
    if (!p) return;
    p.report = report;
    this.#settle(report.rec, p);
  }

  /** The encoder worker's result for the file of `rec`. */
  file(rec: string, file: ClosedRecording["file"]): void {
    const p = this.#pending.get(rec);
    if (!p) return;
    p.file = file;
    this.#settle(rec, p);
  }

  /** Forgets `rec` (abandoned, or its opening failed). */
  forget(rec: string): void {
    this.#pending.delete(rec);
  }

  #settle(rec: string, p: Pending): void {
    if (p.report && p.file && p.closed) {
      this.#pending.delete(rec);
      p.closed.resolve({ report: p.report, file: p.file });
    }
  }
}
