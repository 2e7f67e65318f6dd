/**
 * Issue 15 against the real `selrec serve` process, with a scripted SIPREC SRC over UDP
 * (tests/helpers/siprec_src.ts) and real RTP:
 * - a source-mode call transferred from agent A (team 1) to agent B (team 2) by a
 *   metadata-only re-INVITE: both teams' supervisors (signed in through /sign-in) open
 *   the recording and find it by either agent, a third team's does not; the page lists
 *   both agents and the participants with their spans;
 * - an API "record" decision (token from `selrec token add`) for a UCID makes the SIPREC
 *   call with that UCID record although the rules alone would not, and the stored trace
 *   names the API decision;
 * - a 40 s SRC pause (a=inactive, then sendonly) is a pause, not gaps: no `gaps` flag and
 *   no gap rows. That call runs beside the other two, so the file takes about 50 s.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer, type TestServer } from "../helpers/server.ts";
import { addApiToken } from "../helpers/api_token.ts";
import { query, waitFor } from "../helpers/db.ts";
import { sendToneLeg } from "../helpers/audio.ts";
import { SiprecSrc, type SrcCall } from "../helpers/siprec_src.ts";
import { openStore } from "../../src/store/db.ts";
import { addOrgUnit, upsertAgent } from "../../src/store/queries/org_units.ts";
import { addUser } from "../../src/store/queries/users.ts";
import { hashPassword } from "../../src/auth/password.ts";

const RULES = `version: 1
defaults: { record: false, mode: destination }
rules:
  - id: vip
    when: { field: customerType, equals: VIP }
    then: { mode: source, partitions: [qa] }
  - id: transfers
    when: { field: businessUnit, equals: Transfers }
    then: { mode: source, partitions: [qa] }
  - id: pauses
    when: { field: businessUnit, equals: Pauses }
    then: { partitions: [qa] }
`;
const PASSWORD = "supervisor-password-1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `ms` of tones on both legs to the answered ports. */
async function media(src: SiprecSrc, ports: number[], ms: number): Promise<void> {
  await Promise.all([
    sendToneLeg(src.legs[0], { hz: 440, port: ports[0], durationMs: ms }),
    sendToneLeg(src.legs[1], { hz: 880, port: ports[1], durationMs: ms }),
  ]);
}

function call(extensions: Record<string, string>, agents: [string, boolean][]): SrcCall {
  return {
    participants: [
      { id: "customer", aor: "tel:+15550001234", name: "Customer", sends: ["1"], receives: ["2"] },
      ...agents.map(([agent, on]) => ({
        id: agent,
        aor: `sip:${agent}@it.selrec.test`,
        name: agent,
        sends: on ? ["2"] : [],
        receives: on ? ["1"] : [],
      })),
    ],
    extensions,
  };
}

/** The finished recording of the call with SIP Call-ID `callId`. */
function finished(dbPath: string, callId: string, ms = 15_000) {
  return waitFor(`the recording of ${callId}`, () => {
    const r = query<Record<string, string | number>>(
      dbPath,
      `SELECT r.* FROM recordings r JOIN calls c ON c.id = r.call_id WHERE c.sip_call_id = ?`,
      callId,
    )[0];
    return r && r.state !== "recording" ? r : null;
  }, ms);
}

