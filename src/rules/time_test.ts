import assert from "node:assert/strict";
import { WindowSchema } from "./schema.ts";
import { checkWindow, localTime, periodSlot, zonedInstant } from "./time.ts";
import type { RuleWindow } from "./schema.ts";

function windowOf(raw: Record<string, unknown>, timeZone = "UTC"): RuleWindow {
  const w = WindowSchema.parse(raw);
  return { days: w.days ?? null, hours: w.hours ?? null, timeZone: w.timeZone ?? timeZone };
}

const at = (iso: string) => new Date(iso);

Deno.test("checkWindow() holds on listed days within [start, end) hours", () => {
  const w = windowOf({ days: "mon-fri", hours: "08:00-18:00" });
  // 2026-11-27 is a Friday.
  assert.equal(checkWindow(w, at("2026-11-27T08:00:00Z")).held, true);
  assert.equal(checkWindow(w, at("2026-11-27T17:59:59Z")).held, true);
  assert.equal(checkWindow(w, at("2026-11-27T18:00:00Z")).held, false);
  assert.equal(checkWindow(w, at("2026-11-27T07:59:00Z")).held, false);
  assert.equal(checkWindow(w, at("2026-11-28T10:00:00Z")).held, false);
  assert.equal(checkWindow(w, at("2026-11-27T10:05:00Z")).local, "fri 10:05");
});

Deno.test("checkWindow() evaluates hours in the window's time zone", () => {
  const w = windowOf({ hours: "09:00-17:00", timeZone: "America/New_York" });
  assert.equal(checkWindow(w, at("2026-11-27T13:59:00Z")).held, false); // 08:59 EST
  assert.equal(checkWindow(w, at("2026-11-27T14:00:00Z")).held, true); // 09:00 EST
  assert.equal(checkWindow(w, at("2026-07-01T13:00:00Z")).held, true); // 09:00 EDT
});

Deno.test("checkWindow() gives an overnight range to the day it starts on", () => {
  const w = windowOf({ days: ["fri"], hours: "22:00-06:00" });
  assert.equal(checkWindow(w, at("2026-11-27T23:00:00Z")).held, true); // Fri 23:00
  assert.equal(checkWindow(w, at("2026-11-28T03:00:00Z")).held, true); // Sat 03:00
  assert.equal(checkWindow(w, at("2026-11-28T23:00:00Z")).held, false); // Sat 23:00
  assert.equal(checkWindow(w, at("2026-11-27T03:00:00Z")).held, false); // Fri 03:00 (Thu's night)
});

Deno.test("checkWindow() accepts several hour ranges, days only, and 24:00", () => {
  const split = windowOf({ hours: ["08:00-12:00", "13:00-17:00"] });
  assert.equal(checkWindow(split, at("2026-11-27T12:30:00Z")).held, false);
  assert.equal(checkWindow(split, at("2026-11-27T13:30:00Z")).held, true);
  const weekend = windowOf({ days: "weekend" });
  assert.equal(checkWindow(weekend, at("2026-11-29T23:59:00Z")).held, true);
  assert.equal(checkWindow(weekend, at("2026-11-30T00:00:00Z")).held, false);
  const late = windowOf({ hours: "20:00-24:00" });
  assert.equal(checkWindow(late, at("2026-11-27T23:59:00Z")).held, true);
});

Deno.test("checkWindow() follows the DST change in Europe/London", () => {
  // Clocks go forward on 2026-03-29 at 01:00 UTC; 08:00 local is 07:00 UTC after it.
  const w = windowOf({ hours: "08:00-09:00", timeZone: "Europe/London" });
  assert.equal(checkWindow(w, at("2026-03-28T08:30:00Z")).held, true);
  assert.equal(checkWindow(w, at("2026-03-29T07:30:00Z")).held, true);
  assert.equal(checkWindow(w, at("2026-03-29T08:30:00Z")).held, false);
  const night = windowOf({ hours: "00:30-02:00", timeZone: "Europe/London" });
  assert.equal(checkWindow(night, at("2026-03-29T00:59:00Z")).held, true); // 00:59 GMT
  assert.equal(checkWindow(night, at("2026-03-29T01:00:00Z")).held, false); // 02:00 BST
});

