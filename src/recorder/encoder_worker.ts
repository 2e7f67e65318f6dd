/// <reference lib="deno.worker" />
/**
 * Encoder worker: one per core. Receives stereo PCM batches for its recordings from
 * the capture worker (one ordered MessagePort) at the recording's rate, encodes 20 ms
 * Opus frames with libopus (input_sample_rate = that rate), or writes WAV (µ-law at
 * 8 kHz, 16-bit PCM at wider rates), and writes crash-safe files: pages at least
 * every second, fdatasync at least every two, EOS + fsync + SHA-256 + rename on end.
 * Reports finished files and failures to the main thread.
 *
 * A full disk (ENOSPC) or an I/O error does not fail a file: it stalls, its pages wait
 * in memory within the box-wide write budget, and the 250 ms tick retries them; opening
 * and finishing a file are retried until the disk takes writes again. Only other
 * errors fail a file. Audio dropped past the budget is reported as lost spans.
 *
 * This file is the worker's message loop and its per-file job queue; opening and
 * encoding a file are in encoder_file.ts, the `load` counters in encoder_counters.ts.
 */
import { createOpusEncoder } from "../codec/opus_encoder.ts";
import { opusNativeError } from "../codec/opus_addon.ts";
import { OpusEncoderPool } from "./encoder_pool.ts";
import { niceThisThread } from "./thread_priority.ts";
import { SharedWriteBudget } from "./write_budget.ts";
import type { FileSpec, FromEncoder, ToEncoder } from "./media_protocol.ts";
import { startIdleGc } from "../idle_gc.ts";
import { EncoderCounters } from "./encoder_counters.ts";
import { type OpenFile, openFile, pendingFile, replaySpan, writePcm } from "./encoder_file.ts";

/** Encoder threads' nice value: they yield the CPU to capture and SIP. */
const ENCODER_NICE = 10;

const files = new Map<string, OpenFile>();
/** Encoders of ended recordings, reused: dropped ones were freed only by a rare full GC. */
const encoderPool = new OpusEncoderPool();
let port: MessagePort | null = null;
const load = new EncoderCounters();
/** Box-wide budget of bytes waiting for the disk (set by init; unbounded until then). */
let budget: SharedWriteBudget | null = null;

function post(msg: FromEncoder): void {
  self.postMessage(msg);
}

function errorInfo(err: unknown): { error: string; code?: string } {
  const e = err as Error & { code?: string };
  return { error: e?.message ?? String(err), ...(e?.code ? { code: e.code } : {}) };
}

/** Hands a file's encoder back to the pool once nothing will encode with it again. */
function releaseEncoder(f: OpenFile): void {
  if (f.encoder) encoderPool.give(f.encoder);
  f.encoder = null;
  // The journal is read only while the file is open.
  f.spans?.close();
}

function enqueue(rec: string, f: OpenFile, job: () => Promise<void>): void {
  f.chain = f.chain.then(async () => {
    if (f.failed) return;
    try {
      await job();
    } catch (err) {
      f.failed = true;
      releaseEncoder(f);
      // The .partial keeps every page already written; recovery closes it later.
      try {
        f.file.abandon();
      } catch { /* already closed */ }
      files.delete(rec);
      post({ t: "failed", rec, ...errorInfo(err) });
    }
  });
}

/** Finishes a file whose audio is all written: sync, hash, rename, and report it. */
async function finishFile(rec: string, f: OpenFile): Promise<void> {
  const done = await load.untilDiskTakes(() => f.file.finish());
  load.noteStalls(f);
  const lost = done.lostSpans ?? [];
  load.noteLost(lost);
  // Every journaled span was replayed before "end" (or "roll") and is now in the file.
  if (f.journal) await Deno.remove(f.journal).catch(() => {});
  releaseEncoder(f);
  if (files.get(rec) === f) files.delete(rec);
  post({ t: "finished", rec, ...done, lostSpans: lost });
}

