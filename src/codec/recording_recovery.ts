/**
 * Recovery of a recording file cut off by a crash (the `.partial` a recording_file.ts
 * writer left behind): an Ogg Opus file is cut at its last CRC-valid page that ends a
 * packet and that page marked EOS (RFC 3533 §6; with headers only, one empty 20 ms
 * packet is added); a WAV file is cut to whole frames and its header sizes fixed. The
 * plan is pure (bytes in, cut and patches out); {@link recoverPartial} applies it on disk.
 */
import { finalPathOf } from "./_durable_file.ts";
import { commitFile } from "./_durable_file.ts";
import { encodeOggPage, OGG_EOS, oggPackets, scanOggPages } from "./ogg.ts";
import { opusStreams, parseOpusHead } from "./opus_head.ts";
import { emptyOpusPacket } from "./opus_packet.ts";
import { encodeWavHeader, parseWav } from "./wav.ts";
import type { FinishedRecording } from "./recording_file.ts";

/**
 * Close a `.ogg.partial` or `.wav.partial` left by a crash: cut Ogg at the last
 * CRC-valid page that ends a packet and mark it EOS (its granule stays consistent), or
 * cut WAV to whole frames and fix its header; fsync, hash, rename, fsync the directory.
 * Throws SyntaxError when the file has no usable header.
 */
export async function recoverPartial(partialPath: string): Promise<FinishedRecording> {
  const finalPath = finalPathOf(partialPath);
  const bytes = await Deno.readFile(partialPath);
  const { end, patch, durationMs } = finalPath.endsWith(".wav")
    ? recoverWav(bytes)
    : recoverOgg(bytes);
  {
    using file = await Deno.open(partialPath, { read: true, write: true });
    await file.truncate(end);
    for (const [offset, data] of patch) {
      await file.seek(offset, Deno.SeekMode.Start);
      let o = 0;
      while (o < data.length) o += await file.write(data.subarray(o));
    }
    await file.sync();
  }
  const r = await commitFile(partialPath, finalPath);
  return { path: finalPath, ...r, durationMs };
}

/** How to close a cut-off recording: keep bytes `[0, end)`, then write each patch. */
export interface RecoveryPlan {
  end: number;
  patch: [number, Uint8Array][];
  durationMs: number;
}

/**
 * The plan {@link recoverPartial} follows, for a recording's bytes held in memory (a
 * sealed file's plaintext is recovered this way by src/recorder). Throws SyntaxError
 * when the bytes have no usable header.
 */
export function planRecovery(bytes: Uint8Array, format: "opus" | "wav"): RecoveryPlan {
  return format === "wav" ? recoverWav(bytes) : recoverOgg(bytes);
}

function recoverOgg(bytes: Uint8Array): RecoveryPlan {
  const pages = scanOggPages(bytes).pages;
  if (pages.length === 0) throw new SyntaxError("Cannot recover Ogg Opus: no valid page");
  const head = parseOpusHead(oggPackets([pages[0].page])[0]?.data ?? new Uint8Array());
  if (pages.length < 2) throw new SyntaxError("Cannot recover Ogg Opus: OpusTags page is missing");
  let last = pages.length - 1;
  while (last >= 2 && pages[last].page.granule < 0) last--;
  const { page, offset } = pages[last];
  const pageLength = 27 + page.segments.length + page.body.length;
  if (last >= 2) {
    const eos = encodeOggPage({ ...page, headerType: page.headerType | OGG_EOS });
    return {
      end: offset + pageLength,
      patch: [[offset, eos]],
      durationMs: Math.max(0, page.granule - head.preSkip) / 48,
    };
  }
  // Headers only: add one empty 20 ms packet so the stream has an EOS audio page.
  const { streams, coupled } = opusStreams(head);
  const body = emptyOpusPacket(streams, coupled);
  const eos = encodeOggPage({
    headerType: OGG_EOS,
    granule: 960,
    serial: page.serial,
    sequence: page.sequence + 1,
    segments: Uint8Array.of(body.length),
    body,
  });
  return {
    end: offset + pageLength + eos.length,
    patch: [[offset + pageLength, eos]],
    durationMs: Math.max(0, 960 - head.preSkip) / 48,
  };
}

function recoverWav(bytes: Uint8Array): RecoveryPlan {
  const wav = parseWav(bytes, { toEnd: true });
  const header = encodeWavHeader({ ...wav, dataBytes: wav.data.length });
  if (header.length !== wav.dataOffset) {
    throw new SyntaxError("Cannot recover WAV: header layout is not the one selrec writes");
  }
  return {
    end: wav.dataOffset + wav.data.length,
    patch: [[0, header]],
    durationMs: wav.frames * 1000 / wav.sampleRate,
  };
}
