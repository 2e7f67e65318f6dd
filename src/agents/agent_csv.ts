/**
 * The agent CSV of `selrec agents import FILE`: RFC 4180 text with a header row naming
 * the columns `id` (required), `name`, `extension`, `dn` and `org_unit` (a unit id, or a
 * path of unit names from the root such as `Org/Sales/Team A`), in any order. Pure: no
 * I/O. Every problem is an {@link AgentCsvError} naming the line and the column.
 *
 * RFC 4180 §2 (ABNF, with LF accepted for CRLF and a UTF-8 BOM skipped):
 *
 * ```
 * file        = [header CRLF] record *(CRLF record) [CRLF]
 * header      = name *(COMMA name)
 * record      = field *(COMMA field)
 * field       = (escaped / non-escaped)
 * escaped     = DQUOTE *(TEXTDATA / COMMA / CR / LF / 2DQUOTE) DQUOTE
 * non-escaped = *TEXTDATA
 * ```
 *
 * Values are trimmed; an empty optional value is null. Blank lines are skipped.
 */

/** The columns of an agent CSV, in the order {@link serializeAgentCsv} writes them. */
export const AGENT_CSV_COLUMNS = ["id", "name", "extension", "dn", "org_unit"] as const;
type Column = typeof AGENT_CSV_COLUMNS[number];

const MAX_LENGTH: Record<Column, number> = {
  id: 64,
  name: 200,
  extension: 32,
  dn: 1024,
  org_unit: 1024,
};

/** One agent of the file, with the line its record starts on. */
export interface AgentCsvRow {
  line: number;
  agentId: string;
  name: string | null;
  extension: string | null;
  dn: string | null;
  /** A unit id (digits) or a `/`-separated path of unit names; null: no unit. */
  orgUnit: string | null;
}

/** A problem in the file at `line` (1-based) and `column` (the 1-based field number). */
export class AgentCsvError extends SyntaxError {
  override name = "AgentCsvError";
  constructor(readonly line: number, readonly column: number, readonly problem: string) {
    super(`line ${line}, column ${column}: ${problem}`);
  }
}

interface RawRecord {
  line: number;
  fields: string[];
}

/** Whether `text` has a C0 control character or DEL (tab and newline included). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Splits RFC 4180 text into records of raw field values (not yet trimmed). */
export function parseCsvRecords(text: string): RawRecord[] {
  const records: RawRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = "";
      if (text[i] === '"') {
        const openLine = line;
        i++;
        for (;;) {
          if (i >= text.length) {
            throw new AgentCsvError(
              openLine,
              fields.length + 1,
              "quoted field is not closed before the end of the file",
            );
          }
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === "\n") line++;
          value += ch;
          i++;
        }
        const next = text[i];
        if (i < text.length && next !== "," && next !== "\n" && next !== "\r") {
          throw new AgentCsvError(
            line,
            fields.length + 1,
            `unexpected ${JSON.stringify(next)} after a closing quote (a quote inside a ` +
              `quoted field is written "")`,
          );
        }
      } else {
        while (i < text.length && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          if (text[i] === '"') {
            throw new AgentCsvError(
              line,
              fields.length + 1,
              'a quote inside an unquoted field (quote the whole field and write "")',
            );
          }
          value += text[i++];
        }
      }
      fields.push(value);
      if (text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === "\r") {
      if (text[i + 1] !== "\n") {
        throw new AgentCsvError(line, fields.length, "a CR not followed by LF");
      }
      i++;
    }
    if (text[i] === "\n") {
      i++;
      line++;
    }
    records.push({ line: start, fields });
  }
  return records;
}