async function signIn(server: TestServer, username: string): Promise<string> {
  const res = await fetch(`${server.httpUrl}/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password: PASSWORD, next: "/" }),
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 303, `${username} signs in`);
  return res.headers.get("set-cookie")!.split(";")[0];
}

async function get(server: TestServer, cookie: string, path: string, json = false) {
  const res = await fetch(`${server.httpUrl}${path}`, {
    headers: { Cookie: cookie, ...(json ? { Accept: "application/json" } : {}) },
  });
  return { status: res.status, text: await res.text() };
}

/** The 40 s pause call: 2 s media, a=inactive for 40 s (no RTP), sendonly, 2 s, BYE. */
async function pauseCall(server: TestServer): Promise<string> {
  const src = new SiprecSrc(server.sipPort);
  try {
    const c = call({ businessUnit: "Pauses", agentId: "agP" }, [["agP", true]]);
    const ports = await src.invite(c);
    await media(src, ports, 2000);
    await src.direction(c, "inactive");
    await sleep(40_000);
    await src.direction(c, "sendonly");
    await media(src, ports, 2000);
    assert.equal(await src.bye(), 200);
    return src.callId;
  } finally {
    await src.close();
  }
}

/** Agent A takes the call, then a metadata-only re-INVITE hands it to agent B. */
async function transferCall(server: TestServer): Promise<string> {
  const src = new SiprecSrc(server.sipPort);
  try {
    const ports = await src.invite(
      call({ businessUnit: "Transfers", agentId: "agA" }, [["agA", true]]),
    );
    await media(src, ports, 2000);
    await src.metadata(
      call({ businessUnit: "Transfers", agentId: "agB" }, [["agB", true]]),
    );
    await media(src, ports, 2000);
    assert.equal(await src.bye(), 200);
    return src.callId;
  } finally {
    await src.close();
  }
}

/** A SIPREC call carrying `ucid` and nothing the rules record. */
async function plainCall(server: TestServer, ucid: string): Promise<string> {
  const src = new SiprecSrc(server.sipPort);
  try {
    const ports = await src.invite(call({ UCID: ucid, businessUnit: "Other" }, [["agU", true]]));
    await media(src, ports, 1000);
    assert.equal(await src.bye(), 200);
    return src.callId;
  } finally {
    await src.close();
  }
}

Deno.test({
  name: "transfer attribution, binding API decisions and a 40 s SRC pause against the real server",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await Deno.makeTempDir({ prefix: "selrec-rules-" });
    await Deno.writeTextFile(join(rules, "rules.yaml"), RULES);
    const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    const dbPath = `${server.dataDir}/selrec.db`;
    try {
      const paused = pauseCall(server);

      // (a) A source-mode transfer from agent A (team 1) to agent B (team 2).
      const transferId = await transferCall(server);
      const rec = await finished(dbPath, transferId);
      assert.equal(rec.state, "complete");
      assert.equal(rec.agent_id, "agA");
      const agents = query<{ agent_id: string; joined_ms: number; left_ms: number | null }>(
        dbPath,
        "SELECT agent_id, joined_ms, left_ms FROM recording_agents WHERE recording_id = ? ORDER BY joined_ms",
        rec.id,
      );
      assert.deepEqual(agents.map((a) => [a.agent_id, a.left_ms === null]), [["agA", false], [
        "agB",
        true,
      ]]);
      const handover = agents[1].joined_ms;
      assert.ok(handover >= 1500 && handover <= 3500, `agent B joined at ${handover} ms`);
      assert.equal(agents[0].left_ms, handover);
      {
        await using store = openStore(dbPath);
        const db = store.db;
        const root = await addOrgUnit(db, "Org", null);
        const teams = [];
        for (const n of [1, 2, 3]) teams.push(await addOrgUnit(db, `Team ${n}`, root.id));
        await upsertAgent(db, "agA", "Ann", teams[0].id);
        await upsertAgent(db, "agB", "Bob", teams[1].id);
        const hash = await hashPassword(PASSWORD);
        for (const [i, t] of teams.entries()) {
          await addUser(db, {
            username: `sup${i + 1}`,
            passwordHash: hash,
            role: "supervisor",
            orgUnitId: t.id,
            partitions: ["qa"],
          });
        }
      }
      const page = `/recordings/${rec.id}`;
      for (const sup of ["sup1", "sup2"]) {
        const cookie = await signIn(server, sup);
        const shown = await get(server, cookie, page);
        assert.equal(shown.status, 200, `${sup} opens the transferred recording`);
        assert.match(
          shown.text,
          /<h2 id="agents">Agents<\/h2>[\s\S]*<td>agA<\/td><td>0:00<\/td>[\s\S]*<td>agB<\/td>/,
        );
        assert.match(shown.text, /<td>agB<\/td><td>0:0[1-3]<\/td><td>to the end<\/td>/);
        for (const agent of ["agA", "agB"]) {
          const found = await get(server, cookie, `/recordings?agent=${agent}`, true);
          assert.equal(found.status, 200);
          const ids = JSON.parse(found.text).recordings.map((r: { id: string }) => r.id);
          assert.deepEqual(ids, [rec.id], `${sup} finds it by ${agent}`);
        }
      }
      const outsider = await signIn(server, "sup3");
      assert.equal((await get(server, outsider, page)).status, 404, "team 3 does not see it");
      const parts = query<
        { participant_key: string; joined_ms: number; left_ms: number | null; role: string }
      >(
        dbPath,
        "SELECT participant_key, joined_ms, left_ms, role FROM participants WHERE recording_id = ? ORDER BY joined_ms, participant_key",
        rec.id,
      );
      const byKey = new Map(parts.map((p) => [p.participant_key, p]));
      assert.equal(byKey.get("customer")?.role, "customer", "roles are not reassigned");
      assert.equal(byKey.get("agA")?.left_ms, handover);
      assert.equal(byKey.get("agB")?.joined_ms, handover);
      assert.equal(byKey.get("agB")?.role, "agent");

      // (b) An API "record" decision for a UCID binds the SIPREC call with that UCID.
      const { id: tokenId, token } = await addApiToken(server.dataDir, {
        name: "crm",
        scope: "decisions",
      });
      const decided = await fetch(`${server.httpUrl}/api/v1/decisions`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({
          callId: "crm-77",
          ucid: "UCID-API-77",
          attachedData: { customerType: "VIP" },
        }),
      });
      assert.equal(decided.status, 200);
      assert.equal((await decided.json()).record, true);
      const control = await plainCall(server, "UCID-OTHER");
      const bound = await plainCall(server, "UCID-API-77");
      const boundRec = await finished(dbPath, bound);
      assert.equal(boundRec.state, "complete");
      assert.equal(boundRec.rule_id, "vip");
      const controlRows = query<{ recorded: number }>(
        dbPath,
        "SELECT recorded FROM calls WHERE sip_call_id = ?",
        control,
      );
      assert.deepEqual(controlRows.map((r) => r.recorded), [0], "the rules alone do not record it");
      const trace = query<{ origin: string; trace: string }>(
        dbPath,
        `SELECT d.origin, d.trace FROM rule_decisions d JOIN calls c ON c.id = d.call_id
         WHERE c.sip_call_id = ?`,
        bound,
      );
      assert.equal(trace.length, 1);
      assert.equal(trace[0].origin, "siprec");
      assert.match(
        JSON.parse(trace[0].trace).text,
        new RegExp(
          `^decided by API at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z by token ${tokenId} \\(crm\\)$`,
        ),
      );

      // (c) The 40 s pause: a pause row, no gaps.
      const pausedId = await paused;
      const p = await finished(dbPath, pausedId);
      assert.equal(p.state, "complete");
      assert.equal(p.flag_paused, 1);
      assert.equal(p.flag_gaps, 0, "a pause is not a gap");
      const pauses = query<{ start_ms: number; end_ms: number; source: string }>(
        dbPath,
        "SELECT start_ms, end_ms, source FROM pauses WHERE recording_id = ?",
        p.id,
      );
      assert.equal(pauses.length, 1);
      assert.equal(pauses[0].source, "src");
      const pauseMs = pauses[0].end_ms - pauses[0].start_ms;
      assert.ok(pauseMs > 39_000 && pauseMs < 42_000, `paused ${pauseMs} ms`);
      const gaps = query(dbPath, "SELECT * FROM gaps WHERE recording_id = ?", p.id);
      assert.deepEqual(gaps, []);
    } finally {
      assert.equal(await server.stop(), 0);
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});
