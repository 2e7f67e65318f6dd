/**
 * Table-driven: every web action the seed names (and the security actions issue 7 adds)
 * appends exactly the expected audit row — actor, action, outcome, target, recording,
 * customer ID, interaction type, reason code and the key details, metadata snapshot
 * included — and no other row. Real App, real Ogg files, real sessions and CSRF.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Client, Harness, PASSWORD } from "./harness.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";
import { RulesService } from "../../src/rules/mod.ts";
import { watchRuleReloads } from "../../src/rule_reloads.ts";
import type { AuditEvent } from "../../src/store/schema/audit.ts";
import { assertRow, type Want } from "./audit_rows.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

/** Rows appended after `seq`. */
async function rowsAfter(h: Harness, seq: number): Promise<AuditEvent[]> {
  return (await h.services.store.db.selectFrom("audit_events").selectAll().where("seq", ">", seq)
    .orderBy("seq").execute()).map((r) => ({ ...r }));
}

async function lastSeq(h: Harness): Promise<number> {
  const r = await h.services.store.db.selectFrom("audit_events").select("seq").orderBy(
    "seq",
    "desc",
  )
    .limit(1).executeTakeFirst();
  return r?.seq ?? 0;
}

interface World {
  h: Harness;
  admin: Client;
  sup: Client;
  comp: Client;
  agent: Client;
  outsider: Client;
  userId: (name: string) => Promise<number>;
  tokenId: (name: string) => Promise<number>;
  /** The last API token created through the admin page (its value). */
  token?: string;
  /** A session made by a case's `prepare`. */
  spare?: Client;
}

interface Case {
  name: string;
  /** Runs before the row count is taken (sign-ins a case needs). */
  prepare?: (w: World) => Promise<void>;
  act: (w: World) => Promise<Response | void>;
  status?: number;
  /** null: the action must append no row. */
  want: Want | null | ((w: World) => Promise<Want>);
}

const META = {
  agentId: "ag1",
  businessUnit: "sales",
  partitions: ["p1"],
  attached: { "customer-tier": "gold", GRECORD_PARTITIONS: "p1", topics: ["billing", "refund"] },
};
const R1 = {
  recording: "r1",
  customer: "cust-1",
  interaction: "inbound",
  target: ["recording", "r1"] as [string, string],
};
const reason = (code: string, text: string) => ({ reason_code: code, reason_text: text });

