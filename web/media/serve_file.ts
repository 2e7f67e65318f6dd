/**
 * Serves recording bytes with Range support (206 + Content-Range, 416 with `bytes * /size`,
 * Accept-Ranges, ETag and If-Range). Deno.serve and Hono's static helper ignore Range,
 * and `<audio>` needs it to learn the duration and to seek.
 *
 * The bytes come from a {@link ByteSource}: a finished recording's is the verified read
 * path (src/archive/recording_bytes.ts), so the response is built only after the file
 * verified and its stream stops rather than pass a changed byte.
 */
import { parseRange } from "./range.ts";
import { MAX_OGG_PAGE, wholePagesEnd } from "./partial_ogg.ts";
import { openSealedFile, type Unwrap } from "../../src/seal/sealed_reader.ts";
import { chunkStream } from "../../src/archive/sealed_bytes.ts";
import { readAt } from "../../src/archive/file_check.ts";

/** Bytes to serve: their size, when they changed, and a stream of `[start, end)`. */
export interface ByteSource {
  readonly size: number;
  readonly mtime: Date | null;
  stream(start: number, end: number): ReadableStream<Uint8Array>;
}

/** Options for {@link serveBytes}. */
export interface ServeFileOptions {
  contentType: string;
  /** Strong validator (e.g. the recording's SHA-256); falls back to size and mtime. */
  etag?: string | null;
  /** `Content-Disposition` for downloads. */
  disposition?: string;
  method?: string;
}

/** Builds the response for `src` honouring `range` and `ifRange`. */
export function serveBytes(
  src: ByteSource,
  headers: { range?: string; ifRange?: string },
  o: ServeFileOptions,
): Response {
  const size = src.size;
  const etag = `"${o.etag ?? `${size.toString(16)}-${(src.mtime?.getTime() ?? 0).toString(16)}`}"`;
  const h = new Headers({
    "Content-Type": o.contentType,
    "Accept-Ranges": "bytes",
    "ETag": etag,
    "Cache-Control": "private, no-store",
  });
  if (src.mtime) h.set("Last-Modified", src.mtime.toUTCString());
  if (o.disposition) h.set("Content-Disposition", o.disposition);
  const useRange = headers.ifRange === undefined || headers.ifRange === etag;
  const r = useRange ? parseRange(headers.range, size) : { kind: "full" as const };
  if (r.kind === "unsatisfiable") {
    h.set("Content-Range", `bytes */${size}`);
    return new Response(null, { status: 416, headers: h });
  }
  const [start, end, status] = r.kind === "partial" ? [r.start, r.end, 206] : [0, size - 1, 200];
  const length = Math.max(0, end - start + 1);
  h.set("Content-Length", String(length));
  if (status === 206) h.set("Content-Range", `bytes ${start}-${end}/${size}`);
  if (o.method === "HEAD" || length === 0) return new Response(null, { status, headers: h });
  return new Response(src.stream(start, end + 1), { status, headers: h });
}

/**
 * The first `size` bytes of a file still being written (an in-progress recording's whole
 * Ogg pages). It has no digest yet, so it is served as it is: see recording_media.ts.
 */
export async function growingFileSource(path: string, size: number): Promise<ByteSource> {
  const info = await Deno.stat(path);
  const served = Math.min(size, info.size);
  return {
    size: served,
    mtime: info.mtime,
    stream: (start, end) =>
      chunkStream(start, Math.min(end, served), {
        open: () => Deno.open(path, { read: true }),
        read: (file, from, to) => readAt(file, from, to),
        close: (file) => file.close(),
      }),
  };
}

/**
 * The whole Ogg pages so far of a sealed recording still being written: chunks are found
 * by walking their headers and each is authenticated as it is decrypted, so even an
 * in-progress recording serves only authenticated plaintext. Throws IntegrityError.
 */
export async function growingSealedSource(path: string, unwrap: Unwrap): Promise<ByteSource> {
  const info = await Deno.stat(path);
  let size: number;
  {
    using reader = await openSealedFile(path, unwrap, { unfinished: true });
    const total = reader.plaintextSize;
    const from = Math.max(0, total - 2 * MAX_OGG_PAGE);
    const end = wholePagesEnd(await reader.readRange(from, total), from === 0);
    size = end === 0 ? 0 : from + end;
  }
  return {
    size,
    mtime: info.mtime,
    stream: (start, end) =>
      chunkStream(start, Math.min(end, size), {
        open: () => openSealedFile(path, unwrap, { unfinished: true }),
        read: (reader, from, to) => reader.readRange(from, to),
        close: (reader) => reader.close(),
      }),
  };
}
