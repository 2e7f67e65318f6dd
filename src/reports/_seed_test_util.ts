/** Seeds a store with random (seeded) calls, recordings, pauses, decisions and audit rows. */
import type { Db } from "../store/db.ts";
import type { AuditLog } from "../audit/audit_log.ts";

/** A small seeded PRNG (mulberry32), so seeded data is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What was seeded, for computing expected counts in plain TypeScript. */
export interface Seeded {
  recordings: {
    id: string;
    day: string;
    startedAt: string;
    bu: string | null;
    agent: string;
    ctype: string;
    lang: string;
    durationMs: number;
    size: number;
    state: string;
    interrupted: boolean;
    noMedia: boolean;
    oneWay: boolean;
    spool: boolean;
  }[];
  pauses: { recordingId: string; startMs: number; endMs: number | null }[];
  plays: string[];
  decisions: {
    callKey: string;
    rules: { id: string; outcome: string; percent: number | null }[];
  }[];
  moves: {
    action: "recording.archive" | "recording.purge";
    recordingId: string;
    day: string;
    bytes: number;
  }[];
  teamOf: Record<string, string>;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const OUTCOMES = [
  "conditions-failed",
  "outside-window",
  "not-sampled",
  "quota-exhausted",
  "matched",
];

/** Seeds 5 days from 2026-05-01 (UTC); `clock.t` drives the audit log's timestamps. */
export async function seedReports(
  db: Db,
  audit: AuditLog,
  clock: { t: number },
  seed = 42,
): Promise<Seeded> {
  const r = rng(seed);
  const location = async (name: string, kind: "spool" | "archive") =>
    (await db.insertInto("storage_locations").values({ name, kind, path: `/${name}`, healthy: 1 })
      .returning("id").executeTakeFirstOrThrow()).id;
  const spoolId = await location("seed-spool", "spool");
  const archiveId = await location("seed-nas", "archive");
  const unit = async (name: string) =>
    (await db.insertInto("org_units").values({ name, parent_id: null, path: `tmp:${name}` })
      .returning("id").executeTakeFirstOrThrow()).id;
  const sales = await unit("Sales"), support = await unit("Support");
  const teamOf: Record<string, string> = { a1: "Sales", a2: "Sales", a3: "Support" };
  await db.insertInto("agents").values([
    { agent_id: "a1", name: null, org_unit_id: sales },
    { agent_id: "a2", name: null, org_unit_id: sales },
    { agent_id: "a3", name: null, org_unit_id: support },
  ]).execute();
  const s: Seeded = { recordings: [], pauses: [], plays: [], decisions: [], moves: [], teamOf };
  const base = Date.parse("2026-05-01T00:00:00Z");
  for (let i = 0; i < 80; i++) {
    const started = new Date(base + Math.floor(r() * 5 * 86_400_000)).toISOString();
    const rec = {
      id: `rec${i}`,
      day: started.slice(0, 10),
      startedAt: started,
      bu: r() < 0.15 ? null : pick(r, ["retail", "business"]),
      agent: pick(r, ["a1", "a2", "a3", "a4"]),
      ctype: pick(r, ["gold", "std"]),
      lang: pick(r, ["en", "fr", "de"]),
      durationMs: 10_000 + Math.floor(r() * 300_000),
      size: 1000 + Math.floor(r() * 100_000),
      state: pick(r, ["complete", "complete", "complete", "interrupted", "purged"]),
      interrupted: r() < 0.1,
      noMedia: r() < 0.1,
      oneWay: r() < 0.1,
      spool: r() < 0.7,
    };
    s.recordings.push(rec);
    await db.insertInto("calls").values({
      id: `call${i}`,
      call_key: `key${i}`,
      source: "siprec",
      started_at: started,
      agent_id: rec.agent,
      business_unit: rec.bu,
      customer_type: rec.ctype,
      language: rec.lang,
    } as never).execute();
    await db.insertInto("recordings").values({
      id: rec.id,
      call_id: `call${i}`,
      state: rec.state as never,
      format: "opus",
      started_at: started,
      duration_ms: rec.durationMs,
      size_bytes: rec.size,
      path: `${rec.id}.opus`,
      storage_location_id: rec.spool ? spoolId : archiveId,
      agent_id: rec.agent,
      business_unit: rec.bu,
      customer_type: rec.ctype,
      language: rec.lang,
      flag_interrupted: rec.interrupted ? 1 : 0,
      flag_no_media: rec.noMedia ? 1 : 0,
      flag_one_way: rec.oneWay ? 1 : 0,
      created_at: started,
    } as never).execute();
    const np = r() < 0.3 ? 1 + Math.floor(r() * 3) : 0;
    for (let k = 0; k < np; k++) {
      const startMs = Math.floor(r() * 5000);
      const endMs = r() < 0.2 ? null : startMs + Math.floor(r() * 20_000);
      s.pauses.push({ recordingId: rec.id, startMs, endMs });
      await db.insertInto("pauses").values({
        recording_id: rec.id,
        start_ms: startMs,
        end_ms: endMs,
        source: "agent",
      }).execute();
    }
    const rules = ["vip", "sample10", "fr"].map((id) => {
      const outcome = pick(r, OUTCOMES);
      const reached = ["not-sampled", "quota-exhausted", "matched"].includes(outcome);
      return { id, outcome, percent: reached ? (id === "vip" ? 100 : 10) : null };
    });
    s.decisions.push({ callKey: `key${i}`, rules });
    for (const origin of r() < 0.2 ? ["simulate", "siprec"] : ["siprec"]) {
      await db.insertInto("rule_decisions").values({
        call_id: `call${i}`,
        call_key: `key${i}`,
        evaluated_at: started,
        origin,
        record: rules.some((x) => x.outcome === "matched") ? 1 : 0,
        rule_id: null,
        trace: JSON.stringify({
          rules: rules.map((x) => ({
            id: x.id,
            outcome: origin === "simulate" ? "matched" : x.outcome,
            sample: x.percent === null ? null : { draw: 1, percent: x.percent, held: true },
          })),
        }),
        ruleset_version: "v1",
      }).execute();
    }
  }
  // Audit: plays (some twice, some denied), archives and purges.
  for (const rec of s.recordings) {
    clock.t = Date.parse(rec.startedAt) + 3_600_000;
    if (r() < 0.4) {
      const times = 1 + Math.floor(r() * 2);
      for (let k = 0; k < times; k++) {
        await audit.append({
          actor: { type: "user", name: "sue" },
          action: "recording.play",
          recordingId: rec.id,
        });
      }
      s.plays.push(rec.id);
    } else if (r() < 0.2) {
      await audit.append({
        actor: { type: "user", name: "eve" },
        action: "recording.play",
        outcome: "denied",
        recordingId: rec.id,
      });
    }
    if (!rec.spool) {
      const withBytes = r() < 0.5;
      await audit.append({
        actor: { type: "system" },
        action: "recording.archive",
        recordingId: rec.id,
        details: withBytes ? { bytes: rec.size * 2 } : {},
      });
      s.moves.push({
        action: "recording.archive",
        recordingId: rec.id,
        day: new Date(clock.t).toISOString().slice(0, 10),
        bytes: withBytes ? rec.size * 2 : rec.size,
      });
    }
    if (rec.state === "purged") {
      await audit.append({
        actor: { type: "system" },
        action: "recording.purge",
        recordingId: rec.id,
      });
      s.moves.push({
        action: "recording.purge",
        recordingId: rec.id,
        day: new Date(clock.t).toISOString().slice(0, 10),
        bytes: rec.size,
      });
    }
  }
  return s;
}