const CASES: Case[] = [
  {
    name: "sign-in",
    act: async (w) => void await w.h.signIn("sup"),
    want: { actor: ["user", "sup"], action: "auth.sign_in" },
  },
  {
    name: "sign-in with a wrong password",
    act: (w) =>
      w.h.req("/sign-in", { form: { username: "sup", password: "wrong" }, ip: "10.9.0.1" }),
    status: 401,
    want: {
      actor: ["user", "sup"],
      action: "auth.sign_in",
      outcome: "failed",
      details: { why: "password" },
    },
  },
  {
    name: "sign-in of an unknown user",
    act: (w) =>
      w.h.req("/sign-in", { form: { username: "nobody", password: "x" }, ip: "10.9.0.2" }),
    status: 401,
    want: {
      actor: ["user", "nobody"],
      action: "auth.sign_in",
      outcome: "failed",
      details: { why: "unknown user" },
    },
  },
  {
    name: "recording page view (who accessed which recording, metadata snapshot)",
    act: (w) => w.h.req("/recordings/r1", { client: w.sup }),
    status: 200,
    want: { actor: ["user", "sup"], action: "recording.view", ...R1, details: { metadata: META } },
  },
  {
    name: "search",
    act: (w) => w.h.req("/recordings?customer=cust-1", { client: w.sup }),
    status: 200,
    want: {
      actor: ["user", "sup"],
      action: "recording.search",
      details: { filter: { customer: "cust-1" }, total: 1 },
    },
  },
  {
    name: "playback request (first byte range)",
    act: (w) => w.h.req("/recordings/r1/audio", { client: w.sup }),
    status: 200,
    want: {
      actor: ["user", "sup"],
      action: "recording.play",
      ...R1,
      details: { format: "opus", range: null, metadata: META },
    },
  },
  {
    name: "continuation byte range of the same playback (no second row)",
    act: (w) =>
      w.h.req("/recordings/r1/audio", { client: w.sup, headers: { Range: "bytes=200-" } }),
    status: 206,
    want: null,
  },
  {
    name: "playback as WAV",
    act: (w) => w.h.req("/recordings/r1/audio.wav", { client: w.sup }),
    status: 200,
    want: {
      actor: ["user", "sup"],
      action: "recording.play",
      ...R1,
      details: { format: "wav-transcode", metadata: META },
    },
  },
  {
    name: "player beacon: the time range heard",
    act: (w) =>
      w.h.req("/recordings/r1/played", { client: w.sup, json: { fromS: 0.5, toS: 2.25 } }),
    status: 204,
    want: {
      actor: ["user", "sup"],
      action: "recording.played",
      ...R1,
      details: { fromS: 0.5, toS: 2.25, metadata: META },
    },
  },
  {
    name: "player beacon with a range past the end (refused, no row)",
    act: (w) => w.h.req("/recordings/r1/played", { client: w.sup, json: { fromS: 1, toS: 60 } }),
    status: 400,
    want: null,
  },
  {
    name: "export with a reason",
    act: (w) =>
      w.h.req("/recordings/r1/export", {
        client: w.sup,
        form: { ...reason("customer-request", "ticket 42"), format: "ogg" },
      }),
    status: 200,
    want: {
      actor: ["user", "sup"],
      action: "recording.export",
      ...R1,
      reason: ["customer-request", "ticket 42"],
      details: { format: "ogg", metadata: META },
    },
  },
  {
    name: "legal hold on",
    act: (w) =>
      w.h.req("/recordings/r2/hold", {
        client: w.comp,
        form: { ...reason("legal-request", "case 7"), on: "1" },
      }),
    status: 303,
    want: {
      actor: ["user", "comp"],
      action: "recording.hold.on",
      target: ["recording", "r2"],
      recording: "r2",
      customer: "cust-2",
      reason: ["legal-request", "case 7"],
      details: { legalHold: { from: false, to: true } },
    },
  },
  {
    name: "legal hold off",
    act: (w) =>
      w.h.req("/recordings/r2/hold", {
        client: w.comp,
        form: { ...reason("legal-request", "case 7 closed"), on: "0", confirm: "yes" },
      }),
    status: 303,
    want: {
      actor: ["user", "comp"],
      action: "recording.hold.off",
      target: ["recording", "r2"],
      recording: "r2",
      customer: "cust-2",
      reason: ["legal-request", "case 7 closed"],
      details: { legalHold: { from: true, to: false } },
    },
  },
  {
    name: "deletion",
    act: (w) =>
      w.h.req("/recordings/r3/delete", {
        client: w.comp,
        form: { ...reason("customer-request", "erasure request 9"), confirm: "yes" },
      }),
    status: 303,
    want: {
      actor: ["user", "comp"],
      action: "recording.delete",
      target: ["recording", "r3"],
      recording: "r3",
      customer: "cust-3",
      reason: ["customer-request", "erasure request 9"],
      details: { path: "2026/03/01/r3.opus", metadata: { agentId: "ag1" } },
    },
  },
  {
    name: "permission denial (a supervisor may not delete)",
    act: (w) =>
      w.h.req("/recordings/r1/delete", {
        client: w.sup,
        form: reason("other", "just trying"),
      }),
    status: 404,
    want: {
      actor: ["user", "sup"],
      action: "access.denied",
      outcome: "denied",
      details: { permission: "recording.delete", method: "POST", path: "/recordings/r1/delete" },
    },
  },
  {
    name: "scope denial (a recording outside the user's partitions)",
    act: (w) => w.h.req("/recordings/r1", { client: w.outsider }),
    status: 404,
    want: {
      actor: ["user", "outsider"],
      action: "access.denied",
      outcome: "denied",
      target: ["recording", "r1"],
      recording: "r1",
      details: { permission: "recording.search", path: "/recordings/r1" },
    },
  },
  {
    name: "report export",
    act: (w) =>
      w.h.req("/reports/recordings-by-day/csv?from=2026-03-01&to=2026-03-01", { client: w.comp }),
    status: 200,
    want: {
      actor: ["user", "comp"],
      action: "report.export",
      target: ["report", "recordings-by-day"],
      details: { report: "recordings-by-day", rows: 1, params: { from: "2026-03-01" } },
    },
  },
  {
    name: "audit view",
    act: (w) => w.h.req("/audit?action=recording.", { client: w.comp }),
    status: 200,
    want: {
      actor: ["user", "comp"],
      action: "audit.view",
      details: { filter: { action: "recording." } },
    },
  },
  {
    name: "audit export",
    act: (w) => w.h.req("/audit/export.csv?recording=r1", { client: w.comp }),
    status: 200,
    want: {
      actor: ["user", "comp"],
      action: "audit.export",
      details: { filter: { recordingId: "r1" }, contiguous: false },
    },
  },
  {
    name: "user added",
    act: (w) =>
      w.h.req("/admin/users", {
        client: w.admin,
        form: {
          username: "newbie",
          password: "a fresh long password",
          role: "supervisor",
          partitions: "p1 p2",
          org_unit_id: String(w.h.orgRoot),
        },
      }),
    status: 303,
    want: async (w) => ({
      actor: ["user", "admin"],
      action: "user.add",
      target: ["user", String(await w.userId("newbie"))],
      details: { username: "newbie", role: "supervisor", partitions: ["p1", "p2"] },
    }),
  },
  {
    name: "user role and partitions changed",
    act: async (w) =>
      w.h.req(`/admin/users/${await w.userId("newbie")}`, {
        client: w.admin,
        form: { role: "compliance", partitions: "p3" },
      }),
    status: 303,
    want: async (w) => ({
      actor: ["user", "admin"],
      action: "user.update",
      target: ["user", String(await w.userId("newbie"))],
      details: { role: "compliance", partitions: ["p3"], orgUnitId: null, agentId: null },
    }),
  },
  {
    name: "user disabled",
    act: async (w) =>
      w.h.req(`/admin/users/${await w.userId("newbie")}/disable`, {
        client: w.admin,
        form: { disabled: "1", confirm: "yes" },
      }),
    status: 303,
    want: async (w) => ({
      actor: ["user", "admin"],
      action: "user.disable",
      target: ["user", String(await w.userId("newbie"))],
    }),
  },
  {
    name: "user enabled",
    act: async (w) =>
      w.h.req(`/admin/users/${await w.userId("newbie")}/disable`, {
        client: w.admin,
        form: { disabled: "0" },
      }),
    status: 303,
    want: async (w) => ({
      actor: ["user", "admin"],
      action: "user.enable",
      target: ["user", String(await w.userId("newbie"))],
    }),
  },
  {
    name: "password reset by an admin",
    act: async (w) =>
      w.h.req(`/admin/users/${await w.userId("newbie")}/password`, {
        client: w.admin,
        form: { password: "another long password" },
      }),
    status: 303,
    want: async (w) => ({
      actor: ["user", "admin"],
      action: "user.reset_password",
      target: ["user", String(await w.userId("newbie"))],
    }),
  },
  {
    name: "own password change",
    act: (w) =>
      w.h.req("/account/password", {
        client: w.agent,
        form: {
          current: PASSWORD,
          password: "agent's new passphrase",
          repeat: "agent's new passphrase",
        },
      }),
    status: 303,
    want: async (w) => ({
      actor: ["user", "agent"],
      action: "user.password_change",
      target: ["user", String(await w.userId("agent"))],
      details: { forced: false },
    }),
  },
  {
    name: "org unit added",
    act: (w) => w.h.req("/admin/org", { client: w.admin, form: { name: "Team X" } }),
    status: 303,
    want: { actor: ["user", "admin"], action: "org.add", target: ["org_unit", "Team X"] },
  },
  {
    name: "API token created",
    act: async (w) => {
      const res = await w.h.req("/admin/tokens", {
        client: w.admin,
        form: { name: "desk9", scopes: "pause.own", agent_id: "ag9", expires_days: "30" },
      });
      w.token = /sr_[A-Za-z0-9_-]+/.exec(await res.clone().text())?.[0];
      return res;
    },
    status: 200,
    want: async (w) => ({
      actor: ["user", "admin"],
      action: "token.create",
      target: ["token", String(await w.tokenId("desk9"))],
      details: {
        name: "desk9",
        scopes: ["pause.own"],
        agentId: "ag9",
        expiresAt: "2026-03-31T10:00:00.000Z",
      },
    }),
  },
  {
    name: "pause from the agent page",
    act: (w) => w.h.req("/agent/pause", { client: w.agent, form: { reason_code: "payment-card" } }),
    status: 303,
    want: {
      actor: ["user", "agent"],
      action: "call.pause",
      target: ["call", "call-live"],
      recording: "r1",
      customer: "cust-1",
      interaction: "inbound",
      reason: ["payment-card", null],
    },
  },
  {
    name: "resume from an agent desktop token",
    act: (w) =>
      w.h.req("/api/v1/calls/call-live/resume", {
        headers: { Authorization: `Bearer ${w.token}` },
        json: { reasonCode: "payment-card" },
      }),
    status: 200,
    want: {
      actor: ["token", "token:desk9"],
      action: "call.resume",
      target: ["call", "call-live"],
      recording: "r1",
      customer: "cust-1",
      interaction: "inbound",
      reason: ["payment-card", null],
    },
  },
  {
    name: "API token revoked",
    act: async (w) =>
      w.h.req(`/admin/tokens/${await w.tokenId("desk9")}/revoke`, {
        client: w.admin,
        form: { confirm: "yes" },
      }),
    status: 303,
    want: async (w) => ({
      actor: ["user", "admin"],
      action: "token.revoke",
      target: ["token", String(await w.tokenId("desk9"))],
    }),
  },
  {
    name: "sign-out",
    prepare: async (w) => void (w.spare = await w.h.signIn("outsider")),
    act: (w) => w.h.req("/sign-out", { client: w.spare, form: {} }),
    status: 303,
    want: { actor: ["user", "outsider"], action: "auth.sign_out" },
  },
];

