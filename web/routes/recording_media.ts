/**
 * Recording media: `GET /recordings/:id/audio` (the stored file with HTTP Range),
 * `GET /recordings/:id/audio.wav` (PCM16 WAV transcode), `GET /recordings/:id/waveform.svg`,
 * `POST /recordings/:id/played` (the player's report of the seconds heard, audited as
 * `recording.played`) and `POST /recordings/:id/export` (download with a reason). Files
 * are found only through the database row, resolved inside their storage root (see
 * src/archive/resolve_file.ts). Every `/audio` response that returns bytes is audited as
 * `recording.play`, once per session and recording in 5 minutes (media/play_audit.ts);
 * the waveform is audited as `recording.waveform`.
 *
 * Every read of a finished recording goes through media/verified_read.ts: the file is
 * verified (its SHA-256, or a sealed file's chunk authentication) before any byte, WAV,
 * waveform or export leaves, else 409 "recording failed its integrity check". A recording
 * still being written has no digest yet: a plain one's whole Ogg pages so far are served
 * as they are (each page carries its own CRC, which the player checks) and the file is
 * verified from the first read after it finished; a sealed one serves only chunks that
 * authenticate.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { auditActor, auditRecording, readReason, visibleRecording } from "../recording_access.ts";
import type { Recording } from "../../src/store/schema/recordings.ts";
import { resolveInside } from "../../src/archive/resolve_file.ts";
import { type ByteSource, serveBytes } from "../media/serve_file.ts";
import { auditPlay, PlayLedger } from "../media/play_audit.ts";
import { decodeBytes, toWav } from "../../src/codec/decode_file.ts";
import { type Span, waveformSvg } from "../media/waveform.ts";
import { httpError } from "../http_error.ts";
import { locationById } from "../../src/store/queries/storage.ts";
import { recordingSpans } from "../../src/store/queries/recordings.ts";
import { wholeOggPrefix } from "../media/partial_ogg.ts";
import { inProgressRecording, verifiedRecording } from "../media/verified_read.ts";
import { VerdictCache } from "../../src/archive/verdict_cache.ts";
import { ageAuditFields, ageDownload, ageTargetOf } from "../media/age_download.ts";

/** How long a file lookup on an archive target may take before the target counts as hung. */
const ARCHIVE_LOOKUP_MS = 5000;

/**
 * The real path of a recording's file, or a 404 (missing, deleted, or outside storage).
 * On an archive target that is marked unhealthy, or where the file cannot be found in
 * time (unmounted or hung mount), a 503 that names the target.
 */
export async function recordingFile(c: Context<AppEnv>, rec: Recording): Promise<string> {
  if (rec.state === "deleted" || rec.state === "purged" || rec.state === "missing") {
    httpError(404, "not found");
  }
  const loc = await locationById(c.get("services").store.db, rec.storage_location_id);
  if (loc?.kind === "archive") {
    const unavailable = `archive target ${loc.name} is unavailable`;
    if (!loc.healthy) httpError(503, unavailable);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const path = await Promise.race([
      resolveInside(loc.path, rec.path),
      new Promise<null>((r) => timer = setTimeout(() => r(null), ARCHIVE_LOOKUP_MS)),
    ]).finally(() => clearTimeout(timer));
    if (!path) httpError(503, unavailable);
    return path;
  }
  const path = loc ? await resolveInside(loc.path, rec.path) : null;
  if (!path) httpError(404, "not found");
  return path;
}

/** 409 naming what must wait for a recording still being written. */
function refuseInProgress(rec: Recording, what: string): void {
  if (rec.state === "recording") {
    httpError(409, `the recording is still in progress: ${what} when it has finished`);
  }
}

/**
 * The `.partial` file of a recording still being written and how many of its bytes are
 * whole Ogg pages; a WAV in progress cannot be played (its header is written last).
 */
async function partialFile(c: Context<AppEnv>, rec: Recording): Promise<ByteSource> {
  if (rec.format !== "opus") {
    httpError(409, "a WAV recording in progress cannot be played until the call ends");
  }
  const loc = await locationById(c.get("services").store.db, rec.storage_location_id);
  const path = loc ? await resolveInside(loc.path, `${rec.path}.partial`) : null;
  if (!path) httpError(404, "not found");
  return await inProgressRecording(c, rec, path, () => wholeOggPrefix(path));
}

function mimeOf(rec: Recording): string {
  return rec.format === "opus" ? 'audio/ogg; codecs="opus"' : "audio/wav";
}

/** Small in-memory LRU of rendered waveforms, per web app. */
class SvgCache {
  #m = new Map<string, string>();
  get(k: string): string | undefined {
    const v = this.#m.get(k);
    if (v !== undefined) {
      this.#m.delete(k);
      this.#m.set(k, v);
    }
    return v;
  }
  set(k: string, v: string): void {
    this.#m.set(k, v);
    if (this.#m.size > 64) this.#m.delete(this.#m.keys().next().value!);
  }
}

/** Media sub-app, mounted under /recordings. */
export function recordingMediaRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const svgCache = new SvgCache();
  const plays = new PlayLedger();
  const verdicts = new VerdictCache();
  const play = requirePermission("recording.play", { notFound: true });

  r.get("/:id/audio", play, async (c) => {
    const rec = await visibleRecording(c, c.req.param("id"), "recording.play");
    const src = rec.state === "recording"
      ? await partialFile(c, rec)
      : await verifiedRecording(c, rec, await recordingFile(c, rec), "play", verdicts);
    const range = c.req.header("Range");
    const res = serveBytes(src, { range, ifRange: c.req.header("If-Range") }, {
      contentType: mimeOf(rec),
      etag: rec.sha256,
      method: c.req.method,
    });
    await auditPlay(c, rec, res, plays);
    return res;
  });

