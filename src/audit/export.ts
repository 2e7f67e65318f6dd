/**
 * Audit CSV exports carrying the chain fields (see audit_csv.ts), so a third party can
 * verify them offline with `selrec audit verify --csv FILE`. Every export is itself
 * audited (`audit.export`, with the filter, row count and the file's SHA-256); when that
 * audit write fails, the export fails and no file is left behind.
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "../store/schema/database.ts";
import { type AuditInput, type AuditLog, AuditWriteError } from "./audit_log.ts";
import { auditCsvHeader, auditCsvRecord } from "./audit_csv.ts";
import { type AuditFilter, auditRowsMatching, isContiguous } from "./query.ts";

/** What an export wrote. */
export interface AuditExportInfo {
  rows: number;
  sha256: string;
  firstSeq: number | null;
  lastSeq: number | null;
}

const enc = new TextEncoder();

/** The CSV text of the matching rows, as chunks (header first). */
export async function* auditCsvChunks(
  db: Kysely<Database>,
  filter: AuditFilter,
  info?: AuditExportInfo,
): AsyncGenerator<string> {
  yield auditCsvHeader();
  for await (const row of auditRowsMatching(db, filter)) {
    if (info) {
      info.rows++;
      info.firstSeq ??= row.seq;
      info.lastSeq = row.seq;
    }
    yield auditCsvRecord(row);
  }
}

function emptyInfo(): AuditExportInfo {
  return { rows: 0, sha256: "", firstSeq: null, lastSeq: null };
}

/**
 * Writes the matching rows to `path` crash-safely (temp file, fsync, rename), without
 * auditing: for the retention archive, which audits itself.
 */
export async function writeAuditCsvFile(
  db: Kysely<Database>,
  path: string,
  filter: AuditFilter,
  beforeRename?: (info: AuditExportInfo) => Promise<void>,
): Promise<AuditExportInfo> {
  const info = emptyInfo();
  const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  const hash = createHash("sha256");
  try {
    {
      using file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o640 });
      for await (const chunk of auditCsvChunks(db, filter, info)) {
        const bytes = enc.encode(chunk);
        hash.update(bytes);
        let off = 0;
        while (off < bytes.length) off += await file.write(bytes.subarray(off));
      }
      await file.sync();
    }
    info.sha256 = hash.digest("hex");
    await beforeRename?.(info);
    await Deno.rename(tmp, path);
    return info;
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

function exportDetails(filter: AuditFilter, info: AuditExportInfo, extra: Record<string, unknown>) {
  return {
    filter,
    contiguous: isContiguous(filter),
    rows: info.rows,
    sha256: info.sha256,
    firstSeq: info.firstSeq,
    lastSeq: info.lastSeq,
    ...extra,
  };
}

/**
 * The CLI export: writes `out`, audited as `audit.export`. The audit entry commits
 * before the file appears; if it cannot be written the temp file is removed and
 * {@link AuditWriteError} propagates.
 */
export async function exportAuditToFile(
  db: Kysely<Database>,
  audit: AuditLog,
  out: string,
  filter: AuditFilter,
  actor: AuditInput["actor"],
): Promise<AuditExportInfo> {
  return await writeAuditCsvFile(db, out, filter, async (info) => {
    await audit.append({
      actor,
      action: "audit.export",
      target: { type: "file", id: basename(out) },
      details: exportDetails(filter, info, { file: out }),
    });
  });
}

/**
 * The web export: builds the CSV in memory, audits it (`audit.export`), then returns
 * the body. Throws {@link AuditWriteError} (and returns nothing) when the audit fails.
 * `maxRows` bounds memory; a larger result throws RangeError asking for a narrower range.
 */
export async function exportAuditCsv(
  db: Kysely<Database>,
  audit: AuditLog,
  filter: AuditFilter,
  who: Pick<AuditInput, "actor" | "ip">,
  maxRows = 500_000,
): Promise<{ body: string; info: AuditExportInfo }> {
  const info = emptyInfo();
  const parts: string[] = [];
  for await (const chunk of auditCsvChunks(db, filter, info)) {
    if (info.rows > maxRows) {
      throw new RangeError(`Cannot export more than ${maxRows} audit rows: narrow the date range`);
    }
    parts.push(chunk);
  }
  const body = parts.join("");
  info.sha256 = createHash("sha256").update(body).digest("hex");
  try {
    await audit.append({
      ...who,
      action: "audit.export",
      details: exportDetails(filter, info, {}),
    });
  } catch (err) {
    throw err instanceof AuditWriteError ? err : new AuditWriteError("audit.export", err);
  }
  return { body, info };
}