async function world(h: Harness): Promise<World> {
  const db = h.services.store.db;
  const root = h.orgRoot;
  await h.user("sup", "supervisor", { orgUnitId: root });
  await h.user("comp", "compliance", { orgUnitId: root });
  await h.user("agent", "agent", { orgUnitId: root, agentId: "ag9" });
  const far = await addOrgUnit(db, "Far", root);
  await h.user("outsider", "supervisor", { orgUnitId: far.id, partitions: ["p9"] });
  for (const [id, customerId] of [["r1", "cust-1"], ["r2", "cust-2"], ["r3", "cust-3"]]) {
    await h.recording(id, { customerId });
  }
  await db.updateTable("recordings").set({ interaction_type: "inbound" }).where("id", "=", "r1")
    .execute();
  for (
    const [key, value] of [
      ["customer-tier", "gold"],
      ["GRECORD_PARTITIONS", "p1"],
      ["topics", "billing"],
      ["topics", "refund"],
    ]
  ) {
    await db.insertInto("recording_metadata").values({ recording_id: "r1", key, value }).execute();
  }
  h.calls.calls.push({
    callId: "call-live",
    recordingId: "r1",
    siprecSessionId: null,
    sipCallId: "sip-live",
    ucid: null,
    agentId: "ag9",
    ani: "+15550001",
    dnis: "+15559999",
    startedAt: "2026-03-01T09:59:00.000Z",
    allowPause: true,
    recorded: true,
    ruleId: null,
    decidedBy: "rules",
    notRecordedReason: null,
    paused: false,
    pausedAt: null,
    autoResumeAt: null,
    noMedia: false,
    partitions: ["p1"],
  });
  const idOf = (table: "users" | "api_tokens", col: "username" | "name") => async (v: string) =>
    // deno-lint-ignore no-explicit-any
    (await (db.selectFrom(table as any).select("id") as any).where(col, "=", v)
      .executeTakeFirstOrThrow()).id as number;
  return {
    h,
    admin: await h.signIn("admin"),
    sup: await h.signIn("sup"),
    comp: await h.signIn("comp"),
    agent: await h.signIn("agent"),
    outsider: await h.signIn("outsider"),
    userId: idOf("users", "username"),
    tokenId: idOf("api_tokens", "name"),
  };
}

