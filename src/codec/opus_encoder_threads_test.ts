/**
 * Encoders in several threads at once (the box runs one per encoder worker) give the
 * same bytes as one thread alone: libopus is deterministic, so any difference is one
 * thread's packet bytes leaking into another's.
 */
import assert from "node:assert/strict";
import { createOpusEncoder } from "./opus_encoder.ts";

/** Two parties of a different mix of tones per thread, `seconds` long at 8 kHz. */
function signal(seed: number, seconds: number): Int16Array {
  const n = 8000 * seconds, pcm = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    pcm[2 * i] = Math.round(5000 * Math.sin(i * (0.2 + seed * 0.05)) + 2000 * Math.sin(i * 0.9));
    pcm[2 * i + 1] = Math.round(
      4000 * Math.sin(i * (0.6 + seed * 0.03)) + 3000 * Math.sin(i * 1.7),
    );
  }
  return pcm;
}

for (const backend of ["native", "wasm"] as const) {
  Deno.test(`Opus encoders in ${backend} threads at once give one thread's bytes`, async () => {
    const threads = 3, seconds = 6;
    const inputs = Array.from({ length: threads }, (_, i) => signal(i, seconds));
    const workers = inputs.map(() =>
      new Worker(new URL("./opus_encoder_threads_worker.ts", import.meta.url), { type: "module" })
    );
    try {
      const next = (w: Worker) =>
        new Promise<{ t: string; packets?: Uint8Array[] }>((r) =>
          w.addEventListener("message", (e) => r(e.data), { once: true })
        );
      const ready = workers.map(next);
      workers.forEach((w, i) => w.postMessage({ pcm: inputs[i], backend }));
      await Promise.all(ready);
      const done = workers.map(next);
      for (const w of workers) w.postMessage("go");
      const results = await Promise.all(done);
      for (let t = 0; t < threads; t++) {
        const alone = await createOpusEncoder({ backend, complexity: 5, bitrate: 32_000 });
        const step = alone.frameSamples * 2, got = results[t].packets!;
        assert.equal(got.length, inputs[t].length / step);
        let differ = 0;
        for (let f = 0; f < got.length; f++) {
          const want = alone.encode(inputs[t].subarray(f * step, (f + 1) * step));
          if (want.length !== got[f].length || want.some((b, k) => b !== got[f][k])) differ++;
        }
        assert.equal(differ, 0, `thread ${t}: ${differ} of ${got.length} packets differ`);
      }
    } finally {
      for (const w of workers) w.terminate();
    }
  });
}

Deno.test("without a writable temporary directory a thread encodes with WASM and says why", async () => {
  const code = `
    import { createOpusEncoder } from "${new URL("./opus_encoder.ts", import.meta.url)}";
    import { opusNativeError } from "${new URL("./opus_addon.ts", import.meta.url)}";
    const enc = await createOpusEncoder();
    console.log(JSON.stringify({ backend: enc.backend, why: opusNativeError() }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    env: { TMPDIR: "/nonexistent/selrec-tmp" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const got = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(got.backend, "wasm");
  assert.match(got.why, /nonexistent\/selrec-tmp/);
});
