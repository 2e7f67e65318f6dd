/**
 * Reasoned actions on a recording: `POST /recordings/:id/delete` (compliance: tombstone
 * plus file removal) and `POST /recordings/:id/hold` (legal hold on/off, `on=1|0`).
 *
 * Deleting and releasing a hold ask first (web/views/confirm.tsx); placing a hold does not.
 *
 * Delete order: (1) in one transaction mark the row `deleted` with time and reason and
 * append the audit entry — if the audit write fails, nothing changes; (2) after commit,
 * remove the file. A crash between the two leaves a deleted row with a file, which
 * sweepDeletedFiles (src/archive/deleted_files.ts) removes; never a missing file on a live row.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { auditActor, auditRecording, readReason, visibleRecording } from "../recording_access.ts";
import { httpError } from "../http_error.ts";
import { removeRecordingFile } from "../../src/archive/deleted_files.ts";
import { markRecordingDeleted, setLegalHold } from "../../src/store/queries/recording_rows.ts";
import { confirmationPage, isConfirmed } from "../views/confirm.tsx";
import { redirectWithFlash } from "../views/flash.ts";

/** Actions sub-app, mounted under /recordings. */
export function recordingActionRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post("/:id/delete", requirePermission("recording.delete", { notFound: true }), async (c) => {
    const svc = c.get("services");
    const rec = await visibleRecording(c, c.req.param("id"), "recording.delete");
    const body = await c.req.parseBody();
    const reason = readReason(c, body);
    if (rec.legal_hold) httpError(409, "the recording is on legal hold");
    if (rec.state === "deleted" || rec.state === "purged") httpError(409, "already deleted");
    if (rec.state === "recording") httpError(409, "the recording is still in progress");
    const page = `/recordings/${encodeURIComponent(rec.id)}`;
    if (!isConfirmed(body)) {
      return confirmationPage(c, body, {
        question: `Delete recording ${rec.id}? Its audio is removed for good; the audit ` +
          "trail keeps who deleted it and why.",
        label: "Delete recording",
        cancelHref: page,
      });
    }
    const now = new Date(c.get("auth").now()).toISOString();
    const fields = await auditRecording(c, rec, { sha256: rec.sha256, path: rec.path });
    await svc.store.db.transaction().execute(async (tx) => {
      const marked = await markRecordingDeleted(tx, rec.id, {
        fromState: rec.state,
        at: now,
        reason: `${reason.code}: ${reason.text}`,
      });
      if (!marked) httpError(409, "the recording changed; try again");
      await svc.audit.append({
        ...auditActor(c),
        ...fields,
        action: "recording.delete",
        reason,
      }, tx);
    });
    await removeRecordingFile(svc.store.db, rec.id, svc.log);
    return redirectWithFlash(c, page, "Recording deleted; the audit trail has the entry.");
  });
  r.post("/:id/hold", requirePermission("recording.hold", { notFound: true }), async (c) => {
    const svc = c.get("services");
    const rec = await visibleRecording(c, c.req.param("id"), "recording.hold");
    const body = await c.req.parseBody();
    const reason = readReason(c, body);
    const on = body.on === "1";
    const page = `/recordings/${encodeURIComponent(rec.id)}`;
    if (!on && rec.legal_hold && !isConfirmed(body)) {
      return confirmationPage(c, body, {
        question: `Release the legal hold on recording ${rec.id}? Retention and deletion ` +
          "apply to it again.",
        label: "Release legal hold",
        cancelHref: page,
      });
    }
    const fields = await auditRecording(c, rec, {
      legalHold: { from: rec.legal_hold === 1, to: on },
    });
    await svc.store.db.transaction().execute(async (tx) => {
      await setLegalHold(tx, rec.id, on);
      await svc.audit.append({
        ...auditActor(c),
        ...fields,
        action: on ? "recording.hold.on" : "recording.hold.off",
        reason,
      }, tx);
    });
    return redirectWithFlash(c, page, on ? "Legal hold placed." : "Legal hold released.");
  });
  return r;
}
