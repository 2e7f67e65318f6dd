/**
 * Spawning the media workers: one capture worker and `n` encoder workers, each encoder
 * connected to the capture worker by its own MessageChannel and handed the box-wide
 * write budget. The encoders report `ready` once libopus is loaded.
 */
import type { FromEncoder } from "./media_protocol.ts";
import { SharedWriteBudget } from "./write_budget.ts";

/** What an encoder worker says when it is ready. */
export interface EncoderReady {
  /** The libopus build in use ("native" or "wasm"). */
  backend: string;
  /** The thread's scheduling priority, e.g. "nice 10". */
  priority: string;
}

/** The spawned workers; `ports` go to the capture worker's init, `ready` settles later. */
export interface MediaWorkers {
  capture: Worker;
  encoders: Worker[];
  ports: MessagePort[];
  ready: Promise<EncoderReady>[];
}

/** Spawns the workers and sends each encoder its init (port and write budget). */
export function spawnMediaWorkers(n: number, writeBufferBytes: number | undefined): MediaWorkers {
  const capture = new Worker(new URL("./capture_worker.ts", import.meta.url).href, {
    type: "module",
    name: "selrec-capture",
  });
  const ports: MessagePort[] = [];
  const encoders: Worker[] = [];
  const budget = {
    buffer: SharedWriteBudget.buffer(),
    limit: writeBufferBytes ?? 256 * 1024 * 1024,
  };
  const ready: Promise<EncoderReady>[] = [];
  for (let i = 0; i < n; i++) {
    const w = new Worker(new URL("./encoder_worker.ts", import.meta.url).href, {
      type: "module",
      name: `selrec-encoder-${i}`,
    });
    const ch = new MessageChannel();
    ports.push(ch.port1);
    const { promise, resolve, reject } = Promise.withResolvers<EncoderReady>();
    w.onmessage = (e: MessageEvent<FromEncoder>) => {
      if (e.data.t === "ready") resolve(e.data);
    };
    w.onerror = (e) => reject(new Error(`encoder worker failed: ${e.message}`));
    w.postMessage({ t: "init", port: ch.port2, budget }, [ch.port2]);
    encoders.push(w);
    ready.push(promise);
  }
  return { capture, encoders, ports, ready };
}
