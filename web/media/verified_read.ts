/**
 * The web side of integrity on every read: opens a finished recording through the one
 * verified read path (src/archive/recording_bytes.ts) and turns a failure into the
 * finding's flag, audit row and alarm (src/archive/integrity_failure.ts) and a 409
 * "recording failed its integrity check" — an HTML page for the UI, JSON for the API,
 * by the app's one error handler. No byte of a file that failed is served; a file that
 * changes while it streams ends the stream early and is reported the same way.
 */
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import type { Recording } from "../../src/store/schema/recordings.ts";
import {
  IntegrityError,
  NoKeyringError,
  openRecordingBytes,
  type RecordingBytes,
  type VerdictCache,
} from "../../src/archive/recording_bytes.ts";
import {
  INTEGRITY_MESSAGE,
  type IntegrityFinding,
  reportIntegrityFailure,
  reportIntegrityRestored,
} from "../../src/archive/integrity_failure.ts";
import { rewrapLookup } from "../../src/archive/rewrap_window.ts";
import { auditActor } from "../recording_access.ts";
import { httpError } from "../http_error.ts";
import { type ByteSource, growingFileSource, growingSealedSource } from "./serve_file.ts";

async function report(
  c: Context<AppEnv>,
  rec: Recording,
  err: IntegrityError,
  via: IntegrityFinding["via"],
): Promise<void> {
  const { store, audit, log, integrityReads } = c.get("services");
  integrityReads?.count(via);
  const { actor, ip } = auditActor(c);
  await reportIntegrityFailure({ db: store.db, audit, log, now: c.get("auth").now }, rec, err, {
    via,
    actor,
    ip,
  });
}

/** Passes `stream` on; an integrity error in it is reported before the stream errors. */
function reporting(
  stream: ReadableStream<Uint8Array>,
  onError: (err: IntegrityError) => Promise<void>,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        const r = await reader.read();
        if (r.done) ctrl.close();
        else ctrl.enqueue(r.value);
      } catch (err) {
        if (err instanceof IntegrityError) await onError(err).catch(() => {});
        ctrl.error(err);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

/**
 * The whole Ogg pages so far of in-progress recording `rec` (its `.partial` at `path`,
 * `plainSize` of them whole when it is plain). A plain one has no digest yet and is
 * served as it is (its pages carry CRCs the player checks); a sealed one serves only
 * authenticated chunks, and a failing chunk is a 409 like any other integrity failure.
 */
export async function inProgressRecording(
  c: Context<AppEnv>,
  rec: Recording,
  path: string,
  plainSize: () => Promise<number>,
): Promise<ByteSource> {
  if (!rec.sealed) return await growingFileSource(path, await plainSize());
  const keyring = c.get("services").keyring;
  if (!keyring) httpError(503, `recording ${rec.id} is sealed and no keyring is loaded`);
  try {
    const src = await growingSealedSource(path, keyring.unwrapFor(path));
    return {
      ...src,
      stream: (s, e) => reporting(src.stream(s, e), (err) => report(c, rec, err, "play")),
    };
  } catch (err) {
    if (!(err instanceof IntegrityError)) throw err;
    await report(c, rec, err, "play");
    httpError(409, INTEGRITY_MESSAGE);
  }
}

/**
 * The verified bytes of finished recording `rec` at `path` (resolved by the route), or a
 * 409 after reporting the failure; 404 when the file vanished meanwhile.
 */
export async function verifiedRecording(
  c: Context<AppEnv>,
  rec: Recording,
  path: string,
  via: IntegrityFinding["via"],
  verdicts: VerdictCache,
): Promise<RecordingBytes> {
  let bytes: RecordingBytes;
  const keyring = c.get("services").keyring;
  const unwrapFor = keyring ? (p: string) => keyring.unwrapFor(p) : undefined;
  // A flagged recording is hashed afresh: the flag may come from the scrubber finding bit
  // rot that left the file's identity (and so a cached "ok") unchanged.
  const cache = rec.integrity_failed_at === null ? verdicts : undefined;
  const rewraps = rewrapLookup(c.get("services").store.db);
  try {
    bytes = await openRecordingBytes(rec, path, { verdicts: cache, unwrapFor, rewraps });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) httpError(404, "not found");
    if (err instanceof NoKeyringError) httpError(503, err.message);
    if (!(err instanceof IntegrityError)) throw err;
    await report(c, rec, err, via);
    httpError(409, INTEGRITY_MESSAGE);
  }
  if (rec.integrity_failed_at !== null) {
    const { store, audit, log } = c.get("services");
    await reportIntegrityRestored({ db: store.db, audit, log }, rec, {
      via,
      actor: auditActor(c).actor,
    });
  }
  const whole = async () => {
    try {
      return await bytes.readAll();
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      await report(c, rec, err, via);
      httpError(409, INTEGRITY_MESSAGE);
    }
  };
  return {
    size: bytes.size,
    mtime: bytes.mtime,
    readRange: (start, end) => bytes.readRange(start, end),
    readAll: whole,
    stream: (start, end) => reporting(bytes.stream(start, end), (e) => report(c, rec, e, via)),
  };
}
