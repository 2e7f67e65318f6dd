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
 */
import {
  createOpusEncoder,
  type OpusEncoderOptions,
  type OpusFrameEncoder,
} from "../codec/opus_encoder.ts";
import { OpusEncoderPool } from "./encoder_pool.ts";
import { OpusRecordingFile, WavRecordingFile } from "../codec/recording_file.ts";
import { encodeG711 } from "../codec/g711.ts";
import { journalEncoding, journalToPcm } from "./spill_journal.ts";
import { isTransientWriteError, writeErrorCode } from "../codec/write_errors.ts";
import { niceThisThread } from "./thread_priority.ts";
import { SharedWriteBudget } from "./write_budget.ts";
import { type FileSeal, JournalSpans, sealLayer } from "./file_seal.ts";
import type { FileSpec, FromEncoder, ToEncoder } from "./media_protocol.ts";
import { startIdleGc } from "../idle_gc.ts";

/** Encoder threads' nice value: they yield the CPU to capture and SIP. */
const ENCODER_NICE = 10;
/** Opus frame: 20 ms, per channel, at the recording's rate. */
const FRAME_MS = 20;
/** How often a file that cannot be opened or finished on a full disk is retried. */
const RETRY_MS = 250;

interface OpenFile {
  file: OpusRecordingFile | WavRecordingFile;
  encoder: OpusFrameEncoder | null;
  /** The recording's sample rate (the PCM batches' and the journal's). */
  rate: number;
  /** Leftover interleaved samples shorter than one frame. */
  rest: Int16Array;
  chain: Promise<void>;
  failed: boolean;
  /** Fault injection (FileSpec.testEncodeDelayMs): sleep before each PCM batch. */
  delayMs: number;
  /** The capture worker's spill journal, once a replay named it; removed after finish. */
  journal?: string;
  /** Encryption at rest: the file and the journal are sealed with this key. */
  seal?: FileSeal;
  /** The journal's reader (kept open: a sealed one tracks its chunks). */
  spans?: JournalSpans;
  /** The file's stall episodes already counted in `stalls`. */
  stallsSeen: number;
}

const files = new Map<string, OpenFile>();
/** Encoders of ended recordings, reused: dropped ones were freed only by a rare full GC. */
const encoderPool = new OpusEncoderPool();
let port: MessagePort | null = null;
let busyMs = 0;
/** Time spent inside libopus only (excludes file I/O), for the real-time factor. */
let encodeMs = 0;
let encodedSamples = 0;
/** Box-wide budget of bytes waiting for the disk (set by init; unbounded until then). */
let budget: SharedWriteBudget | null = null;
/** Stall episodes and audio lost to the budget since start; the newest stall's error. */
let stalls = 0;
let lostMs = 0;
let lastError: string | null = null;

function post(msg: FromEncoder): void {
  self.postMessage(msg);
}

function errorInfo(err: unknown): { error: string; code?: string } {
  const e = err as Error & { code?: string };
  return { error: e?.message ?? String(err), ...(e?.code ? { code: e.code } : {}) };
}

async function begin(rec: string, spec: FileSpec): Promise<OpenFile> {
  const rate = spec.sampleRate;
  if (spec.format === "wav") {
    // Narrowband stays G.711 µ-law (as the legs carried it); wider is 16-bit PCM.
    const file = await WavRecordingFile.create(spec.path, {
      format: rate === 8000 ? "mulaw" : "pcm16",
      channels: 2,
      sampleRate: rate,
      syncIntervalMs: spec.syncIntervalMs,
      ...(budget ? { budget } : {}),
      ...(spec.seal ? { layer: sealLayer(spec.seal) } : {}),
    });
    return {
      file,
      encoder: null,
      rate,
      rest: new Int16Array(0),
      chain: Promise.resolve(),
      failed: false,
      delayMs: 0,
      stallsSeen: 0,
    };
  }
  const encoder = await encoderPool.take({
    channels: 2,
    sampleRate: rate as OpusEncoderOptions["sampleRate"],
    application: "voip",
    complexity: spec.complexity,
    bitrate: spec.bitrate,
    silenceGateDbfs: spec.silenceGateDbfs,
    frameMs: 20,
  });
  const file = await OpusRecordingFile.create(spec.path, {
    serial: (crypto.getRandomValues(new Uint32Array(1))[0] | 1) >>> 0,
    channels: 2,
    preSkip: encoder.preSkip,
    mapping: encoder.mapping,
    inputSampleRate: rate,
    comments: spec.comments,
    pageIntervalMs: spec.pageIntervalMs,
    syncIntervalMs: spec.syncIntervalMs,
    ...(budget ? { budget } : {}),
    ...(spec.seal ? { layer: sealLayer(spec.seal) } : {}),
  });
  void rec;
  return {
    file,
    encoder,
    rate,
    rest: new Int16Array(0),
    chain: Promise.resolve(),
    failed: false,
    delayMs: 0,
    stallsSeen: 0,
  };
}

