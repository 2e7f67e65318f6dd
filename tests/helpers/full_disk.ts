/** A real file whose writes a test can make fail with ENOSPC (a full disk, on demand). */
import type { AppendTarget } from "../../src/codec/recording_file.ts";

/** ENOSPC the way Deno reports it: a plain Error with an errno `code`. */
export function enospc(): Error {
  return Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
}

/** A real file whose writes fail with ENOSPC while `disk.full`; counts refused writes. */
export function fillableDisk() {
  const disk = { full: false, refused: 0, shortNext: false };
  const wrap = (f: Deno.FsFile): AppendTarget => ({
    write: (p) => {
      if (disk.full) {
        disk.refused++;
        return Promise.reject(enospc());
      }
      // The kernel stops mid-buffer when the last block fills: half goes in, then ENOSPC.
      if (disk.shortNext && p.length > 1) {
        disk.shortNext = false;
        disk.full = true;
        return f.write(p.subarray(0, p.length >> 1));
      }
      return f.write(p);
    },
    syncData: () => disk.full ? Promise.reject(enospc()) : f.syncData(),
    sync: () => f.sync(),
    seek: (o, w) => f.seek(o, w),
    close: () => f.close(),
  });
  return { disk, wrap };
}
