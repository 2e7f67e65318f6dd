import assert from "node:assert/strict";
import { enospc, fillableDisk } from "../../tests/helpers/full_disk.ts";
import { type AppendTarget, DurableAppender } from "./_durable_file.ts";
import { isTransientWriteError } from "./write_errors.ts";

const io = { sanitizeOps: true, sanitizeResources: true };

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

Deno.test("isTransientWriteError() matches ENOSPC, EDQUOT and EIO codes only", () => {
  assert.equal(isTransientWriteError(enospc()), true);
  assert.equal(isTransientWriteError(Object.assign(new Error("io"), { code: "EIO" })), true);
  assert.equal(isTransientWriteError(new Deno.errors.PermissionDenied("no")), false);
  assert.equal(isTransientWriteError(null), false);
});

Deno.test({
  name: "DurableAppender keeps bytes refused by a full disk and writes them in order on retry",
  ...io,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { disk, wrap } = fillableDisk();
      let held = 0;
      const budget = { add: (n: number) => held += n, full: false };
      const out = await DurableAppender.create(`${dir}/a.ogg`, () => 0, 2000, { budget, wrap });
      await out.append([bytes(100, 1)]);
      disk.shortNext = true; // 50 of the next 100 bytes go in, then the disk is full
      await out.append([bytes(100, 2), bytes(30, 3)]);
      assert.equal(out.stalled, true);
      assert.equal(out.size, 150);
      assert.equal(out.pendingBytes, 80);
      await out.append([bytes(20, 4)]); // queued behind the stall, no write attempted
      assert.equal(out.pendingBytes, 100);
      assert.equal(held, 100);
      assert.equal(await out.retry(), false);
      assert.equal(disk.refused, 2);
      await assert.rejects(() => out.commit(), (e) => isTransientWriteError(e));
      disk.full = false;
      assert.equal(await out.retry(), true);
      assert.equal(out.stalled, false);
      assert.equal(out.stalls, 1);
      assert.equal(held, 0);
      const done = await out.commit();
      const data = await Deno.readFile(done.path);
      const want = new Uint8Array([
        ...bytes(100, 1),
        ...bytes(100, 2),
        ...bytes(30, 3),
        ...bytes(20, 4),
      ]);
      assert.deepEqual(data, want);
      assert.equal(done.bytes, 250);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "DurableAppender throws a write error that is not transient",
  ...io,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const wrap = (f: Deno.FsFile): AppendTarget => ({
        write: () => Promise.reject(new Deno.errors.PermissionDenied("read-only")),
        syncData: () => f.syncData(),
        sync: () => f.sync(),
        seek: (o, w) => f.seek(o, w),
        close: () => f.close(),
      });
      const out = await DurableAppender.create(`${dir}/b.ogg`, () => 0, 2000, { wrap });
      await assert.rejects(() => out.append([bytes(10, 1)]), Deno.errors.PermissionDenied);
      out.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