Deno.test({
  ...T,
  name: "every audited web action appends exactly its expected audit row",
  async fn(t) {
    await using h = await Harness.create();
    const w = await world(h);
    for (const c of CASES) {
      await t.step(c.name, async () => {
        await c.prepare?.(w);
        const before = await lastSeq(h);
        const res = await c.act(w);
        if (res) {
          await res.body?.cancel();
          assert.equal(res.status, c.status, `${c.name}: HTTP status`);
        }
        const rows = await rowsAfter(h, before);
        if (c.want === null) return assert.deepEqual(rows, [], c.name);
        assertRow(rows, typeof c.want === "function" ? await c.want(w) : c.want, c.name);
      });
    }
  },
});

const RULE = (sample: number) =>
  `version: 1\nrules:\n  - id: sampled\n    sample: ${sample}\n    then:\n      partitions: [p1]\n`;

Deno.test({
  ...T,
  name: "a rule reload appends rules.reload with the fingerprint; a refused one outcome failed",
  async fn() {
    await using h = await Harness.create();
    const dir = join(h.dir, "rules");
    await Deno.writeTextFile(join(dir, "10.yaml"), RULE(10));
    await using rules = await RulesService.open(dir, { watch: false });
    const { audit, log, config } = h.services;
    const settled = watchRuleReloads({ audit, log, dir: config.rules.dir }, rules);

    let before = await lastSeq(h);
    await Deno.writeTextFile(join(dir, "10.yaml"), RULE(20));
    await rules.reload();
    await settled();
    assertRow(await rowsAfter(h, before), {
      actor: ["system", "rules"],
      action: "rules.reload",
      target: ["rules", dir],
      details: { fingerprint: rules.current().fingerprint, rules: ["sampled"] },
    }, "reload");

    before = await lastSeq(h);
    await Deno.writeTextFile(join(dir, "10.yaml"), "version: 1\nrules: [ {\n");
    await rules.reload();
    await settled();
    const rows = await rowsAfter(h, before);
    assertRow(rows, {
      actor: ["system", "rules"],
      action: "rules.reload",
      outcome: "failed",
      target: ["rules", dir],
      details: { fingerprint: rules.current().fingerprint },
    }, "refused reload");
    assert.ok((JSON.parse(rows[0].details).errors as string[]).length > 0);

    before = await lastSeq(h);
    await rules.reload(); // still broken: refused again, audited again
    await settled();
    assert.equal((await rowsAfter(h, before)).length, 1);
  },
});