Deno.test("WindowSchema rejects bad hours and days", () => {
  for (const raw of [{ hours: "8-18" }, { hours: "09:00-09:00" }, { hours: "25:00-26:00" }]) {
    assert.match(WindowSchema.safeParse(raw).error?.issues[0].message ?? "", /Invalid hours/);
  }
  assert.equal(WindowSchema.safeParse({ days: ["funday"] }).success, false);
  assert.deepEqual(WindowSchema.parse({ days: "fri-mon" }).days, ["fri", "sat", "sun", "mon"]);
  assert.deepEqual(WindowSchema.parse({ days: ["Mon", "mon"] }).days, ["mon"]);
  assert.equal(WindowSchema.safeParse({ timeZone: "Mars/Olympus" }).success, false);
});

Deno.test("localTime() reads the wall clock in a time zone", () => {
  assert.deepEqual(localTime(at("2026-11-29T23:30:00Z"), "Asia/Tokyo"), {
    year: 2026,
    month: 11,
    day: 30,
    hour: 8,
    minute: 30,
    weekday: "mon",
  });
});

Deno.test("zonedInstant() maps local times to instants, across DST gaps", () => {
  assert.equal(zonedInstant("Europe/London", 2026, 7, 1).toISOString(), "2026-06-30T23:00:00.000Z");
  assert.equal(
    zonedInstant("Europe/London", 2026, 12, 1).toISOString(),
    "2026-12-01T00:00:00.000Z",
  );
  // 01:30 does not exist in London on 2026-03-29: moves forward by the gap, to 02:30 BST.
  assert.equal(
    zonedInstant("Europe/London", 2026, 3, 29, 1, 30).toISOString(),
    "2026-03-29T01:30:00.000Z",
  );
  // 01:30 happens twice in London on 2026-10-25: the earlier one (BST) wins.
  assert.equal(
    zonedInstant("Europe/London", 2026, 10, 25, 1, 30).toISOString(),
    "2026-10-25T00:30:00.000Z",
  );
  // Midnight is skipped in Santiago on the September 2026 change (00:00 -> 01:00).
  assert.equal(
    zonedInstant("America/Santiago", 2026, 9, 6).toISOString(),
    "2026-09-06T04:00:00.000Z",
  );
});

Deno.test("periodSlot() keys periods in local time, weeks starting on Monday", () => {
  const t = at("2026-11-29T23:30:00Z"); // Sunday in London, Monday in Tokyo
  assert.deepEqual(periodSlot("day", t, "Europe/London"), {
    key: "day:2026-11-29",
    start: at("2026-11-29T00:00:00Z"),
  });
  assert.deepEqual(periodSlot("day", t, "Asia/Tokyo"), {
    key: "day:2026-11-30",
    start: at("2026-11-29T15:00:00Z"),
  });
  assert.equal(periodSlot("week", t, "Europe/London").key, "week:2026-11-23");
  assert.equal(periodSlot("week", t, "Asia/Tokyo").key, "week:2026-11-30");
  assert.deepEqual(periodSlot("hour", t, "Asia/Kolkata"), {
    key: "hour:2026-11-30T05",
    start: at("2026-11-29T23:30:00Z"),
  });
  assert.deepEqual(periodSlot("month", at("2026-07-15T12:00:00Z"), "Europe/London"), {
    key: "month:2026-07",
    start: at("2026-06-30T23:00:00Z"),
  });
});

Deno.test("periodSlot() day boundaries move with DST", () => {
  // 2026-10-25 in London is 25 hours long (clocks go back at 01:00 UTC).
  assert.equal(
    periodSlot("day", at("2026-10-24T23:30:00Z"), "Europe/London").key,
    "day:2026-10-25",
  );
  assert.equal(
    periodSlot("day", at("2026-10-25T23:30:00Z"), "Europe/London").key,
    "day:2026-10-25",
  );
  assert.equal(
    periodSlot("day", at("2026-10-26T00:00:00Z"), "Europe/London").key,
    "day:2026-10-26",
  );
  assert.deepEqual(
    periodSlot("day", at("2026-10-25T12:00:00Z"), "Europe/London").start,
    at("2026-10-24T23:00:00Z"),
  );
});