  r.get("/:id/audio.wav", play, async (c) => {
    const rec = await visibleRecording(c, c.req.param("id"), "recording.play");
    refuseInProgress(rec, "a WAV copy can be played");
    const path = await recordingFile(c, rec);
    const bytes = await (await verifiedRecording(c, rec, path, "wav", verdicts)).readAll();
    await c.get("services").audit.append({
      ...auditActor(c),
      ...(await auditRecording(c, rec, { format: "wav-transcode" })),
      action: "recording.play",
    });
    const pcm = await decodeBytes(bytes, rec.format);
    return new Response(toWav(pcm, pcm.nativeRate), {
      headers: { "Content-Type": "audio/wav", "Cache-Control": "private, no-store" },
    });
  });

  r.get("/:id/waveform.svg", play, async (c) => {
    const rec = await visibleRecording(c, c.req.param("id"), "recording.play");
    refuseInProgress(rec, "the waveform is drawn");
    const key = `${rec.id}:${rec.sha256 ?? rec.size_bytes}:${rec.state}`;
    // Verified even when the drawing is cached (a hit costs one fstat of the file).
    const file = await verifiedRecording(c, rec, await recordingFile(c, rec), "waveform", verdicts);
    let svg = svgCache.get(key);
    if (svg === undefined) {
      const { pauses, gaps, participants: parts } = await recordingSpans(
        c.get("services").store.db,
        rec.id,
      );
      const pcm = await decodeBytes(await file.readAll(), rec.format);
      const durationMs = ((pcm.channels[0]?.length ?? 0) / pcm.sampleRate) * 1000;
      const spans: Span[] = [
        ...pauses.map((p) => ({
          startMs: p.start_ms,
          endMs: p.end_ms ?? durationMs,
          label: `paused (${p.source}${p.reason_code ? `: ${p.reason_code}` : ""})`,
        })),
        ...gaps.map((g) => ({
          startMs: g.start_ms,
          endMs: g.end_ms,
          channel: g.channel,
          label: "media gap",
        })),
      ];
      const labels = pcm.channels.map((_, ch) =>
        parts.find((p) => p.channel === ch)?.role ?? `channel ${ch + 1}`
      );
      svg = waveformSvg(pcm, spans, { labels });
      svgCache.set(key, svg);
    }
    // The waveform shows who spoke when: audited like a page view of the recording.
    await c.get("services").audit.append({
      ...auditActor(c),
      ...(await auditRecording(c, rec)),
      action: "recording.waveform",
    });
    return c.body(svg, 200, {
      "Content-Type": "image/svg+xml",
      "Cache-Control": "private, no-store",
    });
  });

  // The player's report of what was heard (sent on pause, seek and end): the request for
  // /audio proves the file was fetched; this says which seconds were actually played.
  r.post("/:id/played", play, async (c) => {
    const rec = await visibleRecording(c, c.req.param("id"), "recording.play");
    const body = await c.req.json().catch(() => httpError(400, "body is not JSON"));
    const { fromS, toS } = (body ?? {}) as Record<string, unknown>;
    const maxS = rec.duration_ms === null ? Infinity : rec.duration_ms / 1000 + 1;
    if (
      typeof fromS !== "number" || typeof toS !== "number" || !(fromS >= 0) || !(toS >= fromS) ||
      toS > maxS
    ) {
      httpError(400, "fromS and toS must be seconds with 0 <= fromS <= toS <= the duration");
    }
    const round = (s: number) => Math.round(s * 1000) / 1000;
    await c.get("services").audit.append({
      ...auditActor(c),
      ...(await auditRecording(c, rec, { fromS: round(fromS), toS: round(toS) })),
      action: "recording.played",
    });
    return c.body(null, 204);
  });

  r.post("/:id/export", requirePermission("recording.export", { notFound: true }), async (c) => {
    const rec = await visibleRecording(c, c.req.param("id"), "recording.export");
    refuseInProgress(rec, "it can be exported");
    const body = await c.req.parseBody();
    const reason = readReason(c, body);
    const format = body.format === "wav" ? "wav" : "ogg";
    const sealTo = ageTargetOf(body);
    if (format === "ogg" && rec.format !== "opus") {
      httpError(400, "this recording is stored as WAV; export it as WAV");
    }
    const file = await verifiedRecording(c, rec, await recordingFile(c, rec), "export", verdicts);
    await c.get("services").audit.append({
      ...auditActor(c),
      ...(await auditRecording(c, rec, { format, ...ageAuditFields(sealTo) })),
      action: "recording.export",
      reason,
    });
    const safeName = rec.id.replace(/[^\w.-]/g, "_");
    if (sealTo) {
      const plain = format === "wav"
        ? await decodeBytes(await file.readAll(), rec.format).then((p) => toWav(p, p.nativeRate))
        : file.stream(0, file.size);
      return await ageDownload(plain, sealTo, `${safeName}.${format}`);
    }
    if (format === "wav") {
      const pcm = await decodeBytes(await file.readAll(), rec.format);
      return new Response(toWav(pcm, pcm.nativeRate), {
        headers: {
          "Content-Type": "audio/wav",
          "Content-Disposition": `attachment; filename="${safeName}.wav"`,
        },
      });
    }
    return serveBytes(file, {}, {
      contentType: "audio/ogg",
      etag: rec.sha256,
      disposition: `attachment; filename="${safeName}.ogg"`,
    });
  });
  return r;
}
