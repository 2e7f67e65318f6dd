import assert from "node:assert/strict";
import fc from "fast-check";
import { SipHeaders } from "./headers.ts";
import { SipParseError } from "./message.ts";
import {
  expiryMs,
  formatSessionExpires,
  negotiateSessionTimer,
  parseMinSE,
  parseSessionExpires,
  SessionTimer,
  sessionTimerHeaders,
} from "./session_timer.ts";
import { FakeTimers } from "./timers.ts";

const settings = { sessionExpires: 1800, minSE: 90 };
const h = (...pairs: [string, string][]) => new SipHeaders(pairs);

Deno.test("parseSessionExpires() reads delta-seconds and the refresher (RFC 4028 §4)", () => {
  assert.deepEqual(parseSessionExpires("1800;refresher=uac"), { seconds: 1800, refresher: "uac" });
  assert.deepEqual(parseSessionExpires(" 90 ; foo=1"), { seconds: 90, refresher: null });
  assert.throws(() => parseSessionExpires("abc"), SipParseError);
  assert.throws(() => parseSessionExpires("90;refresher=proxy"), /refresher "proxy"/);
  assert.equal(parseMinSE("120;x=y"), 120);
  assert.throws(() => parseMinSE("-1"), /Min-SE/);
});

Deno.test("Session-Expires parser never throws anything but a parse error; what parses re-serializes", () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      try {
        const se = parseSessionExpires(s);
        assert.deepEqual(parseSessionExpires(formatSessionExpires(se)), se);
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
      }
      try {
        parseMinSE(s);
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
      }
    }),
    { numRuns: 500, seed: 4028 },
  );
});

Deno.test("negotiateSessionTimer(): too small an interval gets 422 with our Min-SE (RFC 4028 §8.1)", () => {
  const n = negotiateSessionTimer(h(["Session-Expires", "30"], ["Supported", "timer"]), settings);
  assert.deepEqual(n, { kind: "too-small", minSE: 90 });
});

Deno.test("negotiateSessionTimer(): a UAC supporting timers refreshes; its own refresher is kept (§9)", () => {
  assert.deepEqual(
    negotiateSessionTimer(h(["Supported", "timer"], ["Session-Expires", "600"]), settings),
    { kind: "use", seconds: 600, refresher: "uac" },
  );
  assert.deepEqual(
    negotiateSessionTimer(h(["Supported", "timer"], ["Session-Expires", "600;refresher=uas"]), {
      ...settings,
    }),
    { kind: "use", seconds: 600, refresher: "uas" },
  );
  // We lower a long interval to ours, never below the request's Min-SE.
  assert.deepEqual(
    negotiateSessionTimer(
      h(["Require", "timer"], ["Session-Expires", "7200"], ["Min-SE", "3600"]),
      settings,
    ),
    { kind: "use", seconds: 3600, refresher: "uac" },
  );
  // No Session-Expires but Supported: timer → we insert ours with refresher=uac.
  const n = negotiateSessionTimer(h(["Supported", "siprec, timer"]), settings);
  assert.deepEqual(n, { kind: "use", seconds: 1800, refresher: "uac" });
  assert.deepEqual(sessionTimerHeaders(n), [
    ["Session-Expires", "1800;refresher=uac"],
    ["Require", "timer"],
  ]);
});

Deno.test("negotiateSessionTimer(): no timer for a UAC without support; a proxy's Session-Expires makes us refresher", () => {
  assert.deepEqual(negotiateSessionTimer(h(), settings), { kind: "none" });
  assert.deepEqual(negotiateSessionTimer(h(["Session-Expires", "900;refresher=uac"]), settings), {
    kind: "use",
    seconds: 900,
    refresher: "uas",
  });
});

Deno.test("SessionTimer: without a refresh the session expires at SE − min(32, SE/3) (RFC 4028 §10)", () => {
  const timers = new FakeTimers();
  const events: string[] = [];
  const t = new SessionTimer({
    timers,
    onExpired: () => events.push(`expired@${timers.now()}`),
    onRefreshDue: () => events.push(`refresh@${timers.now()}`),
  });
  t.refreshed(90, "uac");
  assert.equal(expiryMs(90), 60_000);
  assert.equal(expiryMs(1800), 1_768_000);
  timers.advance(59_999);
  assert.deepEqual(events, []);
  timers.advance(1);
  assert.deepEqual(events, ["expired@60000"]);
  assert.equal(timers.pending, 0);
});

Deno.test("SessionTimer: a refresh before expiry keeps the session up", () => {
  const timers = new FakeTimers();
  let expired = 0;
  const t = new SessionTimer({ timers, onExpired: () => expired++, onRefreshDue: () => {} });
  t.refreshed(90, "uac");
  for (let i = 0; i < 5; i++) {
    timers.advance(50_000);
    t.refreshed(90, "uac");
  }
  assert.equal(expired, 0);
  timers.advance(60_000);
  assert.equal(expired, 1);
});

Deno.test("SessionTimer: as refresher we are asked to refresh at half the interval", () => {
  const timers = new FakeTimers();
  const events: number[] = [];
  const t = new SessionTimer({
    timers,
    onExpired: () => events.push(-timers.now()),
    onRefreshDue: () => {
      events.push(timers.now());
      t.refreshed(90, "uas");
    },
  });
  t.refreshed(90, "uas");
  timers.advance(100_000);
  assert.deepEqual(events, [45_000, 90_000]);
  t.stop();
  assert.equal(timers.pending, 0);
});
