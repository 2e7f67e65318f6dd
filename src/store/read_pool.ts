/**
 * A small pool of read-only SQLite connections in workers (see read_worker.ts). Each
 * query goes to an idle worker, or waits for one; the main thread only awaits.
 */
import type { CompiledQuery } from "kysely";

interface Pending {
  resolve: (rows: Record<string, unknown>[]) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending: Map<number, Pending>;
}

/** Runs compiled Kysely queries on read-only connections off the main thread. */
export class ReadPool implements AsyncDisposable {
  #slots: Slot[] = [];
  #queue: { q: CompiledQuery; p: Pending }[] = [];
  #next = 1;

  private constructor() {}

  /** Opens `size` read-only connections to the database at `path`. */
  static async open(path: string, size = 2): Promise<ReadPool> {
    const pool = new ReadPool();
    await Promise.all(Array.from({ length: size }, async () => {
      const worker = new Worker(new URL("./read_worker.ts", import.meta.url).href, {
        type: "module",
        name: "selrec-read",
      });
      const slot: Slot = { worker, busy: false, pending: new Map() };
      const opened = Promise.withResolvers<void>();
      worker.onmessage = (e: MessageEvent) => {
        const m = e.data as {
          t: string;
          id?: number;
          rows?: Record<string, unknown>[];
          error?: string;
        };
        if (m.t === "opened") return opened.resolve();
        const p = slot.pending.get(m.id!);
        slot.pending.delete(m.id!);
        slot.busy = false;
        if (m.t === "rows") p?.resolve(m.rows!);
        else p?.reject(new Error(`Read query failed: ${m.error}`));
        pool.#dispatch();
      };
      worker.onerror = (e) => opened.reject(new Error(`read worker failed: ${e.message}`));
      worker.postMessage({ t: "open", path });
      await opened.promise;
      pool.#slots.push(slot);
    }));
    return pool;
  }

  /** Runs one compiled query; resolves with its rows. */
  run(q: CompiledQuery): Promise<Record<string, unknown>[]> {
    const { promise, resolve, reject } = Promise.withResolvers<Record<string, unknown>[]>();
    this.#queue.push({ q, p: { resolve, reject } });
    this.#dispatch();
    return promise;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.busy) continue;
      const { q, p } = this.#queue.shift()!;
      const id = this.#next++;
      slot.busy = true;
      slot.pending.set(id, p);
      const params = q.parameters.map((v) => typeof v === "boolean" ? (v ? 1 : 0) : v);
      slot.worker.postMessage({ t: "query", id, sql: q.sql, params });
    }
  }

  close(): void {
    for (const s of this.#slots) {
      s.worker.terminate();
      for (const p of s.pending.values()) p.reject(new Error("read pool closed"));
    }
    for (const { p } of this.#queue) p.reject(new Error("read pool closed"));
    this.#slots = [];
    this.#queue = [];
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
