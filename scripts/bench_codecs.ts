/**
 * Per-packet decode cost of each RTP codec the capture path decodes (20 ms packets, one
 * decoder per stream, mono): PCMU, G.722 (TypeScript and libspandsp2 FFI), G.729 (libbcg729
 * FFI), Opus decoded to 8 and 16 kHz (libopus FFI, and the @evan/opus addon for
 * comparison); and the resampler's cost per 20 ms packet for the rate pairs a recording
 * needs. Prints µs/packet and heap growth per packet.
 * Run: scripts/dev.sh deno run -A scripts/bench_codecs.ts [PACKETS]   (default 20000)
 * The table goes to stderr; stdout gets one JSON document (a `deno task bench` case,
 * `deno task bench -- --only codecs`).
 */
import { createPacketDecoder, type PacketDecoder } from "../src/codec/packet_decoder.ts";
import { OpusPacketDecoder } from "../src/codec/opus_packet_decoder.ts";
import { createOpusEncoder } from "../src/codec/opus_encoder.ts";
import { encodeG711 } from "../src/codec/g711.ts";
import { encodeG729, packG729 } from "../src/codec/g729_test_util.ts";
import { Resampler } from "../src/codec/resample.ts";

const N = Number(Deno.args[0] ?? 20_000);

/** A voice-like test signal: two tones with a slow tremolo and a little noise. */
function signal(rate: number, samples: number): Int16Array {
  let seed = 1;
  return Int16Array.from({ length: samples }, (_, i) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const t = i / rate;
    const env = 0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t);
    const v = env *
      (5000 * Math.sin(2 * Math.PI * 440 * t) + 2000 * Math.sin(2 * Math.PI * 2900 * t));
    return Math.round(v + ((seed >>> 16) / 65536 - 0.5) * 300);
  });
}

/** One second of 20 ms payloads, cycled to N packets. */
function cycle(payloads: Uint8Array[]): Uint8Array[] {
  return Array.from({ length: N }, (_, i) => payloads[i % payloads.length]);
}

function g711Packets(): Uint8Array[] {
  const pcm = signal(8000, 8000);
  return cycle(
    Array.from({ length: 50 }, (_, i) => encodeG711("pcmu", pcm.subarray(i * 160, i * 160 + 160))),
  );
}

function g722Packets(): Uint8Array[] {
  // ADPCM costs the same for any bytes: every byte sequence is a valid G.722 payload.
  return cycle(Array.from({ length: 50 }, () => crypto.getRandomValues(new Uint8Array(160))));
}

function g729Packets(): Uint8Array[] {
  return cycle(packG729(encodeG729(signal(8000, 8000), false), 2).map((p) => p.payload));
}

async function opusPackets(): Promise<Uint8Array[]> {
  const enc = await createOpusEncoder({
    channels: 1,
    sampleRate: 48000,
    frameMs: 20,
    bitrate: 32000,
  });
  const pcm = signal(48000, 48000);
  return cycle(
    Array.from({ length: 50 }, (_, i) => enc.encode(pcm.subarray(i * 960, i * 960 + 960)).slice()),
  );
}

interface Result {
  usPerPacket: number;
  heapBytesPerPacket: number;
  samplesPerPacket: number;
}
const decode: Record<string, Result> = {};
const resample: Record<string, Result> = {};

function time(run: () => number): { us: number; heap: number; samples: number } {
  run(); // warm-up
  const heap = Deno.memoryUsage().heapUsed;
  const t0 = performance.now();
  const samples = run();
  const ms = performance.now() - t0;
  return {
    us: (ms * 1000) / N,
    heap: (Deno.memoryUsage().heapUsed - heap) / N,
    samples: samples / N,
  };
}

function record(into: Record<string, Result>, name: string, r: ReturnType<typeof time>) {
  into[name] = {
    usPerPacket: Math.round(r.us * 100) / 100,
    heapBytesPerPacket: Math.round(r.heap),
    samplesPerPacket: Math.round(r.samples),
  };
  console.error(
    `${name.padEnd(24)} ${r.us.toFixed(2).padStart(8)} µs/packet ${
      r.heap.toFixed(0).padStart(6)
    } heap B/packet`,
  );
}

function benchDecoder(name: string, dec: PacketDecoder, packets: Uint8Array[]): void {
  const out = new Int16Array(dec.maxSamples);
  record(
    decode,
    name,
    time(() => {
      let total = 0;
      for (const p of packets) {
        const n = dec.decode(p, out);
        if (n < 0) throw new Error(`${name}: a packet did not decode`);
        total += n;
      }
      return total;
    }),
  );
  dec.free();
}

const must = (d: PacketDecoder | null) => {
  if (!d) throw new Error("no decoder");
  return d;
};

console.error(`${N} packets of 20 ms per case`);
const g722Default = must(await createPacketDecoder("G722", 8000));
g722Default.free();
benchDecoder("PCMU", must(await createPacketDecoder("PCMU", 8000)), g711Packets());
const g722 = g722Packets();
benchDecoder("G722_ts", must(await createPacketDecoder("G722", 8000, {}, { g722: "ts" })), g722);
benchDecoder(
  "G722_spandsp",
  must(await createPacketDecoder("G722", 8000, {}, { g722: "spandsp" })),
  g722,
);
benchDecoder("G729_bcg729", must(await createPacketDecoder("G729", 8000)), g729Packets());
const opus = await opusPackets();
benchDecoder(
  "opus_to_8k",
  must(await createPacketDecoder("opus", 48000, {}, { rate: 8000 })),
  opus,
);
benchDecoder(
  "opus_to_16k",
  must(await createPacketDecoder("opus", 48000, {}, { rate: 16000 })),
  opus,
);
benchDecoder(
  "opus_to_48k",
  must(await createPacketDecoder("opus", 48000, {}, { rate: 48000 })),
  opus,
);
benchDecoder("opus_to_16k_addon", await OpusPacketDecoder.create(16000, "addon"), opus);

for (
  const [from, to] of [[8000, 16000], [8000, 48000], [16000, 48000], [12000, 16000], [48000, 16000]]
) {
  const r = new Resampler(from, to);
  const input = signal(from, from / 50);
  const out = new Int16Array(r.outputFor(input.length) + 1);
  record(
    resample,
    `${from / 1000}k_to_${to / 1000}k`,
    time(() => {
      let total = 0;
      for (let i = 0; i < N; i++) total += r.process(input, out);
      return total;
    }),
  );
}

console.log(JSON.stringify({
  bench: "codecs",
  packets: N,
  packetMs: 20,
  note:
    "one stream, mono, one core; G.722 64 kbit/s; G.729 2 frames per packet, VAD off; Opus 32 kbit/s mono 48 kHz from @evan/opus",
  /** What createPacketDecoder() picks for G.722 by default on this machine. */
  g722Default: (g722Default as unknown as { impl: string }).impl,
  decode,
  resample,
}));
