/**
 * RFC 4180 CSV with one extension that makes audit rows round-trip exactly: an empty
 * *unquoted* field is SQL NULL, an empty *quoted* field (`""`) is the empty string.
 * Records end in CRLF. The parser is strict (a quote inside an unquoted field, text
 * after a closing quote or an unterminated quote is a SyntaxError), so an edited export
 * fails to parse rather than parsing into something plausible.
 */

/** One CSV cell: text, or null for SQL NULL. */
export type CsvCell = string | number | null;

const NEEDS_QUOTES = /[",\r\n]/;

/** Encodes one cell: null → empty, "" → `""`, text with `",\r\n` or edge spaces quoted. */
export function csvCell(value: CsvCell): string {
  if (value === null) return "";
  const text = String(value);
  if (text === "" || NEEDS_QUOTES.test(text) || text.trim() !== text) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

/** Encodes one record, CRLF terminated. */
export function csvLine(cells: readonly CsvCell[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}

/** Spreadsheet formula starters (OWASP CSV injection): `= + - @`, tab, CR. */
const FORMULA = /^[=+\-@\t\r]/;
/** A cell that {@link restoreFormula} would unescape: `'` then a starter or another `'`. */
const ESCAPED = /^'[=+\-@\t\r']/;

/**
 * Neutralises a spreadsheet formula: a text cell starting with `= + - @`, tab or CR gets
 * a `'` prefix, so a spreadsheet shows it as text. Reversible by {@link restoreFormula}:
 * text that already looks escaped (`'` then a starter or `'`) gets a `'` too, and all
 * other text (`'abc` included) is left as it is. Numbers are not touched.
 */
export function defuseFormula(value: CsvCell): CsvCell {
  return typeof value === "string" && (FORMULA.test(value) || ESCAPED.test(value))
    ? `'${value}`
    : value;
}

/** Undoes {@link defuseFormula} on a parsed cell. */
export function restoreFormula(cell: string | null): string | null {
  return cell !== null && ESCAPED.test(cell) ? cell.slice(1) : cell;
}

/**
 * The neutralising writer every export uses (audit and reports): one record with each
 * cell through {@link defuseFormula}, CRLF terminated.
 */
export function safeCsvLine(cells: readonly CsvCell[]): string {
  return csvLine(cells.map(defuseFormula));
}

/**
 * Parses CSV text into records of cells (null for empty unquoted fields).
 * Throws SyntaxError naming the line for malformed quoting.
 */
export function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  if (n === 0) return records;
  while (i <= n) {
    let cell: string | null;
    if (text[i] === '"') {
      let j = i + 1;
      let out = "";
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          throw new SyntaxError(`Cannot parse CSV line ${line}: unterminated quoted field`);
        }
        out += text.slice(j, q);
        if (text[q + 1] === '"') {
          out += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      line += (out.match(/\n/g) ?? []).length;
      cell = out;
    } else {
      let j = i;
      while (j < n && text[j] !== "," && text[j] !== "\r" && text[j] !== "\n") {
        if (text[j] === '"') {
          throw new SyntaxError(`Cannot parse CSV line ${line}: quote inside an unquoted field`);
        }
        j++;
      }
      cell = j === i ? null : text.slice(i, j);
      i = j;
    }
    record.push(cell);
    if (i >= n) {
      records.push(record);
      break;
    }
    const c = text[i];
    if (c === ",") {
      i++;
      continue;
    }
    if (c === "\r" && text[i + 1] === "\n") i += 2;
    else if (c === "\n") i += 1;
    else throw new SyntaxError(`Cannot parse CSV line ${line}: unexpected "${c}" after a field`);
    records.push(record);
    record = [];
    line++;
    if (i >= n) break;
  }
  return records;
}
