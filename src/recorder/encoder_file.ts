/**
 * One recording file in an encoder worker: opened as Opus (a pooled libopus encoder,
 * input_sample_rate = the recording's rate) or as WAV (G.711 µ-law at 8 kHz, 16-bit PCM
 * at wider rates), fed stereo PCM batches that are encoded in 20 ms frames (the samples
 * short of a frame wait for the next batch and are padded only at the end), and fed
 * spans of the capture worker's spill journal replayed in order.
 */
import type { OpusEncoderOptions, OpusFrameEncoder } from "../codec/opus_encoder.ts";
import type { OpusEncoderPool } from "./encoder_pool.ts";
import { OpusRecordingFile, WavRecordingFile } from "../codec/recording_file.ts";
import { encodeG711 } from "../codec/g711.ts";
import { journalEncoding, journalToPcm } from "./spill_journal.ts";
import type { SharedWriteBudget } from "./write_budget.ts";
import { type FileSeal, JournalSpans, sealLayer } from "./file_seal.ts";
import type { FileSpec, ToEncoder } from "./media_protocol.ts";
import type { EncoderCounters } from "./encoder_counters.ts";

/** Opus frame: 20 ms, per channel, at the recording's rate. */
const FRAME_MS = 20;

/** A recording file and its encoding state, in its worker's queue of jobs. */
export interface OpenFile {
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

/** A file registered before it is open: its jobs queue behind `after`. */
export function pendingFile(spec: FileSpec, after: Promise<void>): OpenFile {
  return {
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
}

/** Creates the file of `spec` (and takes its Opus encoder from `pool`). */
export async function openFile(
  spec: FileSpec,
  budget: SharedWriteBudget | null,
  pool: OpusEncoderPool,
): Promise<Pick<OpenFile, "file" | "encoder">> {
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
    return { file, encoder: null };
  }
  const encoder = await pool.take({
    channels: 2,
    sampleRate: rate as OpusEncoderOptions["sampleRate"],
    application: "voip",
    complexity: spec.complexity,
    bitrate: spec.bitrate,
    silenceGateDbfs: spec.silenceGateDbfs,
    frameMs: 20,
  });
  try {
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
    return { file, encoder };
  } catch (error) {
    // A full disk fails the create and the caller retries: each try takes an encoder, so
    // this one goes back to the pool rather than leak one per retry.
    pool.give(encoder);
    throw error;
  }
}

/** Encodes `pcm` (after the rest of the last batch) into the file; `final` pads the last frame. */
export async function writePcm(
  f: OpenFile,
  pcm: Int16Array,
  final: boolean,
  load: EncoderCounters,
): Promise<void> {
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
      load.encodeMs += performance.now() - e0;
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
  load.busyMs += performance.now() - t0;
  // In 8 kHz samples (1/8000 s) whatever the rate, so the load reads as audio time.
  load.samples += (pcm.length / 2) * (8000 / f.rate);
}

/** Interleaved PCM as little-endian 16-bit bytes (WAV data). */
function pcm16le(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i], true);
  return out;
}

/**
 * Encodes a span of the capture worker's spill journal (at the file's rate) in order;
 * returns the samples per channel it held, for the capture worker's ack.
 */
export async function replaySpan(
  f: OpenFile,
  msg: Extract<ToEncoder, { t: "replay" }>,
  load: EncoderCounters,
): Promise<number> {
  f.spans ??= new JournalSpans(msg.path, f.seal);
  const bytes = await f.spans.read(msg.offset, msg.bytes);
  // Bounded slices (about half a second) keep one replay from holding the worker long.
  const enc = journalEncoding(f.rate);
  const step = 8000 * enc.frameBytes;
  for (let o = 0; o < bytes.length; o += step) {
    await writePcm(f, journalToPcm(enc, bytes.subarray(o, o + step)), false, load);
  }
  f.journal = msg.path;
  return msg.bytes / enc.frameBytes;
}
