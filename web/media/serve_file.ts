/**
 * Serves a file with Range support (206 + Content-Range, 416 with `bytes * /size`,
 * Accept-Ranges, ETag and If-Range). Deno.serve and Hono's static helper ignore Range,
 * and `<audio>` needs it to learn the duration and to seek.
 */
import { parseRange } from "./range.ts";

/** Streams `length` bytes of `file` from `start`, closing it at the end or on cancel. */
function sliceStream(file: Deno.FsFile, start: number, length: number): ReadableStream<Uint8Array> {
  let left = length;
  let positioned = false;
  const close = () => {
    try {
      file.close();
    } catch {
      // already closed
    }
  };
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    async pull(ctrl) {
      if (!positioned) {
        await file.seek(start, Deno.SeekMode.Start);
        positioned = true;
      }
      if (left <= 0) {
        close();
        ctrl.close();
        return;
      }
      const buf = new Uint8Array(Math.min(64 * 1024, left));
      const n = await file.read(buf);
      if (n === null) {
        close();
        ctrl.close();
        return;
      }
      left -= n;
      ctrl.enqueue(buf.subarray(0, n));
    },
    cancel() {
      close();
    },
  });
}

/** Options for {@link serveFile}. */
export interface ServeFileOptions {
  contentType: string;
  /** Strong validator (e.g. the recording's SHA-256); falls back to size and mtime. */
  etag?: string | null;
  /** `Content-Disposition` for downloads. */
  disposition?: string;
  method?: string;
  /** Serve only the first `size` bytes (a file still being written: its whole pages). */
  size?: number;
}

/** Builds the response for `path` honouring `range` and `ifRange`. */
export async function serveFile(
  path: string,
  headers: { range?: string; ifRange?: string },
  o: ServeFileOptions,
): Promise<Response> {
  const info = await Deno.stat(path);
  const size = o.size === undefined ? info.size : Math.min(info.size, o.size);
  const etag = `"${o.etag ?? `${size.toString(16)}-${(info.mtime?.getTime() ?? 0).toString(16)}`}"`;
  const h = new Headers({
    "Content-Type": o.contentType,
    "Accept-Ranges": "bytes",
    "ETag": etag,
    "Cache-Control": "private, no-store",
  });
  if (info.mtime) h.set("Last-Modified", info.mtime.toUTCString());
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
  const file = await Deno.open(path, { read: true });
  return new Response(sliceStream(file, start, length), { status, headers: h });
}
