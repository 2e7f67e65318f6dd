/**
 * A plain append-only file with the {@link RawAppender} shape, for the seal tests (the
 * box uses src/codec's DurableAppender, which a leaf test cannot import): writes at once,
 * fdatasyncs when asked and due, renames `<final>.partial` to `<final>` on commit.
 */
import { createHash } from "node:crypto";
import type { RawAppender } from "./sealed_writer.ts";

/** Opens `<finalPath>.partial` for {@link SealedAppender.over}. */
export async function fileAppender(
  finalPath: string,
  syncIntervalMs = 0,
  now: () => number = Date.now,
): Promise<RawAppender> {
  const partialPath = `${finalPath}.partial`;
  const file = await Deno.open(partialPath, { write: true, createNew: true });
  let size = 0, lastSync = now(), closed = false;
  const writeAll = async (b: Uint8Array) => {
    let o = 0;
    while (o < b.length) o += await file.write(b.subarray(o));
  };
  return {
    partialPath,
    get size() {
      return size;
    },
    pendingBytes: 0,
    stalled: false,
    stallError: null,
    stalls: 0,
    async append(chunks) {
      for (const c of chunks) {
        await writeAll(c);
        size += c.length;
      }
    },
    retry: () => Promise.resolve(true),
    async syncIfDue() {
      if (now() - lastSync >= syncIntervalMs) {
        await file.syncData();
        lastSync = now();
      }
    },
    async patch(offset, bytes) {
      await file.seek(offset, Deno.SeekMode.Start);
      await writeAll(bytes);
      await file.seek(0, Deno.SeekMode.End);
    },
    async commit() {
      await file.sync();
      file.close();
      closed = true;
      await Deno.rename(partialPath, finalPath);
      const bytes = await Deno.readFile(finalPath);
      return {
        path: finalPath,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        bytes: bytes.length,
      };
    },
    close() {
      if (!closed) file.close();
      closed = true;
    },
  };
}
