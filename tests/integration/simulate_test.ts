/**
 * `selrec simulate` against real sockets: a sink SRS on 127.0.0.1 (src/sim/sink_srs.ts)
 * answers SIP over UDP or TCP and counts RTP per port; the real `selrec serve` checks
 * interop end to end (metadata reaches the recordings, transfer and pause are seen).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { runCli } from "../../src/cli/command.ts";
import { commands } from "../../src/cli/commands.ts";
import { openBox } from "../../box.ts";
import { SinkSrs } from "../../src/sim/sink_srs.ts";
import { runSimulation } from "../../src/sim/simulate.ts";
import { startServer } from "../helpers/server.ts";
import { assertAnswered } from "../helpers/sim_report.ts";

const QUICK = { conversations: 1, clipSeconds: 3 };
const settle = () => new Promise((r) => setTimeout(r, 150));

for (const transport of ["udp", "tcp"] as const) {
  Deno.test({
    name: `runSimulation() over ${transport}: calls complete with two paced legs and a BYE each`,
    sanitizeOps: true,
    sanitizeResources: true,
    async fn() {
      await using sink = new SinkSrs({ transport });
      const report = await runSimulation({
        target: `127.0.0.1:${sink.port}`,
        transport,
        calls: 4,
        rate: 20,
        duration: 2,
        seed: 9,
        ...QUICK,
      });
      await settle();
      assertAnswered(report, 4);
      assert.equal(report.totals.byeOk, 4);
      assert.equal(report.totals.recordedStreams, 8);
      assert.equal(sink.counts.invites, 4);
      assert.equal(sink.counts.acks, 4);
      assert.equal(sink.counts.byes, 4);
      for (const call of report.calls) {
        assert.deepEqual(call.provisional, [100, 180]);
        const received = sink.packetsOf(call.callId);
        assert.equal(received.length, 2);
        for (const [i, leg] of call.legs.entries()) {
          assert.ok(Math.abs(leg.sent - 100) <= 2, `sent ${leg.sent}`);
          assert.equal(received[i], leg.sent);
        }
        // RFC 7865 metadata with the call's attached data
        const xml = sink.counts.metadata[call.callId];
        assert.match(xml, /<participantstreamassoc participant_id="customer">/);
        assert.ok(xml.includes(`value="${call.metadata.businessUnit}"`));
        assert.ok(xml.includes(call.metadata.UCID));
      }
      const json = JSON.parse(JSON.stringify(report));
      for (const key of ["totals", "packets", "lateness", "sip", "calls"]) {
        assert.ok(key in json, key);
      }
      for (const key of ["p50Ms", "p99Ms", "maxMs"]) {
        assert.equal(typeof json.lateness[key], "number");
      }
      assert.equal(json.packets.sent, 800);
    },
  });
}

Deno.test({
  name: "runSimulation() pauses with re-INVITE a=inactive, resumes with sendonly, and transfers",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using sink = new SinkSrs({ transport: "udp" });
    const report = await runSimulation({
      target: `127.0.0.1:${sink.port}`,
      calls: 1,
      rate: 1,
      duration: 2,
      pauseAt: 0.4,
      pauseFor: 0.6,
      transferAt: 1.4,
      ...QUICK,
    });
    await settle();
    const call = report.calls[0];
    assert.deepEqual(sink.counts.reinviteDirections, ["inactive", "sendonly", "sendonly"]);
    assert.equal(call.reinvites.ok, 3);
    assert.equal(sink.counts.participants[call.callId], 3);
    for (const leg of call.legs) {
      assert.ok(Math.abs(leg.skipped - 30) <= 2, `skipped ${leg.skipped}`);
      assert.equal(leg.sent + leg.skipped, 100);
    }
    assert.deepEqual(sink.packetsOf(call.callId), call.legs.map((l) => l.sent));
  },
});

Deno.test({
  name: "runSimulation() counts 503 as rejected and inactive answers as not recorded",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    {
      await using sink = new SinkSrs({ transport: "udp", reject: true });
      const r = await runSimulation({
        target: `127.0.0.1:${sink.port}`,
        calls: 2,
        rate: 50,
        duration: 1,
        ...QUICK,
      });
      await settle();
      assert.equal(r.totals.rejected, 2);
      assert.equal(r.packets.sent, 0);
      assert.equal(sink.counts.acks, 2); // ACK of the non-2xx, RFC 3261 §17.1.1.3
    }
    await using sink = new SinkSrs({ transport: "udp", inactive: true });
    const r = await runSimulation({
      target: `127.0.0.1:${sink.port}`,
      calls: 1,
      rate: 1,
      duration: 1,
      ...QUICK,
    });
    await settle();
    assert.equal(r.totals.inactiveStreams, 2);
    assert.equal(r.totals.recordedStreams, 0);
    assert.equal(sink.counts.rtpTotal, r.packets.sent); // sent anyway, as an SBC forks regardless
    assert.ok(r.packets.sent >= 98);
  },
});

Deno.test({
  name: "selrec simulate --json prints the report and exits 0",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using sink = new SinkSrs({ transport: "tcp" });
    let out = "";
    const code = await runCli(commands(openBox), [
      "simulate",
      "--target",
      `127.0.0.1:${sink.port}`,
      "--transport",
      "tcp",
      "--calls",
      "2",
      "--duration",
      "1",
      "--tones",
      "--codec",
      "pcma",
      "--json",
    ], {
      stdout: (t) => out += t,
      stderr: () => {},
      readStdin: () => Promise.resolve(""),
      env: {},
      isTty: false,
    });
    assert.equal(code, 0);
    const report = JSON.parse(out);
    assertAnswered(report, 2);
    assert.equal(report.codec, "pcma");
    assert.equal(report.calls[0].legs.length, 2);
  },
});

Deno.test({
  name:
    "selrec simulate against the real server: metadata, pause and transfer reach the recordings",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const rules = await Deno.makeTempDir({ prefix: "selrec-sim-rules-" });
    await Deno.writeTextFile(
      `${rules}/all.yaml`,
      `version: 1\nrules:\n  - id: all\n    description: every call\n    when: { not: { field: businessUnit, equals: "-" } }\n    then: { record: true }\n`,
    );
    const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    try {
      const report = await runSimulation({
        target: `127.0.0.1:${server.sipPort}`,
        calls: 2,
        rate: 10,
        duration: 3,
        pauseAt: 0.5,
        pauseFor: 0.5,
        transferAt: 2,
        ...QUICK,
      });
      assertAnswered(report, 2);
      assert.equal(report.totals.byeOk, 2);
      assert.equal(report.totals.reinvitesOk, 6);
      const rows = await waitForRows(`${server.dataDir}/selrec.db`, 4);
      for (const call of report.calls) {
        const mine = rows.filter((r) =>
          r.business_unit === call.metadata.businessUnit &&
          r.partitions?.includes(call.metadata.GRECORD_PARTITIONS.split(",")[1])
        );
        assert.ok(mine.length >= 2, `transfer in destination mode splits ${call.callId}`);
        assert.ok(mine.some((r) => r.agent_id === call.metadata.agentId && r.flag_paused === 1));
      }
    } finally {
      await server.stop();
      await Deno.remove(rules, { recursive: true });
    }
  },
});

interface Row {
  business_unit: string;
  agent_id: string;
  partitions: string | null;
  flag_paused: number;
}

async function waitForRows(path: string, n: number): Promise<Row[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const rows = db.prepare(
          `SELECT *, (SELECT group_concat(partition) FROM recording_partitions p
            WHERE p.recording_id = recordings.id) AS partitions
          FROM recordings WHERE state = 'complete'`,
        ).all()
          .map((r) => ({ ...r }) as unknown as Row);
        if (rows.length >= n || Date.now() > deadline) return rows;
      } finally {
        db.close();
      }
    } catch { /* busy */ }
    if (Date.now() > deadline) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
}
