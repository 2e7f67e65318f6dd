/**
 * Which audio responses are audited as `recording.play`: every response that returns
 * bytes of the recording, whatever its Range (`bytes=0-`, `bytes=00-`, `bytes=1-`,
 * `bytes=-100000000`, none), unless the same session (or API token) already has a play
 * row for the same recording within {@link PLAY_AUDIT_WINDOW_MS}. So a player's seeks
 * and continuation ranges make one row per playback rather than one per chunk, while
 * any first request — however its range is spelled — is audited. HEAD, 416 and empty
 * responses return no audio and are not audited.
 *
 * The ledger is in memory: after a restart the next request is audited again, which errs
 * on the side of an extra row.
 */
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import type { Recording } from "../../src/store/schema/recordings.ts";
import { auditActor, auditRecording } from "../recording_access.ts";

/** A session's play row covers its further range requests for this long (5 minutes). */
export const PLAY_AUDIT_WINDOW_MS = 5 * 60_000;

/** When each (session, recording) was last audited as a play. */
export class PlayLedger {
  #last = new Map<string, number>();
  #window: number;
  #max: number;

  constructor(options: { windowMs?: number; maxEntries?: number } = {}) {
    this.#window = options.windowMs ?? PLAY_AUDIT_WINDOW_MS;
    this.#max = options.maxEntries ?? 10_000;
  }

  /**
   * True when `key` has no play row within the window at `now`; it is then marked, in
   * the same synchronous step, so parallel range requests audit once.
   */
  claim(key: string, now: number): boolean {
    const at = this.#last.get(key);
    if (at !== undefined && now - at < this.#window && now >= at) return false;
    this.#last.delete(key);
    this.#last.set(key, now);
    if (this.#last.size > this.#max) this.#last.delete(this.#last.keys().next().value!);
    return true;
  }

  /** Forgets a claim whose audit row could not be written. */
  release(key: string): void {
    this.#last.delete(key);
  }
}

function returnsBytes(res: Response, method: string): boolean {
  return (res.status === 200 || res.status === 206) && method !== "HEAD" &&
    Number(res.headers.get("Content-Length") ?? "0") > 0;
}

/**
 * Audits `res` (the `/audio` response for `rec`) as a play when it returns bytes and the
 * ledger has no play of this session and recording in the window. If the audit write
 * fails the response body is cancelled (closing the file) and the error propagates.
 */
export async function auditPlay(
  c: Context<AppEnv>,
  rec: Recording,
  res: Response,
  ledger: PlayLedger,
): Promise<void> {
  if (!returnsBytes(res, c.req.method)) return;
  const p = c.get("principal")!;
  const key = `${p.kind}:${p.id}:${c.get("session")?.id ?? ""}:${rec.id}`;
  if (!ledger.claim(key, c.get("auth").now())) return;
  const length = Number(res.headers.get("Content-Length"));
  const served = res.headers.get("Content-Range") ?? `bytes 0-${length - 1}/${length}`;
  try {
    await c.get("services").audit.append({
      ...auditActor(c),
      ...(await auditRecording(c, rec, {
        format: rec.format,
        range: c.req.header("Range") ?? null,
        served,
      })),
      action: "recording.play",
    });
  } catch (err) {
    ledger.release(key);
    await res.body?.cancel();
    throw err;
  }
}
