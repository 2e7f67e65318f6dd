import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkClock,
  decide,
  expiryOf,
  MAX_CLOCK_JUMP_MS,
  type PolicyConfig,
  policyConfig,
  type RecordingFacts,
} from "./policy.ts";
import type { RecordingState } from "../store/schema/recordings.ts";
import { ConfigError, ConfigSchema, configWarnings, resolveConfig } from "../config.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2026-01-01T00:00:00Z");

const base: PolicyConfig = {
  archiving: false,
  archiveAfterMs: 0,
  purgeAfterMs: 30 * DAY,
  retentionMs: { qa: 90 * DAY, compliance: 7 * 365 * DAY },
  purgeScope: "box",
};

const facts = (over: Partial<RecordingFacts> = {}): RecordingFacts => ({
  state: "complete",
  createdAt: T0,
  retentionClass: null,
  legalHold: false,
  archived: false,
  ...over,
});

Deno.test("decide() purges the local copy of an expired recording when nothing archives", () => {
  assert.equal(decide(facts(), T0 + 30 * DAY, base).purge, "local");
  assert.equal(decide(facts(), T0 + 30 * DAY - 1, base).purge, "none");
});

Deno.test("decide() never purges a recording on legal hold", () => {
  assert.equal(decide(facts({ legalHold: true }), T0 + 100 * 365 * DAY, base).purge, "none");
});

Deno.test("decide() never purges an unarchived recording while archiving is configured", () => {
  const cfg = { ...base, archiving: true };
  const v = decide(facts(), T0 + 365 * DAY, cfg);
  assert.equal(v.purge, "none");
  assert.equal(v.archive, true);
});

Deno.test("decide() takes an expired archived recording off the box in scope box, keeping the archive copy", () => {
  const cfg = { ...base, archiving: true };
  const f = facts({ archived: true });
  assert.equal(decide(f, T0 + 30 * DAY - 1, cfg).purge, "none");
  assert.equal(decide(f, T0 + 31 * DAY, cfg).purge, "box");
  assert.equal(decide(f, T0 + 31 * DAY, { ...cfg, purgeScope: "everywhere" }).purge, "archive");
});

Deno.test("decide() lets legal hold and the clock guard block both purge scopes", () => {
  for (const purgeScope of ["box", "everywhere"] as const) {
    const cfg = { ...base, archiving: true, purgeScope };
    const late = T0 + 10 * 365 * DAY;
    assert.equal(decide(facts({ archived: true, legalHold: true }), late, cfg).purge, "none");
    assert.equal(
      decide(facts({ archived: true }), late, cfg, { purgeSuspended: true }).purge,
      "none",
    );
  }
});

Deno.test("decide() keeps a recording whose retention class the config does not know", () => {
  assert.equal(expiryOf(facts({ retentionClass: "legal" }), base), null);
  assert.equal(decide(facts({ retentionClass: "legal" }), T0 + 50 * 365 * DAY, base).purge, "none");
});

Deno.test("decide() never shortens a stored expires_at", () => {
  const f = facts({ expiresAt: T0 + 60 * DAY });
  assert.equal(expiryOf(f, base), T0 + 60 * DAY);
  assert.equal(decide(f, T0 + 45 * DAY, base).purge, "none");
});

Deno.test("decide() archives after archiveAfter, or at once under pressure", () => {
  const cfg = { ...base, archiving: true, archiveAfterMs: 7 * DAY };
  assert.equal(decide(facts(), T0 + 6 * DAY, cfg).archive, false);
  assert.equal(decide(facts(), T0 + 6 * DAY, cfg, { pressure: true }).archive, true);
  assert.equal(decide(facts(), T0 + 7 * DAY, cfg).archive, true);
  assert.equal(decide(facts({ hasHash: false }), T0 + 7 * DAY, cfg).archive, false);
  assert.equal(decide(facts({ state: "recording" }), T0 + 7 * DAY, cfg).archive, false);
});

Deno.test("decide() purges nothing while the clock guard suspends purging", () => {
  assert.equal(decide(facts(), T0 + 365 * DAY, base, { purgeSuspended: true }).purge, "none");
});

Deno.test("policyConfig() parses the configured durations", () => {
  const storage = ConfigSchema.parse({
    storage: { purgeAfter: "30d", archiveAfter: "1d", targets: [{ name: "nas", path: "/x" }] },
  }).storage;
  const cfg = policyConfig(storage);
  assert.equal(cfg.archiving, true);
  assert.equal(cfg.archiveAfterMs, DAY);
  assert.equal(cfg.purgeAfterMs, 30 * DAY);
  assert.equal(cfg.retentionMs.qa, 90 * DAY);
});

