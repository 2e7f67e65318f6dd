/**
 * An encrypted export of one recording for a third party (`selrec recordings export`):
 * its verified bytes (Ogg as stored, or WAV — as stored or transcoded), age-encrypted
 * (age_export.ts) into a 0600 file written beside its destination and renamed into
 * place, audited as `recording.export` with the reason and whom it was sealed to. A file
 * that fails its integrity check is reported (flag, audit row, alarm) and not exported.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { Db } from "../store/db.ts";
import type { AuditInput, AuditLog } from "../audit/audit_log.ts";
import type { Logger } from "../log.ts";
import type { Keyring } from "../seal/keyring.ts";
import { IntegrityError } from "../seal/integrity_error.ts";
import { openRecordingBytes } from "../archive/recording_bytes.ts";
import { rewrapLookup } from "../archive/rewrap_window.ts";
import { reportIntegrityFailure } from "../archive/integrity_failure.ts";
import { resolveInside } from "../archive/resolve_file.ts";
import { decodeBytes, toWav } from "../codec/decode_file.ts";
import { fileOf } from "../store/queries/key_jobs.ts";
import { ageEncryptStream, type AgeTarget } from "./age_export.ts";

/** What an export needs. */
export interface ExportHost {
  db: Db;
  audit: AuditLog;
  log: Logger;
  keyring: Keyring | null;
}

/** One export. */
export interface ExportRequest {
  id: string;
  format: "ogg" | "wav";
  to: AgeTarget;
  out: string;
  reason: string;
  actor: AuditInput["actor"];
}

/** An export refused (the message says why, naming the field). */
export class ExportError extends Error {
  override readonly name = "ExportError";
}

/** How an export's audit row says whom it was sealed to. */
export function sealedTo(t: AgeTarget): Record<string, unknown> {
  return "passphrase" in t ? { encryption: "age", to: "passphrase" } : {
    encryption: "age",
    to: t.recipients,
  };
}

/** Writes the age-encrypted export; returns the bytes written. */
export async function exportRecording(host: ExportHost, req: ExportRequest): Promise<number> {
  const f = await fileOf(host.db, req.id);
  if (!f || !["complete", "interrupted"].includes(f.recording.state)) {
    throw new ExportError(`no finished recording "${req.id}"`);
  }
  const rec = f.recording;
  if (req.format === "ogg" && rec.format !== "opus") {
    throw new ExportError("this recording is stored as WAV; export it as WAV (--format wav)");
  }
  const path = await resolveInside(f.location.path, rec.path);
  if (!path) throw new ExportError(`the file of "${req.id}" is not there`);
  let plain: ReadableStream<Uint8Array>;
  try {
    const bytes = await openRecordingBytes(rec, path, {
      unwrapFor: host.keyring ? (p) => host.keyring!.unwrapFor(p) : undefined,
      rewraps: rewrapLookup(host.db),
    });
    if (req.format === "wav" && rec.format !== "wav") {
      const pcm = await decodeBytes(await bytes.readAll(), rec.format);
      plain = new Blob([toWav(pcm, pcm.nativeRate)]).stream();
    } else plain = bytes.stream(0, bytes.size);
  } catch (err) {
    if (!(err instanceof IntegrityError)) throw err;
    await reportIntegrityFailure(host, rec, err, { via: "export", actor: req.actor });
    throw new ExportError(`recording ${req.id} failed its integrity check; not exported`);
  }
  const sealed = await ageEncryptStream(plain, req.to);
  await host.audit.append({
    actor: req.actor,
    action: "recording.export",
    recordingId: rec.id,
    customerId: rec.customer_id,
    interactionType: rec.interaction_type,
    target: { type: "recording", id: rec.id },
    reason: { text: req.reason },
    details: { format: req.format, ...sealedTo(req.to) },
  });
  const tmp = join(dirname(req.out), `.${crypto.randomUUID()}.age.tmp`);
  let written = 0;
  try {
    {
      using file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
      for await (const chunk of sealed) {
        for (let o = 0; o < chunk.length;) o += await file.write(chunk.subarray(o));
        written += chunk.length;
      }
      await file.sync();
    }
    await Deno.rename(tmp, req.out);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  return written;
}
