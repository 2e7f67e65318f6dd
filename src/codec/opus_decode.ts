/**
 * Decode a whole Ogg Opus file to float PCM at 48 kHz with npm:opus-decoder (WASM),
 * applying pre-skip and end trimming from the last granule (RFC 7845 §4.2, §4.5).
 * For tests, the waveform and WAV transcoding; not for the packet path.
 */
import { OpusDecoder } from "opus-decoder";
import { oggPackets, scanOggPages } from "./ogg.ts";
import { opusStreams, parseOpusHead } from "./opus_head.ts";

/** Decoded audio: one Float32Array per channel at 48 kHz. */
export interface DecodedOpus {
  channels: 1 | 2;
  sampleRate: 48000;
  preSkip: number;
  channelData: Float32Array[];
  /** Samples per channel after trimming. */
  samples: number;
  /** Packets the decoder reported as bad. */
  errors: number;
}

/** Decode Ogg Opus bytes. Throws SyntaxError when the stream has no valid OpusHead. */
export async function decodeOggOpus(bytes: Uint8Array): Promise<DecodedOpus> {
  const scan = scanOggPages(bytes);
  const packets = oggPackets(scan.pages.map((p) => p.page));
  if (packets.length < 2) throw new SyntaxError("Cannot decode Ogg Opus: headers are missing");
  const head = parseOpusHead(packets[0].data);
  const { streams, coupled, table } = opusStreams(head);
  const decoder = new OpusDecoder({
    channels: head.channels,
    streamCount: streams,
    coupledStreamCount: coupled,
    channelMappingTable: table,
    preSkip: head.preSkip,
  });
  await decoder.ready;
  try {
    const audio = packets.slice(2).map((p) => p.data);
    const out = decoder.decodeFrames(audio);
    let lastGranule = -1;
    for (const p of packets) if (p.granule >= 0) lastGranule = p.granule;
    const total = Math.max(0, lastGranule - head.preSkip);
    const samples = Math.min(total, out.samplesDecoded);
    return {
      channels: head.channels,
      sampleRate: 48000,
      preSkip: head.preSkip,
      channelData: out.channelData.map((c) => c.subarray(0, samples)),
      samples,
      errors: out.errors.length,
    };
  } finally {
    decoder.free();
  }
}