/** Registers a file about to begin; `after` orders its opening behind another file's jobs. */
function beginFile(
  rec: string,
  spec: FileSpec,
  after = Promise.resolve(),
  rest = (): Int16Array => {
    return new Int16Array(0);
  },
): void {
  const pending = pendingFile(spec, after);
  files.set(rec, pending);
  enqueue(rec, pending, async () => {
    const opened = await load.untilDiskTakes(() => openFile(spec, budget, encoderPool));
    pending.file = opened.file;
    pending.encoder = opened.encoder;
    pending.rest = rest();
  });
}

/**
 * Segment roll: the old file gets its whole frames and is finished; the samples short of
 * a frame open the next file, so no sample is dropped or padded at the join.
 */
function roll(msg: Extract<ToEncoder, { t: "roll" }>): void {
  const f = files.get(msg.rec);
  let carried: Int16Array = new Int16Array(0);
  if (f) {
    enqueue(msg.rec, f, async () => {
      carried = f.rest;
      f.rest = new Int16Array(0);
      await finishFile(msg.rec, f);
    });
  }
  beginFile(msg.next, msg.file, f?.chain, () => carried);
}

function onCapture(msg: ToEncoder): void {
  switch (msg.t) {
    case "begin":
      beginFile(msg.rec, msg.file);
      return;
    case "roll":
      roll(msg);
      return;
    case "pcm": {
      const f = files.get(msg.rec);
      if (!f) return;
      enqueue(msg.rec, f, async () => {
        if (f.delayMs > 0) await new Promise((r) => setTimeout(r, f.delayMs));
        await writePcm(f, msg.pcm, false, load);
        port?.postMessage({ t: "ack", rec: msg.rec, samples: msg.pcm.length / 2 });
      });
      return;
    }
    case "replay": {
      const f = files.get(msg.rec);
      if (!f) return;
      enqueue(msg.rec, f, async () => {
        const samples = await replaySpan(f, msg, load);
        port?.postMessage({ t: "ack", rec: msg.rec, samples });
      });
      return;
    }
    case "end": {
      const f = files.get(msg.rec);
      if (!f) return;
      enqueue(msg.rec, f, async () => {
        await writePcm(f, new Int16Array(0), true, load);
        await finishFile(msg.rec, f);
      });
      return;
    }
    case "abandon": {
      const f = files.get(msg.rec);
      if (!f) return;
      enqueue(msg.rec, f, () => {
        f.file.abandon();
        releaseEncoder(f);
        files.delete(msg.rec);
        return Promise.resolve();
      });
      return;
    }
  }
}

// Durability cadence: a page per second and fdatasync every two, even in silence.
setInterval(() => {
  let stalledFiles = 0;
  for (const [rec, f] of files) {
    if (!f.file) continue;
    if (f.file.out.stalled) stalledFiles++;
    enqueue(rec, f, async () => {
      // Queued behind its "end": the file is finished and closed by now.
      if (files.get(rec) !== f) return;
      await f.file.tick();
      load.noteStalls(f);
    });
  }
  post(load.report(stalledFiles));
}, 250);

// Garbage (and the native memory it pins) is collected when this worker goes quiet.
startIdleGc();
self.onmessage = async (e: MessageEvent) => {
  const msg = e.data as {
    t: "init";
    port: MessagePort;
    budget?: { buffer: SharedArrayBuffer; limit: number };
  };
  if (msg.t === "init") {
    port = msg.port;
    if (msg.budget) budget = new SharedWriteBudget(msg.budget.buffer, msg.budget.limit);
    port.onmessage = (ev: MessageEvent<ToEncoder>) => onCapture(ev.data);
    const probe = await createOpusEncoder({ channels: 2, sampleRate: 8000 });
    // Below capture: a CPU shortfall delays encoding (batches spill), never capture.
    const nice = niceThisThread(ENCODER_NICE);
    post({
      t: "ready",
      backend: probe.backend === "wasm"
        ? `wasm (${opusNativeError() ?? "asked for"})`
        : probe.backend,
      priority: "error" in nice ? `normal (${nice.error})` : `nice ${nice.nice}`,
    });
  }
};
