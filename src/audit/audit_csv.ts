/**
 * The audit export format: one CSV header, then one record per audit row with every
 * hashed field and the hash, in {@link AUDIT_COLUMNS} order. Empty unquoted = NULL.
 * Cells are written through the neutralising writer (csv.ts `safeCsvLine`): a value
 * starting with `= + - @`, tab or CR — say an anonymous username `=HYPERLINK(…)` — is
 * stored with a `'` prefix so a spreadsheet cannot run it, and so is a value starting with
 * `'` followed by one of those or another `'`. The parser removes that one `'` before
 * the hash is checked.
 *
 * A third party verifies it offline: for each record, drop the one leading `'` of any
 * cell that starts with `'` and then `= + - @`, tab, CR or `'`, build the JSON object of every
 * column except `hash` (seq as a number, NULL as null), serialize it with keys sorted
 * and no whitespace, and check SHA-256-hex(prev_hash + that JSON) == hash and that
 * prev_hash equals the previous record's hash.
 */
import type { AuditEvent } from "../store/schema/audit.ts";
import { parseCsv, restoreFormula, safeCsvLine } from "./csv.ts";

/** Column order of the export; the header line names them. */
export const AUDIT_COLUMNS = [
  "seq",
  "ts",
  "actor_type",
  "actor_id",
  "actor_name",
  "action",
  "outcome",
  "target_type",
  "target_id",
  "recording_id",
  "customer_id",
  "interaction_type",
  "reason_code",
  "reason_text",
  "ip",
  "details",
  "prev_hash",
  "hash",
] as const satisfies readonly (keyof AuditEvent)[];

const NOT_NULL = new Set([
  "seq",
  "ts",
  "actor_type",
  "action",
  "outcome",
  "details",
  "prev_hash",
  "hash",
]);

/** The header record. */
export function auditCsvHeader(): string {
  return safeCsvLine(AUDIT_COLUMNS);
}

/** One audit row as a CSV record. */
export function auditCsvRecord(row: AuditEvent): string {
  return safeCsvLine(AUDIT_COLUMNS.map((c) => row[c]));
}

/**
 * Parses an export back into rows, in file order (the verifier judges the order).
 * Throws SyntaxError for a wrong header, a short or long record or a bad seq.
 */
export function parseAuditCsv(text: string): AuditEvent[] {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header || header.join(",") !== AUDIT_COLUMNS.join(",")) {
    throw new SyntaxError(`Cannot parse audit CSV: header is "${header?.join(",") ?? ""}"`);
  }
  return records.map((rec, i) => {
    const line = i + 2;
    if (rec.length !== AUDIT_COLUMNS.length) {
      throw new SyntaxError(
        `Cannot parse audit CSV line ${line}: expected ${AUDIT_COLUMNS.length} fields, got ${rec.length}`,
      );
    }
    const row: Record<string, string | number | null> = {};
    AUDIT_COLUMNS.forEach((c, k) => {
      const v = restoreFormula(rec[k]);
      if (v === null && NOT_NULL.has(c)) {
        throw new SyntaxError(`Cannot parse audit CSV line ${line}: "${c}" is empty`);
      }
      row[c] = v;
    });
    if (!/^[1-9]\d{0,15}$/.test(String(row.seq))) {
      throw new SyntaxError(
        `Cannot parse audit CSV line ${line}: seq "${row.seq}" is not a number`,
      );
    }
    row.seq = Number(row.seq);
    return row as unknown as AuditEvent;
  });
}
