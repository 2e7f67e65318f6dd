/// <reference lib="deno.worker" />
/**
 * Test worker for opus_encoder_threads_test.ts: encodes the signal it is sent, frame by
 * frame at full speed, and posts every packet back.
 */
import { createOpusEncoder } from "./opus_encoder.ts";

self.onmessage = async (e: MessageEvent<{ pcm: Int16Array; backend: "native" | "wasm" }>) => {
  const { pcm, backend } = e.data;
  const enc = await createOpusEncoder({ backend, complexity: 5, bitrate: 32_000 });
  const step = enc.frameSamples * 2;
  // Start together: the race is between threads encoding at the same moment.
  self.postMessage({ t: "ready" });
  await new Promise((r) => (self.onmessage = r));
  const packets: Uint8Array[] = [];
  for (let off = 0; off + step <= pcm.length; off += step) {
    packets.push(enc.encode(pcm.subarray(off, off + step)));
  }
  self.postMessage({ t: "packets", packets });
};
