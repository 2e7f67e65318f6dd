import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { recoverSealed } from "./sealed_writer.ts";
import { openSealedFile } from "./sealed_reader.ts";
import { streamByte } from "./sealed_writer_child_test_util.ts";

const CHILD = fileURLToPath(new URL("./sealed_writer_child_test_util.ts", import.meta.url));
const RATE = 8000; // bytes a second the child writes

Deno.test({
  name: "kill -9 mid-chunk: recoverSealed keeps all but the last ≤ 2 s, exactly as written",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const hex = Array.from(dataKey, (b) => b.toString(16).padStart(2, "0")).join("");
    for (const [chunk, interval, runMs] of [[4096, 1000, 2600], [65536, 1500, 3300]]) {
      const final = `${dir}/r-${chunk}.ogg`;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, final, hex, String(chunk), String(interval)],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      let reported = 0;
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const started = Date.now();
      let buf = "";
      while (Date.now() - started < runMs || reported === 0) {
        const { value, done } = await lines.read();
        if (done) break;
        buf += value;
        const parts = buf.split("\n");
        buf = parts.pop()!;
        if (parts.length) reported = Number(parts.at(-1));
      }
      child.kill("SIGKILL");
      await child.status;
      await lines.cancel();
      const partial = `${final}.partial`;
      const r = await recoverSealed(partial, dataKey);
      assert.ok(
        r.plaintextBytes >= reported - 2 * RATE,
        `kept ${r.plaintextBytes} of ${reported} bytes (chunk ${chunk}, interval ${interval})`,
      );
      using reader = await openSealedFile(partial, () => Promise.resolve(dataKey));
      const got = await reader.readRange(0, reader.plaintextSize);
      for (let i = 0; i < got.length; i++) {
        if (got[i] !== streamByte(i)) assert.fail(`byte ${i} differs from what was written`);
      }
    }
    await Deno.remove(dir, { recursive: true });
  },
});
