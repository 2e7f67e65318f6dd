import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { IntegrityError, openRecordingBytes, VerdictCache } from "./recording_bytes.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function withFile(fn: (path: string, bytes: Uint8Array) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = new Uint8Array(200_000);
    for (let o = 0; o < bytes.length; o += 65_536) {
      crypto.getRandomValues(bytes.subarray(o, o + 65_536));
    }
    const path = join(dir, "r.opus");
    await Deno.writeFile(path, bytes);
    await fn(path, bytes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Flips one bit of byte `at`. Waits a little first: file times tick with the kernel's
 * coarse clock (a few ms), and a file at rest is never changed in its first milliseconds.
 */
async function flipByte(path: string, at: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 25));
  using f = await Deno.open(path, { read: true, write: true });
  const b = new Uint8Array(1);
  await f.seek(at, Deno.SeekMode.Start);
  await f.read(b);
  b[0] ^= 0x01;
  await f.seek(at, Deno.SeekMode.Start);
  await f.write(b);
}

async function collect(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test("openRecordingBytes() serves ranges of a file that matches its digest", FS, async () => {
  await withFile(async (path, bytes) => {
    const rb = await openRecordingBytes({ id: "r", sha256: sha(bytes) }, path);
    assert.equal(rb.size, bytes.length);
    assert.deepEqual(await rb.readRange(1000, 1010), bytes.subarray(1000, 1010));
    assert.deepEqual(await collect(rb.stream(70_000, 150_001)), bytes.subarray(70_000, 150_001));
    assert.deepEqual(await rb.readAll(), bytes);
  });
});

Deno.test(
  "openRecordingBytes() refuses a file with one byte changed, or no digest",
  FS,
  async () => {
    await withFile(async (path, bytes) => {
      const rec = { id: "r", sha256: sha(bytes) };
      await flipByte(path, 150_000);
      await assert.rejects(() => openRecordingBytes(rec, path), (err) => {
        assert.ok(err instanceof IntegrityError);
        assert.equal(err.path, path);
        assert.match(err.detail, new RegExp(`expected ${rec.sha256}`));
        return true;
      });
      await assert.rejects(
        () => openRecordingBytes({ id: "r", sha256: null }, path),
        IntegrityError,
      );
    });
  },
);

Deno.test("the verdict cache hashes a file once until it changes", FS, async () => {
  await withFile(async (path, bytes) => {
    const verdicts = new VerdictCache();
    const rec = { id: "r", sha256: sha(bytes) };
    await Promise.all([1, 2, 3].map(() => openRecordingBytes(rec, path, { verdicts })));
    assert.equal(verdicts.hashes, 1, "parallel opens share one hash");
    for (let i = 0; i < 5; i++) await openRecordingBytes(rec, path, { verdicts });
    assert.equal(verdicts.hashes, 1, "later opens use the cached verdict");

    // Changed in place, then its mtime put back: ctime still moved, so it is hashed again
    // (Deno reports ctime in whole seconds: the change comes a second later).
    const { mtime } = await Deno.stat(path);
    await new Promise((r) => setTimeout(r, 1100));
    await flipByte(path, 10);
    await Deno.utime(path, mtime!, mtime!);
    await assert.rejects(() => openRecordingBytes(rec, path, { verdicts }), IntegrityError);
    assert.equal(verdicts.hashes, 2);
    await assert.rejects(() => openRecordingBytes(rec, path, { verdicts }), IntegrityError);
    assert.equal(verdicts.hashes, 2, "the failing verdict is cached too");

    // Replaced by the good bytes (a restore): a new inode and mtime, verified again.
    await Deno.writeFile(`${path}.new`, bytes);
    await Deno.rename(`${path}.new`, path);
    await openRecordingBytes(rec, path, { verdicts });
    assert.equal(verdicts.hashes, 3);
  });
});

Deno.test(
  "a reader re-verifies before serving bytes of a file changed after it opened",
  FS,
  async () => {
    await withFile(async (path, bytes) => {
      const verdicts = new VerdictCache();
      const rb = await openRecordingBytes({ id: "r", sha256: sha(bytes) }, path, { verdicts });
      await flipByte(path, 199_999);
      await assert.rejects(() => rb.readRange(0, 10), IntegrityError);
      await assert.rejects(() => collect(rb.stream(0, 100)), IntegrityError);
    });
  },
);

Deno.test(
  "a stream stops rather than pass bytes of a file changed while it streams",
  FS,
  async () => {
    await withFile(async (path, bytes) => {
      const rb = await openRecordingBytes({ id: "r", sha256: sha(bytes) }, path);
      const reader = rb.stream(0, bytes.length).getReader();
      const first = await reader.read();
      assert.deepEqual(first.value, bytes.subarray(0, first.value!.length));
      await flipByte(path, 150_000);
      await assert.rejects(async () => {
        for (;;) if ((await reader.read()).done) break;
      }, IntegrityError);
    });
  },
);