Deno.test("storage.deleteFromArchive maps onto purge.scope with a warning; a contradiction is refused", () => {
  const of = (storage: Record<string, unknown>) => resolveConfig({ storage }, {}, "t.yaml");
  assert.equal(of({}).storage.purge.scope, "box");
  assert.deepEqual(configWarnings(of({})), []);
  assert.equal(of({ deleteFromArchive: true }).storage.purge.scope, "everywhere");
  assert.equal(of({ deleteFromArchive: false }).storage.purge.scope, "box");
  assert.match(configWarnings(of({ deleteFromArchive: true }))[0], /deprecated.*purge\.scope/);
  assert.throws(
    () => of({ deleteFromArchive: true, purge: { scope: "box" } }),
    (e: unknown) => e instanceof ConfigError && /contradicts storage\.purge\.scope/.test(e.message),
  );
  assert.throws(() => of({ purge: { scope: "archive" } }), ConfigError);
});

Deno.test("checkClock() suspends on a forward jump of more than a day not explained by uptime", () => {
  assert.equal(checkClock(null, T0, null).ok, true);
  assert.equal(checkClock(T0, T0 + 15 * 60_000, null).ok, true);
  assert.equal(checkClock(T0, T0 + MAX_CLOCK_JUMP_MS + 1, null).ok, false);
  assert.equal(checkClock(T0, T0 + 3 * DAY, 3 * DAY).ok, true);
  assert.deepEqual(checkClock(T0, T0 + 10 * DAY, 2 * DAY), { ok: false, jumpMs: 8 * DAY });
  assert.equal(checkClock(T0, T0 - 10 * DAY, null).ok, true);
});

// Property: over random recordings, configs and times, the purged set is exactly the
// expected set, written here independently as the list of reasons to keep a recording.
const STATES: RecordingState[] = [
  "recording",
  "complete",
  "interrupted",
  "missing",
  "deleted",
  "purged",
];
const arbFacts = fc.record({
  id: fc.nat(),
  state: fc.constantFrom(...STATES),
  createdAt: fc.integer({ min: T0 - 10 * 365 * DAY, max: T0 }),
  retentionClass: fc.constantFrom(null, "qa", "compliance", "unknown"),
  legalHold: fc.boolean(),
  archived: fc.boolean(),
  expiresAt: fc.option(fc.integer({ min: T0 - 10 * 365 * DAY, max: T0 + 10 * 365 * DAY })),
});
const arbConfig = fc.record({
  archiving: fc.boolean(),
  archiveAfterMs: fc.integer({ min: 0, max: 30 * DAY }),
  purgeAfterMs: fc.option(fc.integer({ min: 0, max: 3 * 365 * DAY })),
  retentionMs: fc.record({
    qa: fc.integer({ min: 0, max: 365 * DAY }),
    compliance: fc.integer({ min: 0, max: 8 * 365 * DAY }),
  }),
  purgeScope: fc.constantFrom("box" as const, "everywhere" as const),
});

function expectedPurged(
  recs: (RecordingFacts & { id: number })[],
  cfg: PolicyConfig,
  now: number,
): Map<number, string> {
  const out = new Map<number, string>();
  for (const r of recs) {
    if (r.state !== "complete" && r.state !== "interrupted") continue;
    if (r.legalHold) continue;
    const keep = r.retentionClass === null
      ? cfg.purgeAfterMs
      : (cfg.retentionMs as Record<string, number>)[r.retentionClass] ?? null;
    if (keep === null) continue;
    if (now < r.createdAt + keep) continue;
    if (r.expiresAt != null && now < r.expiresAt) continue;
    if (!r.archived && cfg.archiving) continue;
    out.set(r.id, r.archived ? (cfg.purgeScope === "everywhere" ? "archive" : "box") : "local");
  }
  return out;
}

Deno.test("decide() property: the purged set is exactly the expected set", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(arbFacts, { selector: (r) => r.id, maxLength: 40 }),
      arbConfig,
      fc.integer({ min: T0 - 365 * DAY, max: T0 + 10 * 365 * DAY }),
      (recs, cfg, now) => {
        const got = new Map<number, string>();
        for (const r of recs) {
          const v = decide(r, now, cfg);
          if (v.purge !== "none") got.set(r.id, v.purge);
          // Invariants, stated on their own.
          if (r.legalHold) assert.equal(v.purge, "none");
          if (cfg.archiving && !r.archived) assert.equal(v.purge, "none");
          assert.equal(decide(r, now, cfg, { purgeSuspended: true }).purge, "none");
        }
        assert.deepEqual(got, expectedPurged(recs, cfg, now));
      },
    ),
    { numRuns: 2000 },
  );
});