async function write(f: OpenFile, pcm: Int16Array, final: boolean): Promise<void> {
  const t0 = performance.now();
  let all = pcm;
  if (f.rest.length) {
    all = new Int16Array(f.rest.length + pcm.length);
    all.set(f.rest);
    all.set(pcm, f.rest.length);
  }
  if (f.encoder === null) {
    const bytes = f.rate === 8000 ? encodeG711("pcmu", all) : pcm16le(all);
    if (bytes.length) await (f.file as WavRecordingFile).write(bytes);
    f.rest = new Int16Array(0);
  } else {
    const step = (f.rate * FRAME_MS / 1000) * 2;
    let off = 0;
    const file = f.file as OpusRecordingFile;
    for (; off + step <= all.length; off += step) {
      const e0 = performance.now();
      const packet = f.encoder.encode(all.subarray(off, off + step));
      encodeMs += performance.now() - e0;
      await file.writePacket(packet, f.encoder.frameSamples48k);
    }
    f.rest = all.slice(off);
    if (final && f.rest.length) {
      const last = new Int16Array(step);
      last.set(f.rest);
      await file.writePacket(f.encoder.encode(last), f.encoder.frameSamples48k);
      f.rest = new Int16Array(0);
    }
  }
  busyMs += performance.now() - t0;
  // In 8 kHz samples (1/8000 s) whatever the rate, so the load reads as audio time.
  encodedSamples += (pcm.length / 2) * (8000 / f.rate);
}

/** Interleaved PCM as little-endian 16-bit bytes (WAV data). */
function pcm16le(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i], true);
  return out;
}

/** Encodes a span of the capture worker's spill journal (at the file's rate) in order. */
async function replay(
  f: OpenFile,
  msg: Extract<ToEncoder, { t: "replay" }>,
): Promise<void> {
  f.spans ??= new JournalSpans(msg.path, f.seal);
  const bytes = await f.spans.read(msg.offset, msg.bytes);
  // Bounded slices (about half a second) keep one replay from holding the worker long.
  const enc = journalEncoding(f.rate);
  const step = 8000 * enc.frameBytes;
  for (let o = 0; o < bytes.length; o += step) {
    await write(f, journalToPcm(enc, bytes.subarray(o, o + step)), false);
  }
  f.journal = msg.path;
  port?.postMessage({ t: "ack", rec: msg.rec, samples: msg.bytes / enc.frameBytes });
}

/**
 * Runs `job` until it stops failing with a disk-full or I/O error, every RETRY_MS (a
 * file opened, or finished, on a full disk waits for space); other errors are thrown.
 */
async function untilDiskTakes<T>(job: () => Promise<T>): Promise<T> {
  let counted = false;
  for (;;) {
    try {
      return await job();
    } catch (err) {
      if (!isTransientWriteError(err)) throw err;
      if (!counted) {
        stalls++;
        lastError = writeErrorCode(err) ?? null;
        counted = true;
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

/** Counts a file's new stall episodes and the audio it lost, for the load report. */
function noteStalls(f: OpenFile): void {
  const out = f.file?.out;
  if (!out) return;
  if (out.stalls > f.stallsSeen) {
    stalls += out.stalls - f.stallsSeen;
    f.stallsSeen = out.stalls;
    lastError = writeErrorCode(out.stallError) ?? lastError;
  }
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
  const done = await untilDiskTakes(() => f.file.finish());
  noteStalls(f);
  const lost = done.lostSpans ?? [];
  for (const s of lost) lostMs += s.endMs - s.startMs;
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
  const pending: OpenFile = {
    file: null as unknown as OpusRecordingFile,
    encoder: null,
    rate: spec.sampleRate,
    rest: new Int16Array(0),
    chain: after,
    failed: false,
    delayMs: Math.max(0, spec.testEncodeDelayMs ?? 0),
    ...(spec.seal ? { seal: spec.seal } : {}),
    stallsSeen: 0,
  };
  files.set(rec, pending);
  enqueue(rec, pending, async () => {
    const opened = await untilDiskTakes(() => begin(rec, spec));
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
        await write(f, msg.pcm, false);
        port?.postMessage({ t: "ack", rec: msg.rec, samples: msg.pcm.length / 2 });
      });
      return;
    }
    case "replay": {
      const f = files.get(msg.rec);
      if (!f) return;
      enqueue(msg.rec, f, () => replay(f, msg));
      return;
    }
    case "end": {
      const f = files.get(msg.rec);
      if (!f) return;
      enqueue(msg.rec, f, async () => {
        await write(f, new Int16Array(0), true);
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
      noteStalls(f);
    });
  }
  post({
    t: "load",
    busyMs,
    encodeMs,
    samples: encodedSamples,
    stalledFiles,
    stalls,
    lostMs,
    lastError,
  });
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
      backend: probe.backend,
      priority: "error" in nice ? `normal (${nice.error})` : `nice ${nice.nice}`,
    });
  }
};
