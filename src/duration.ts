/**
 * Durations as written in config and rule files: `30s`, `15m`, `12h`, `90d`, `8w`, `7y`.
 * A year is 365 days and a month 30 days: retention is set in whole days by policy.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  mo: 30 * 86_400_000,
  y: 365 * 86_400_000,
};

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|mo|y)$/;

/** Parses a duration like `90d` into milliseconds; throws SyntaxError naming the value. */
export function parseDuration(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) {
    throw new SyntaxError(
      `Cannot parse duration "${text}": expected a number and a unit (ms, s, m, h, d, w, mo, y)`,
    );
  }
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

/** Returns true when `text` is a duration {@link parseDuration} accepts. */
export function isDuration(text: string): boolean {
  return DURATION_RE.test(text.trim());
}
