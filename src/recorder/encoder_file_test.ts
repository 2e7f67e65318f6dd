import assert from "node:assert/strict";
import { join } from "node:path";
import { OpusEncoderPool } from "./encoder_pool.ts";
import { openFile } from "./encoder_file.ts";
import type { FileSpec } from "./media_protocol.ts";

Deno.test("a file that cannot be created gives its Opus encoder back, however often it is retried", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spec: FileSpec = {
      path: join(dir, "missing-dir", "rec.opus"), // the create fails, as on a full disk
      format: "opus",
      sampleRate: 8000,
      complexity: 0,
      bitrate: 32_000,
      silenceGateDbfs: null,
      pageIntervalMs: 1000,
      syncIntervalMs: 1000,
      comments: [],
    };
    const pool = new OpusEncoderPool();
    for (let i = 0; i < 5; i++) {
      await assert.rejects(openFile(spec, null, pool));
    }
    assert.deepEqual({ created: pool.created, idle: pool.idle }, { created: 1, idle: 1 });
    const ok = await openFile({ ...spec, path: join(dir, "rec.opus") }, null, pool);
    assert.equal(pool.reused, 5);
    await ok.file.finish();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
