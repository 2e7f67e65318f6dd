/**
 * The recorder's end of life: a drain bounded by its deadline whatever happens, and the
 * media engine's lifetime statistics logged at stop.
 */
import type { Logger } from "../log.ts";
import type { ActiveCalls } from "./active_calls.ts";
import type { RecorderEngine } from "./recorder_engine.ts";
import type { Timers } from "./timers.ts";

/** Of the drain time, at most this much is kept to finish files of calls still running. */
const DRAIN_FINISH_MS = 3000;
/** How often the drain looks whether every call has ended. */
const DRAIN_POLL_MS = 100;

/** What {@link drainCalls} works with. */
export interface DrainDeps {
  calls: ActiveCalls;
  /** Ends a call as the recorder does on a BYE (finishes its file and rows). */
  end: (key: string, reason: string) => Promise<void>;
  engine: Pick<RecorderEngine, "abandon">;
  timers: Timers;
  log: Logger;
  /** `recorder.drainTimeoutSeconds`, named in the warning. */
  drainTimeoutSeconds: number;
}

/**
 * Waits for calls to end, then (with time left to finish files) ends the rest as
 * `shutdown`; recordings still not finished at `deadline` (epoch ms) are abandoned to
 * the recovery sweep (their `.partial` and `recording` row are closed at the next start).
 */
export async function drainCalls(d: DrainDeps, deadline: number): Promise<void> {
  const { calls, timers } = d;
  const now = () => timers.now().getTime();
  const sleep = (ms: number) => new Promise<void>((r) => timers.setTimeout(r, ms));
  const finishMs = Math.min(DRAIN_FINISH_MS, Math.max(0, deadline - now()) / 2);
  while (calls.size > 0 && now() < deadline - finishMs) await sleep(DRAIN_POLL_MS);
  const ids = new Map([...calls.entries()].map(([k, a]) => [k, a.recordingId]));
  const ending = [...ids.keys()].map((k) =>
    d.end(k, "shutdown").catch((err) =>
      d.log.error("cannot finish recording at shutdown", { session: k, error: err })
    )
  );
  let timer: number | undefined;
  const late = new Promise<"late">((r) => {
    timer = timers.setTimeout(() => r("late"), Math.max(0, deadline - now()));
  });
  const outcome = await Promise.race([Promise.all(ending), late]);
  if (timer !== undefined) timers.clearTimeout(timer);
  if (outcome !== "late") return;
  const left = [...calls.keys()].map((k) => ids.get(k)).filter((id) => id != null);
  for (const id of left) d.engine.abandon(id);
  d.log.warn("drain deadline reached: recordings left to the recovery sweep", {
    recordings: left,
    drainTimeoutSeconds: d.drainTimeoutSeconds,
  });
}

/** Logs each encoder's lifetime figures (busy time, realtime factor, spills). */
export function logEngineStats(
  engine: Pick<RecorderEngine, "backend" | "encoderLoad" | "backlog">,
  log: Logger,
): void {
  const load = engine.encoderLoad();
  const backlog = engine.backlog();
  log.info("media engine stats", {
    opus: engine.backend,
    encoders: load.map((l, i) => ({
      busyMs: Math.round(l.busyMs),
      encodeMs: Math.round(l.encodeMs),
      audioSeconds: Math.round(l.samples / 8000),
      // Stereo seconds encoded per second of libopus time.
      realtimeFactor: l.encodeMs > 0 ? Math.round((l.samples / 8000) / (l.encodeMs / 1000)) : null,
      // Recordings that spilled to a journal because this encoder fell behind.
      spills: backlog[i]?.spills ?? 0,
      journalErrors: backlog[i]?.journalErrors ?? 0,
    })),
  });
}
