/** A small typed, synchronous event emitter. A throwing listener is reported, not propagated. */

/** Listener of event `K` in map `M`. */
export type Listener<M, K extends keyof M> = (detail: M[K]) => void;

/** Typed emitter over an event map `{ name: detail }`. */
export class TypedEmitter<M> {
  #listeners = new Map<keyof M, Set<(detail: never) => void>>();
  #onError: (error: unknown, type: keyof M) => void;

  constructor(onError: (error: unknown, type: keyof M) => void = () => {}) {
    this.#onError = onError;
  }

  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof M>(type: K, listener: Listener<M, K>): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    set.add(listener as (detail: never) => void);
    this.#listeners.set(type, set);
    return () => this.off(type, listener);
  }

  /** Unsubscribe. */
  off<K extends keyof M>(type: K, listener: Listener<M, K>): void {
    this.#listeners.get(type)?.delete(listener as (detail: never) => void);
  }

  /** Call every listener of `type` in subscription order. */
  emit<K extends keyof M>(type: K, detail: M[K]): void {
    for (const l of [...(this.#listeners.get(type) ?? [])]) {
      try {
        (l as Listener<M, K>)(detail);
      } catch (error) {
        this.#onError(error, type);
      }
    }
  }
}
