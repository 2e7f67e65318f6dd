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
  return {
    size: Math.min(size, info.size),
    mtime: info.mtime,
    stream(start, end) {
      let file: Deno.FsFile | null = null;
      let pos = start;
      const close = () => {
        try {
          file?.close();
        } catch {
          // already closed
        }
      };
      return new ReadableStream<Uint8Array>({
        type: "bytes",
        async pull(ctrl) {
          if (!file) {
            file = await Deno.open(path, { read: true });
            await file.seek(start, Deno.SeekMode.Start);
          }
          const buf = new Uint8Array(Math.min(64 * 1024, end - pos));
          const n = buf.length > 0 ? await file.read(buf) : null;
          if (n === null) {
            close();
            ctrl.close();
            return;
          }
          pos += n;
          ctrl.enqueue(buf.subarray(0, n));
        },
        cancel: close,
      });
    },
  };
}
