/**
 * Encryption at rest (src/seal): seal and decrypt throughput of AES-256-GCM chunks on one
 * core, per chunk size; a whole-file streaming read (scrub, export) and range reads
 * (playback seeking) from a sealed file on disk; the CPU sealing adds to a recorded call.
 * Target: decrypt ≥ 200 MiB/s on one core at the default 64 KiB chunks. AES-GCM is
 * libcrypto's through FFI when the process may load it (src/seal/gcm.ts); node:crypto's
 * decrypt is measured beside it for comparison.
 * Prints JSON with the machine's facts.
 * Usage: deno run -A scripts/bench_seal.ts [--mib 256] [--chunks 4096,16384,65536]
 */
import { machineFacts } from "./bench.ts";
import { ChunkSealer } from "../src/seal/chunk_sealer.ts";
import { ChunkCipher } from "../src/seal/chunk_cipher.ts";
import { defaultGcm, type Gcm, nodeGcm } from "../src/seal/gcm.ts";
import { HEADER_BYTES, parseHeader, type SealKey } from "../src/seal/sealed_header.ts";
import { openSealedFile, readSealedChunks } from "../src/seal/sealed_reader.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

const MIB = 1 << 20;
const mib = Number(arg("--mib", "256"));
const chunkSizes = arg("--chunks", "4096,16384,65536").split(",").map(Number);
const TARGET_MIB_S = 200;
const key: SealKey = {
  keyId: "kek-bench",
  wrappedKey: new Uint8Array(60),
  dataKey: crypto.getRandomValues(new Uint8Array(32)),
};
const unwrap = () => Promise.resolve(key.dataKey);

/** Plaintext like a recording's (not all zeros), `bytes` long. */
function plaintext(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let o = 0; o < bytes; o += 65536) crypto.getRandomValues(out.subarray(o, o + 65536));
  return out;
}

/** Seals `pt` into chunk records; returns them and the seconds it took. */
function seal(pt: Uint8Array, chunkBytes: number) {
  const sealer = new ChunkSealer(key, { chunkBytes });
  const t0 = performance.now();
  const records = [sealer.header, ...sealer.push(pt), ...sealer.finish()];
  return { records, seconds: (performance.now() - t0) / 1000 };
}

/** Opens every chunk in memory (pure decrypt + authenticate). */
function decrypt(records: Uint8Array[], gcm: Gcm): number {
  const cipher = new ChunkCipher(parseHeader(records[0], "bench"), key.dataKey, "bench", gcm);
  const t0 = performance.now();
  let ptOffset = 0;
  for (let i = 1; i < records.length - 1; i++) {
    ptOffset += cipher.open({ index: i - 1, ptOffset }, records[i]).plaintext.length;
  }
  return (performance.now() - t0) / 1000;
}

const pt = plaintext(mib * MIB);
const perChunk = [];
let defaultRecords: Uint8Array[] = [];
for (const chunkBytes of chunkSizes) {
  seal(pt.subarray(0, 4 * MIB), chunkBytes); // warm-up
  const sealed = seal(pt, chunkBytes);
  const decryptS = decrypt(sealed.records, defaultGcm());
  const nodeS = defaultGcm() === nodeGcm ? decryptS : decrypt(sealed.records, nodeGcm);
  perChunk.push({
    chunkBytes,
    sealMiBs: Math.round(mib / sealed.seconds),
    decryptMiBs: Math.round(mib / decryptS),
    decryptMiBsNodeCrypto: Math.round(mib / nodeS),
    overheadPercent: +(2000 / chunkBytes).toFixed(3),
  });
  if (chunkBytes === 65536) defaultRecords = sealed.records;
}

// From disk: a whole-file streaming read, and 64 KiB range reads at random offsets.
const dir = await Deno.makeTempDir({ prefix: "selrec-bench-seal-" });
const path = `${dir}/r.ogg`;
if (defaultRecords.length === 0) defaultRecords = seal(pt, 65536).records;
{
  using f = await Deno.open(path, { write: true, create: true });
  for (const r of defaultRecords) for (let o = 0; o < r.length;) o += await f.write(r.subarray(o));
}
let t0 = performance.now();
let streamed = 0;
for await (const c of readSealedChunks(path, unwrap)) streamed += c.length;
const streamS = (performance.now() - t0) / 1000;
const rangeUs: number[] = [];
{
  using r = await openSealedFile(path, unwrap);
  for (let i = 0; i < 500; i++) {
    const start = Math.floor(Math.random() * (r.plaintextSize - 65536));
    t0 = performance.now();
    await r.readRange(start, start + 65536);
    rangeUs.push((performance.now() - t0) * 1000);
  }
}
t0 = performance.now();
for (let i = 0; i < 200; i++) (await openSealedFile(path, unwrap)).close();
const openUs = (performance.now() - t0) * 1000 / 200;
await Deno.remove(dir, { recursive: true });
rangeUs.sort((a, b) => a - b);

const at64k = perChunk.find((c) => c.chunkBytes === 65536);
const sealMiBs = at64k?.sealMiBs ?? perChunk.at(-1)!.sealMiBs;
// A call's file: Opus at 32 kbit/s (4,000 B/s), G.711 WAV stereo (16,000 B/s).
const cpuPercent = (bytesPerSecond: number) =>
  +(100 * bytesPerSecond / (sealMiBs * MIB)).toFixed(5);
console.log(JSON.stringify({
  machine: await machineFacts(),
  gcm: defaultGcm().name,
  plaintextMiB: mib,
  perChunk,
  decryptMiBsOneCore: at64k?.decryptMiBs ?? null,
  targetMiBs: TARGET_MIB_S,
  meetsTarget: (at64k?.decryptMiBs ?? 0) >= TARGET_MIB_S,
  fileStreamReadMiBs: Math.round(streamed / MIB / streamS),
  rangeRead64KiB: {
    p50Us: Math.round(rangeUs[rangeUs.length >> 1]),
    p99Us: Math.round(rangeUs[Math.floor(rangeUs.length * 0.99)]),
  },
  openSealedFileUs: Math.round(openUs),
  addedCpuPerCallPercent: { opus32k: cpuPercent(4000), wavG711: cpuPercent(16000) },
  headerBytes: HEADER_BYTES,
}));
