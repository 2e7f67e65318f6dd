/**
 * The authentic prefix of a sealed file held in memory, for recovery after a crash:
 * every whole chunk that opens, in order, up to the first that is torn or fails (the
 * end of what was written), and whether the file was finished.
 *
 * @module
 */
import { IntegrityError } from "./integrity_error.ts";
import { CHUNK_OVERHEAD, ChunkCipher, FLAG_FINAL, readRecordHead } from "./chunk_cipher.ts";
import { concat } from "./sealed_format.ts";
import { HEADER_BYTES, parseHeader, type SealHeader } from "./sealed_header.ts";

/** What {@link scanSealed} found. */
export interface SealedScan {
  header: SealHeader;
  /** Plaintext length of each authentic chunk. */
  lengths: number[];
  plaintextBytes: number;
  /** File offset just after the last authentic chunk (where a torn tail starts). */
  end: number;
  /** A FINAL chunk was found (the file was closed). */
  finished: boolean;
  /** The plaintext of the authentic chunks (only when asked for). */
  plaintext?: Uint8Array;
}

/**
 * Scans `bytes` chunk by chunk. The header must parse (else {@link IntegrityError}); a
 * chunk that is short or fails authentication ends the scan.
 */
export function scanSealed(
  bytes: Uint8Array,
  dataKey: Uint8Array,
  path: string,
  options: { plaintext?: boolean } = {},
): SealedScan {
  const header = parseHeader(bytes, path);
  const cipher = new ChunkCipher(header, dataKey, path);
  const lengths: number[] = [];
  const parts: Uint8Array[] = [];
  let at = HEADER_BYTES, ptOffset = 0, finished = false;
  while (!finished && at + CHUNK_OVERHEAD <= bytes.length) {
    const { length } = readRecordHead(bytes.subarray(at, at + 4), path);
    if (at + length + CHUNK_OVERHEAD > bytes.length) break;
    let opened;
    try {
      opened = cipher.open(
        { index: lengths.length, ptOffset },
        bytes.subarray(at, at + length + CHUNK_OVERHEAD),
      );
    } catch (err) {
      if (err instanceof IntegrityError) break;
      throw err;
    }
    if (options.plaintext) parts.push(opened.plaintext);
    lengths.push(length);
    at += length + CHUNK_OVERHEAD;
    ptOffset += length;
    finished = opened.flag === FLAG_FINAL;
  }
  return {
    header,
    lengths,
    plaintextBytes: ptOffset,
    end: at,
    finished,
    ...(options.plaintext ? { plaintext: concat(parts) } : {}),
  };
}
