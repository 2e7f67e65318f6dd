/**
 * Wall-clock arithmetic in IANA time zones (via `Intl`), for rule windows and quota periods.
 *
 * @module
 */
import { type Day, DAYS, type HourRange, type Period, type RuleWindow } from "./schema.ts";

/** A wall-clock reading of an instant in a time zone. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: Day;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Reads the wall clock of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const { year, month, day } = parts;
  const weekday = DAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
  return { year, month, day, hour: parts.hour % 24, minute: parts.minute, weekday };
}

/** The wall clock of instant `ms` in `timeZone`, as a UTC millisecond count (minute precision). */
function wallAt(ms: number, timeZone: string): number {
  const t = localTime(new Date(ms), timeZone);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
}

const DAY_MS = 86_400_000;

/**
 * The instant at which the wall clock in `timeZone` reads the given local date and time.
 * Like Temporal's "compatible" disambiguation: a repeated time (DST fall-back) resolves to
 * its earlier instant; a skipped time (DST gap) moves forward by the length of the gap.
 */
export function zonedInstant(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = wallAt(wall - DAY_MS, timeZone) - (wall - DAY_MS);
  const after = wallAt(wall + DAY_MS, timeZone) - (wall + DAY_MS);
  const hits = [wall - before, wall - after].filter((ms) => wallAt(ms, timeZone) === wall);
  return new Date(hits.length > 0 ? Math.min(...hits) : wall - before);
}

/** Result of testing an instant against a rule window. */
export interface WindowCheck {
  held: boolean;
  /** Local weekday and time, e.g. "fri 22:15". */
  local: string;
}

function inRange(r: HourRange, minute: number): boolean {
  return r.start < r.end
    ? minute >= r.start && minute < r.end
    : minute >= r.start || minute < r.end;
}

/**
 * Tests `at` against a window. Hour ranges are [start, end) in local time; a range that
 * wraps midnight (e.g. "22:00-06:00") belongs to the day it starts on, so `days: [fri]`
 * with "22:00-06:00" holds on Saturday 03:00.
 */
export function checkWindow(w: RuleWindow, at: Date): WindowCheck {
  const t = localTime(at, w.timeZone);
  const minute = t.hour * 60 + t.minute;
  const local = `${t.weekday} ${pad(t.hour)}:${pad(t.minute)}`;
  const dayIdx = DAYS.indexOf(t.weekday);
  const dayOk = (d: Day) => w.days === null || w.days.includes(d);
  if (w.hours === null) return { held: dayOk(t.weekday), local };
  const held = w.hours.some((r) => {
    if (!inRange(r, minute)) return false;
    const wrappedTail = r.start > r.end && minute < r.end;
    return dayOk(wrappedTail ? DAYS[(dayIdx + 6) % 7] : t.weekday);
  });
  return { held, local };
}

/** A quota period containing an instant: its key and its local start. */
export interface PeriodSlot {
  /** e.g. "day:2026-11-29", "hour:2026-11-29T13", "week:2026-11-23", "month:2026-11". */
  key: string;
  start: Date;
}

/** The `period` slot (in `timeZone`) that contains `at`. Weeks start on Monday. */
export function periodSlot(period: Period, at: Date, timeZone: string): PeriodSlot {
  const t = localTime(at, timeZone);
  const ymd = `${t.year}-${pad(t.month)}-${pad(t.day)}`;
  switch (period) {
    case "hour":
      return {
        key: `hour:${ymd}T${pad(t.hour)}`,
        start: zonedInstant(timeZone, t.year, t.month, t.day, t.hour),
      };
    case "day":
      return { key: `day:${ymd}`, start: zonedInstant(timeZone, t.year, t.month, t.day) };
    case "week": {
      const back = (DAYS.indexOf(t.weekday) + 6) % 7;
      const monday = new Date(Date.UTC(t.year, t.month - 1, t.day - back));
      const [y, m, d] = [monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()];
      return { key: `week:${y}-${pad(m)}-${pad(d)}`, start: zonedInstant(timeZone, y, m, d) };
    }
    case "month":
      return {
        key: `month:${t.year}-${pad(t.month)}`,
        start: zonedInstant(timeZone, t.year, t.month, 1),
      };
  }
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
