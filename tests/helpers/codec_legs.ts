/**
 * RTP legs in codecs other than G.711 for integration tests, encoded by encoders that are
 * not ours: ffmpeg's G.722 and libopus encoders (ffmpeg), and libbcg729's reference G.729
 * encoder (src/codec/g729_test_util.ts, FFI from the test). Audio is built here as PCM
 * (tone spans), handed to the encoder, and cut into RTP payloads with their timestamps.
 */
import { oggPackets, scanOggPages } from "../../src/codec/ogg.ts";
import { encodeG711 } from "../../src/codec/g711.ts";
import { encodeG729, packG729 } from "../../src/codec/g729_test_util.ts";
import { serializeRtpPacket } from "../../src/rtp/packet.ts";

/** A span of tone (Hz; 0 = silence, -1 = white noise) lasting `ms`. */
export interface ToneSpan {
  hz: number;
  ms: number;
  amplitude?: number;
}

/** One RTP payload and its timestamp offset (RTP clock units from the leg's start). */
export interface LegPacket {
  payload: Uint8Array;
  ts: number;
  /** Audio time of the packet from the leg's start, ms (its pacing). */
  atMs: number;
}

/** Mono PCM at `rate` of tone spans back to back, phase-continuous within a span. */
export function tonePcm(rate: number, spans: ToneSpan[]): Int16Array {
  const total = spans.reduce((n, s) => n + Math.round((rate * s.ms) / 1000), 0);
  const out = new Int16Array(total);
  let at = 0;
  for (const s of spans) {
    const n = Math.round((rate * s.ms) / 1000);
    const amp = s.amplitude ?? 8000;
    for (let i = 0; i < n; i++) {
      out[at + i] = s.hz > 0
        ? Math.round(amp * Math.sin((2 * Math.PI * s.hz * i) / rate))
        : s.hz < 0
        ? Math.round(amp * (Math.random() * 2 - 1))
        : 0;
    }
    at += n;
  }
  return out;
}

async function ffmpeg(args: string[], input: Int16Array, rate: number): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-codec-" });
  try {
    const raw = `${dir}/in.raw`, out = `${dir}/out`;
    await Deno.writeFile(raw, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
    const r = await new Deno.Command("ffmpeg", {
      args: ["-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", String(rate), "-ac", "1"]
        .concat(["-i", raw, ...args, "-y", out]),
      stdout: "null",
      stderr: "piped",
    }).output();
    if (r.code !== 0) throw new Error(`ffmpeg failed: ${new TextDecoder().decode(r.stderr)}`);
    return await Deno.readFile(out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** G.722 (ffmpeg's encoder, 64 kbit/s) of 16 kHz tone spans, 20 ms packets (160 bytes). */
export async function g722Leg(spans: ToneSpan[]): Promise<LegPacket[]> {
  const bytes = await ffmpeg(["-acodec", "g722", "-f", "g722"], tonePcm(16000, spans), 16000);
  const out: LegPacket[] = [];
  // One byte per 8 kHz clock tick (two 16 kHz samples), RFC 3551 §4.5.2.
  for (let i = 0; i + 160 <= bytes.length; i += 160) {
    out.push({ payload: bytes.slice(i, i + 160), ts: i, atMs: i / 8 });
  }
  return out;
}

/** Opus (ffmpeg's libopus, 20 ms frames) of 48 kHz tone spans; RTP clock 48000 (RFC 7587). */
export async function opusLeg(spans: ToneSpan[], bitrate = 32000): Promise<LegPacket[]> {
  const ogg = await ffmpeg(
    ["-c:a", "libopus", "-b:a", String(bitrate), "-frame_duration", "20", "-f", "ogg"],
    tonePcm(48000, spans),
    48000,
  );
  const packets = oggPackets(scanOggPages(ogg).pages.map((p) => p.page)).slice(2);
  return packets.map((p, i) => ({ payload: p.data, ts: i * 960, atMs: i * 20 }));
}

/**
 * G.729 (libbcg729's reference encoder) of 8 kHz tone spans, two 10 ms frames per packet;
 * with `vad` (Annex B) silence goes as SID frames and untransmitted frames (DTX).
 */
export function g729Leg(spans: ToneSpan[], vad: boolean): LegPacket[] {
  const frames = encodeG729(tonePcm(8000, spans), vad);
  return packG729(frames, 2).map((p) => ({
    payload: p.payload,
    ts: p.frame * 80,
    atMs: p.frame * 10,
  }));
}

/** G.711 µ-law of 8 kHz tone spans, 20 ms packets. */
export function pcmuLeg(spans: ToneSpan[]): LegPacket[] {
  const pcm = tonePcm(8000, spans);
  const out: LegPacket[] = [];
  for (let i = 0; i + 160 <= pcm.length; i += 160) {
    out.push({ payload: encodeG711("pcmu", pcm.subarray(i, i + 160)), ts: i, atMs: i / 8 });
  }
  return out;
}

/** How {@link sendLeg} numbers and paces a leg's packets. */
export interface SendOptions {
  port: number;
  pt: number;
  ssrc: number;
  /** First sequence number and timestamp (a continuing leg after a codec change). */
  seq0?: number;
  ts0?: number;
  /** Wall time (performance.now()) of the leg's audio time 0; default now. */
  t0?: number;
  /** Packet indexes not sent (loss). */
  drop?: (index: number) => boolean;
  /** Another payload type and payload for packet `index` (a codec change), else null. */
  packet?: (index: number) => { pt: number; payload: Uint8Array } | null;
}

/**
 * Sends `packets` paced by their audio time; returns the next sequence number and
 * timestamp, so a leg can continue in another codec.
 */
export async function sendLeg(
  sock: Deno.DatagramConn,
  packets: LegPacket[],
  o: SendOptions,
): Promise<{ seq: number; ts: number; sent: number }> {
  const seq0 = o.seq0 ?? 1000, ts0 = o.ts0 ?? 90000, t0 = o.t0 ?? performance.now();
  const addr = { transport: "udp" as const, hostname: "127.0.0.1", port: o.port };
  let sent = 0;
  for (const [i, p] of packets.entries()) {
    const wait = t0 + p.atMs - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (o.drop?.(i)) continue;
    const other = o.packet?.(i);
    await sock.send(
      serializeRtpPacket({
        payloadType: other?.pt ?? o.pt,
        sequenceNumber: (seq0 + i) & 0xffff,
        timestamp: (ts0 + p.ts) >>> 0,
        ssrc: o.ssrc,
        marker: i === 0,
        payload: other?.payload ?? p.payload,
      }),
      addr,
    );
    sent++;
  }
  const step = packets.length > 1 ? packets[1].ts - packets[0].ts : 0;
  const next = packets.length ? packets[packets.length - 1].ts + step : 0;
  return { seq: seq0 + packets.length, ts: ts0 + next, sent };
}
