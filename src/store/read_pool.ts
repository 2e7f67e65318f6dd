/**
 * A small pool of read-only SQLite connections in workers (see read_worker.ts). Each
 * query goes to an idle worker, or waits for one; the main thread only awaits.
 * Background queries (search counts) never take the last idle worker and wait behind
 * page queries, so a page is not stuck behind a count nobody waits for any more; a
 * background query whose signal aborts while it is still queued is dropped.
 */
import type { CompiledQuery } from "kysely";

interface Pending {
  resolve: (rows: Record<string, unknown>[]) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  background: boolean;
  pending: Map<number, Pending>;
}

/** How a query is run. */
export interface ReadOptions {
  /** Lower priority: at most all but one worker run background queries. */
  background?: boolean;
  /** Aborting drops the query if it has not started (it rejects with the reason). */
  signal?: AbortSignal;
}

interface Queued {
  q: CompiledQuery;
  p: Pending;
  background: boolean;
}

/** Runs compiled Kysely queries on read-only connections off the main thread. */
export class ReadPool implements AsyncDisposable {
  #slots: Slot[] = [];
  #queue: Queued[] = [];
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
      const slot: Slot = { worker, busy: false, background: false, pending: new Map() };
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
  run(q: CompiledQuery, options: ReadOptions = {}): Promise<Record<string, unknown>[]> {
    const { promise, resolve, reject } = Promise.withResolvers<Record<string, unknown>[]>();
    const item: Queued = { q, p: { resolve, reject }, background: options.background ?? false };
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    signal?.addEventListener("abort", () => {
      const i = this.#queue.indexOf(item);
      if (i < 0) return; // already running: it finishes, nobody reads it
      this.#queue.splice(i, 1);
      reject(signal.reason);
    }, { once: true });
    this.#queue.push(item);
    this.#dispatch();
    return promise;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.busy) continue;
      const backgroundBusy = this.#slots.filter((s) => s.busy && s.background).length;
      const mayBackground = backgroundBusy < Math.max(1, this.#slots.length - 1);
      // Pages first; then the oldest background query, if it may take a worker.
      let i = this.#queue.findIndex((x) => !x.background);
      if (i < 0 && this.#queue.length > 0 && mayBackground) i = 0;
      if (i < 0) return;
      const [{ q, p, background }] = this.#queue.splice(i, 1);
      const id = this.#next++;
      slot.busy = true;
      slot.background = background;
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