function headerOf(rec: RawRecord): Map<Column, number> {
  const map = new Map<Column, number>();
  rec.fields.forEach((raw, idx) => {
    const name = raw.trim().toLowerCase().replace(/[\s-]+/g, "_");
    if (!(AGENT_CSV_COLUMNS as readonly string[]).includes(name)) {
      throw new AgentCsvError(
        rec.line,
        idx + 1,
        `unknown column ${JSON.stringify(raw)} (expected ${AGENT_CSV_COLUMNS.join(", ")})`,
      );
    }
    if (map.has(name as Column)) {
      throw new AgentCsvError(rec.line, idx + 1, `column "${name}" appears twice`);
    }
    map.set(name as Column, idx);
  });
  if (!map.has("id")) throw new AgentCsvError(rec.line, 1, 'the header has no "id" column');
  return map;
}

function checkOrgUnit(value: string, fail: (problem: string) => never): void {
  if (/^\d+$/.test(value)) return;
  if (value.split("/").some((step) => step.trim().length === 0)) {
    fail(`org unit ${JSON.stringify(value)} has an empty name between slashes`);
  }
}

function rowOf(rec: RawRecord, header: Map<Column, number>): AgentCsvRow {
  if (rec.fields.length !== header.size) {
    throw new AgentCsvError(
      rec.line,
      Math.min(rec.fields.length, header.size) + 1,
      `expected ${header.size} fields as in the header, found ${rec.fields.length}`,
    );
  }
  const get = (col: Column): string | null => {
    const idx = header.get(col);
    if (idx === undefined) return null;
    const value = rec.fields[idx].trim();
    const fail = (problem: string): never => {
      throw new AgentCsvError(rec.line, idx + 1, `${col}: ${problem}`);
    };
    if (value.length > MAX_LENGTH[col]) fail(`longer than ${MAX_LENGTH[col]} characters`);
    if (hasControlCharacter(value)) fail("contains a control character (tab, newline…)");
    if (value.length === 0) return null;
    if (col === "org_unit") checkOrgUnit(value, fail);
    return value;
  };
  const agentId = get("id");
  if (agentId === null) throw new AgentCsvError(rec.line, header.get("id")! + 1, "id: empty");
  return {
    line: rec.line,
    agentId,
    name: get("name"),
    extension: get("extension"),
    dn: get("dn"),
    orgUnit: get("org_unit")?.split("/").map((s) => s.trim()).join("/") ?? null,
  };
}

/** Parses an agent CSV; throws {@link AgentCsvError} naming the line and column. */
export function parseAgentCsv(text: string): AgentCsvRow[] {
  return parseAgentCsvFile(text).rows;
}

/** {@link parseAgentCsv}, with the 1-based column number of each column in the file. */
export function parseAgentCsvFile(
  text: string,
): { rows: AgentCsvRow[]; columns: Partial<Record<Column, number>> } {
  const records = parseCsvRecords(text).filter((r) =>
    !(r.fields.length === 1 && r.fields[0].trim() === "")
  );
  if (records.length === 0) throw new AgentCsvError(1, 1, "the file is empty (no header row)");
  const header = headerOf(records[0]);
  const seen = new Map<string, number>();
  const columns = Object.fromEntries([...header].map(([c, idx]) => [c, idx + 1]));
  const rows = records.slice(1).map((rec) => {
    const row = rowOf(rec, header);
    const earlier = seen.get(row.agentId);
    if (earlier !== undefined) {
      throw new AgentCsvError(
        rec.line,
        header.get("id")! + 1,
        `id: agent ${JSON.stringify(row.agentId)} already appears on line ${earlier}`,
      );
    }
    seen.set(row.agentId, rec.line);
    return row;
  });
  return { rows, columns };
}

function quote(value: string | null): string {
  const v = value ?? "";
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** Writes rows as an agent CSV with every column; {@link parseAgentCsv} reads it back. */
export function serializeAgentCsv(rows: readonly Omit<AgentCsvRow, "line">[]): string {
  const lines = [AGENT_CSV_COLUMNS.join(",")];
  for (const r of rows) {
    lines.push([r.agentId, r.name, r.extension, r.dn, r.orgUnit].map(quote).join(","));
  }
  return lines.join("\n") + "\n";
}
