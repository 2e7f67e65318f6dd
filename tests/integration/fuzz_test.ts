/**
 * A short seeded fuzzing round (src/sim/fuzz_sip.ts) against the real `selrec serve`:
 * 2,000 mutated SIP messages over UDP and TCP, starting from the vendor SIPREC corpus.
 * The server must keep answering OPTIONS and /healthz throughout, and still record a
 * normal call afterwards; once the round's dialogs are over and `rtp.inactivitySeconds`
 * has passed, no recording is left in state `recording` (issue 19: an ACKed session
 * whose BYE was lost, with no media and no session timer, stayed open for ever).
 * `deno task fuzz` runs longer rounds.
 */
import assert from "node:assert/strict";
import { BASE_TEMPLATES, fillTemplate, latin1, loadCorpus } from "../../src/sim/fuzz_mutate.ts";
import { runFuzz } from "../../src/sim/fuzz_sip.ts";
import { runSimulation } from "../../src/sim/simulate.ts";
import { query, waitFor } from "../helpers/db.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { assertAnswered } from "../helpers/sim_report.ts";

const CORPUS = new URL("../fixtures/siprec/", import.meta.url);
/** Media that never starts ends a call after this (short, so the test can wait it out). */
const INACTIVITY_S = 3;

async function shortTimersConfig(): Promise<string> {
  const file = await Deno.makeTempFile({ prefix: "selrec-fuzz-", suffix: ".yaml" });
  await Deno.writeTextFile(
    file,
    `rtp: { noMediaSeconds: 1, inactivitySeconds: ${INACTIVITY_S} }\n`,
  );
  return file;
}

const text = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
const wire = (s: string) => latin1(s.replace(/\r?\n/g, "\r\n"));
const headerOf = (msg: string, name: string) =>
  new RegExp(`^${name}\\s*:\\s*(.*)$`, "mi").exec(msg)?.[1]?.trim() ?? "";

/**
 * An SRC that vanishes: INVITE, 200, ACK, then no RTP and no BYE. Returns the Call-ID
 * and the BYE the SRS sends (answered 200 here), or null when none came in `ms`.
 */
async function vanishingSrc(
  port: number,
  ms: number,
): Promise<{ callId: string; bye: string | null }> {
  const udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const lport = (udp.addr as Deno.NetAddr).port;
  const callId = `vanish-${lport}@127.0.0.1`;
  const to = { transport: "udp" as const, hostname: "127.0.0.1", port };
  const fill = { host: "127.0.0.1", port, lport, transport: "UDP" as const, callId };
  try {
    await udp.send(wire(fillTemplate(BASE_TEMPLATES[1], { ...fill, branch: "v1", tag: "v1" })), to);
    let ok = "";
    while (!ok) {
      const m = text((await udp.receive())[0]);
      if (/^SIP\/2\.0 200 /.test(m)) ok = m;
      else assert.match(m, /^SIP\/2\.0 1\d\d /, "the INVITE is answered 200");
    }
    const ack = [
      "ACK sip:srs@{host}:{port} SIP/2.0",
      "Via: SIP/2.0/UDP {host}:{lport};branch=z9hG4bKack{branch}",
      "Max-Forwards: 70",
      `From: ${headerOf(ok, "From")}`,
      `To: ${headerOf(ok, "To")}`,
      "Call-ID: {callId}",
      "CSeq: 1 ACK",
      "",
      "",
    ].join("\n");
    await udp.send(wire(fillTemplate(ack, { ...fill, branch: "v2", tag: "v2" })), to);
    const timer = setTimeout(() => udp.close(), ms);
    try {
      while (true) {
        const m = text((await udp.receive())[0]);
        if (!/^BYE /.test(m)) continue;
        const echo = ["Via", "From", "To", "Call-ID", "CSeq"].map((h) => `${h}: ${headerOf(m, h)}`);
        await udp.send(
          wire(["SIP/2.0 200 OK", ...echo, "Content-Length: 0", "", ""].join("\n")),
          to,
        );
        clearTimeout(timer);
        return { callId, bye: m };
      }
    } catch {
      return { callId, bye: null }; // closed by the timer
    }
  } finally {
    try {
      udp.close();
    } catch { /* closed by the timer */ }
  }
}

