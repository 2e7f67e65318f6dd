/**
 * A running box picks up the KEK that `selrec keys rotate` made, without a restart: the
 * keyring asks its source for a newer KEK (key_store.ts `newerKeyId`: the newest key file,
 * or with a key command the id the rotation kept in the database) on SIGHUP — which
 * rotate sends to the `serve` named in `<dataDir>/selrec.pid` — and, as a fallback for a
 * lost signal or a key file restored by hand, every {@link REFRESH_INTERVAL_MS}.
 *
 * Only new recordings take the new key id: one in progress keeps the data key (and so
 * the KEK) it was started with.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Service } from "../service.ts";
import type { Keyring } from "../seal/keyring.ts";
import { runningServe } from "../serve_lock.ts";

/** How often the box re-checks the key store without a signal. */
export const REFRESH_INTERVAL_MS = 60_000;

/** What {@link kekRefreshService} needs. */
export interface KekRefreshDeps {
  /** Null on a box without encryption: SIGHUP is still taken (it must not end the box). */
  keyring: Pick<Keyring, "refresh" | "currentKeyId"> | null;
  log: Logger;
  intervalMs?: number;
}

/** The service that keeps the keyring's current KEK up to date. */
export function kekRefreshService(deps: KekRefreshDeps): Service & { refresh(): Promise<void> } {
  const { keyring, log } = deps;
  let running: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setInterval> | null = null;
  const check = (why: string): Promise<void> =>
    running = running.then(async () => {
      if (!keyring) return;
      const before = keyring.currentKeyId;
      try {
        const next = await keyring.refresh();
        if (next) log.info("new recordings use the new key-encryption key", { before, next, why });
      } catch (error) {
        log.error("the new key-encryption key cannot be loaded; recordings keep the old one", {
          current: before,
          error,
        });
      }
    });
  const onHup = () => void check("SIGHUP");
  return {
    name: "key refresh",
    start() {
      Deno.addSignalListener("SIGHUP", onHup);
      if (keyring) {
        timer = setInterval(() => void check("timer"), deps.intervalMs ?? REFRESH_INTERVAL_MS);
      }
      return Promise.resolve();
    },
    async stop() {
      Deno.removeSignalListener("SIGHUP", onHup);
      if (timer !== null) clearInterval(timer);
      timer = null;
      await running;
    },
    refresh: () => check("request"),
  };
}

/**
 * Tells the `serve` running on `dataDir` (if any) to re-read its keys (SIGHUP). Returns
 * its pid, or null when no box runs there.
 */
export async function signalServe(dataDir: string): Promise<number | null> {
  const pid = await runningServe(dataDir);
  if (pid === null) return null;
  try {
    Deno.kill(pid, "SIGHUP");
  } catch {
    return null; // it exited meanwhile
  }
  return pid;
}
