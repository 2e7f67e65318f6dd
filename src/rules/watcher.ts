/**
 * Hot reload: holds the current rule set and reloads it when the rules directory changes.
 * A reload that fails keeps the previous rule set in force and reports every error.
 *
 * @module
 */
import { basename } from "node:path";
import {
  formatRuleError,
  isRuleFileName,
  type LoadOptions,
  type LoadResult,
  loadRules,
  type RuleError,
} from "./loader.ts";
import type { RuleSet } from "./schema.ts";

/** Thrown by {@link RulesService.open} when the initial rules do not load. */
export class RulesLoadError extends Error {
  /** Every problem found. */
  readonly errors: RuleError[];
  constructor(dir: string, errors: RuleError[]) {
    super(
      `Cannot load rules from "${dir}": ${errors.length} error(s)\n` +
        errors.map(formatRuleError).join("\n"),
    );
    this.name = "RulesLoadError";
    this.errors = errors;
  }
}

/** Options of {@link RulesService.open}. */
export interface RulesServiceOptions {
  /** Quiet time after the last file event before reloading; default 200 ms. */
  debounceMs?: number;
  /** Watch the directory (default true); false gives a service reloaded only by `reload()`. */
  watch?: boolean;
  /** Retention class names the config defines; a rule naming another is refused. */
  retentionClasses?: readonly string[];
}

/** Reload counters and the last failure, for metrics and the health page. */
export interface RulesStats {
  dir: string;
  fingerprint: string;
  /** Successful reloads that changed the rule set. */
  reloads: number;
  /** Reloads rejected because a file is invalid. */
  reloadErrors: number;
  /** Errors of the last reload if it failed, else empty. */
  lastErrors: RuleError[];
  /** ISO time of the last applied reload (or of the initial load). */
  loadedAt: string;
}

type Listener<T> = (value: T) => void;

/** Holds the current rule set of a directory; see {@link RulesService.open}. */
export class RulesService implements AsyncDisposable {
  #dir: string;
  #current: RuleSet;
  #stats: RulesStats;
  #debounceMs: number;
  #load: LoadOptions;
  #watcher: Deno.FsWatcher | null = null;
  #loop: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #reloadListeners = new Set<Listener<RuleSet>>();
  #errorListeners = new Set<Listener<RuleError[]>>();
  #closed = false;

  private constructor(dir: string, ruleSet: RuleSet, opts: RulesServiceOptions) {
    this.#dir = dir;
    this.#current = ruleSet;
    this.#debounceMs = opts.debounceMs ?? 200;
    this.#load = { retentionClasses: opts.retentionClasses };
    this.#stats = {
      dir,
      fingerprint: ruleSet.fingerprint,
      reloads: 0,
      reloadErrors: 0,
      lastErrors: [],
      loadedAt: new Date().toISOString(),
    };
  }

  /** Loads `dir` and starts watching it. Throws {@link RulesLoadError} if the rules are invalid. */
  static async open(dir: string, opts: RulesServiceOptions = {}): Promise<RulesService> {
    const r = await loadRules(dir, { retentionClasses: opts.retentionClasses });
    if (!r.ok) throw new RulesLoadError(dir, r.errors);
    const svc = new RulesService(dir, r.ruleSet, opts);
    if (opts.watch ?? true) svc.#startWatching();
    return svc;
  }

  /** The rule set in force. */
  current(): RuleSet {
    return this.#current;
  }

  /** Calls `cb` with each newly applied rule set. Returns an unsubscribe function. */
  onReload(cb: Listener<RuleSet>): () => void {
    this.#reloadListeners.add(cb);
    return () => this.#reloadListeners.delete(cb);
  }

  /** Calls `cb` with the errors of each rejected reload. Returns an unsubscribe function. */
  onError(cb: Listener<RuleError[]>): () => void {
    this.#errorListeners.add(cb);
    return () => this.#errorListeners.delete(cb);
  }

  /** Counters and last failure. */
  stats(): RulesStats {
    return { ...this.#stats, lastErrors: [...this.#stats.lastErrors] };
  }

  /** Reloads now (e.g. on SIGHUP); resolves with the load result. Reloads run one at a time. */
  reload(): Promise<LoadResult> {
    const next = this.#chain.then(() => this.#reloadOnce());
    this.#chain = next.catch(() => {});
    return next;
  }

  async #reloadOnce(): Promise<LoadResult> {
    const r = await loadRules(this.#dir, this.#load);
    if (this.#closed) return r;
    if (!r.ok) {
      this.#stats.reloadErrors++;
      this.#stats.lastErrors = r.errors;
      for (const cb of this.#errorListeners) cb(r.errors);
      return r;
    }
    this.#stats.lastErrors = [];
    if (r.ruleSet.fingerprint === this.#current.fingerprint) return r;
    this.#current = r.ruleSet;
    this.#stats.reloads++;
    this.#stats.fingerprint = r.ruleSet.fingerprint;
    this.#stats.loadedAt = new Date().toISOString();
    for (const cb of this.#reloadListeners) cb(r.ruleSet);
    return r;
  }

  #startWatching(): void {
    const watcher = Deno.watchFs(this.#dir, { recursive: false });
    this.#watcher = watcher;
    this.#loop = (async () => {
      for await (const ev of watcher) {
        if (ev.paths.some((p) => isRuleFileName(basename(p)))) this.#schedule();
      }
    })();
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.reload();
    }, this.#debounceMs);
  }

  /** Stops watching and waits for a reload in progress. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#watcher?.close();
    await this.#loop;
    await this.#chain;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