Deno.test({
  name: "the server survives 2,000 fuzzed SIP messages and then records a normal call",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const rules = await recordEverythingRules();
    const configFile = await shortTimersConfig();
    await using server = await startServer({
      env: { SELREC_RULES_DIR: rules, SELREC_LOG_LEVEL: "info" },
      configFile,
    });
    const report = await runFuzz({
      hostname: "127.0.0.1",
      port: server.sipPort,
      count: 2000,
      seed: 19,
      corpus: await loadCorpus(CORPUS),
      checkEvery: 500,
      healthUrl: `${server.httpUrl}/healthz`,
    });
    assert.deepEqual(report.liveness.failures, []);
    assert.ok(report.liveness.checks >= 4, `checks ${report.liveness.checks}`);
    assert.ok(report.sent.udp > 0 && report.sent.tcp > 0, JSON.stringify(report.sent));
    // Malformed requests that can be answered are answered, not silently dropped.
    assert.ok((report.responses["4xx"] ?? 0) > 50, JSON.stringify(report.statuses));

    const db = `${server.dataDir}/selrec.db`;
    const before = query<{ n: number }>(db, "SELECT count(*) AS n FROM recordings")[0].n;
    const sim = await runSimulation({
      target: `127.0.0.1:${server.sipPort}`,
      calls: 1,
      rate: 1,
      duration: 1,
      seed: 7,
      conversations: 1,
      clipSeconds: 2,
    });
    assertAnswered(sim, 1);
    assert.equal(sim.totals.byeOk, 1);
    const callId = sim.calls[0].callId;
    const row = await waitFor(
      "the call's finished recording",
      () =>
        query<{ state: string; duration_ms: number }>(
          db,
          `SELECT r.state, r.duration_ms FROM recordings r JOIN calls c ON c.id = r.call_id
         WHERE c.sip_call_id = ? AND r.state = 'complete'`,
          callId,
        )[0],
    );
    assert.ok(row.duration_ms >= 800, `duration ${row.duration_ms}`);
    assert.ok(
      query<{ n: number }>(db, "SELECT count(*) AS n FROM recordings")[0].n > before,
    );
    assert.ok(report.acceptedInvites > 0, "some fuzzed INVITEs were accepted and recorded");

    // The round's dialogs are over (BYEd, or never ACKed and ended by Timer H) and media
    // that never started has timed out: nothing may be left `recording`.
    await waitFor(
      "no recording left in state recording",
      () =>
        query<{ n: number }>(
            db,
            "SELECT count(*) AS n FROM recordings WHERE state = 'recording'",
          )[0]
            .n === 0 || null,
      40_000,
    );

    // The exact sequence behind the stuck rows: INVITE, 200, ACK, then silence.
    const vanished = await vanishingSrc(server.sipPort, (INACTIVITY_S + 10) * 1000);
    assert.ok(vanished.bye, "the SRS ends a call whose media never started with a BYE");
    const ended = await waitFor(
      "the vanished SRC's recording ended",
      () =>
        query<{ state: string; end_reason: string }>(
          db,
          `SELECT r.state, c.end_reason FROM recordings r JOIN calls c ON c.id = r.call_id
         WHERE c.sip_call_id = ? AND r.state != 'recording'`,
          vanished.callId,
        )[0],
    );
    assert.deepEqual({ ...ended }, { state: "complete", end_reason: "media-timeout" });

    assert.equal(await server.stop(), 0);
    await Deno.remove(server.dataDir, { recursive: true });
    await Deno.remove(rules, { recursive: true });
    await Deno.remove(configFile);
  },
});
