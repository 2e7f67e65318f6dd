/**
 * The recorder end to end against the real `selrec serve` process: sipp sets up a
 * SIPREC call (UDP or TCP) with an SRC pause in the middle; the test plays 440 Hz on
 * the caller's stream and 880 Hz on the callee's; the finished file is decoded and
 * checked: right tone in the right channel, silence during the stored pause span,
 * duration, stream stats and the decision row.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { dominantTone, rms, sendToneLeg } from "../helpers/audio.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { query, waitFor, waitForStreamPorts } from "../helpers/db.ts";
import { localPort, spawnSipp } from "../helpers/sipp.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";

for (const transport of ["udp", "tcp"] as const) {
  Deno.test({
    name:
      `a SIPREC call over ${transport} is recorded to stereo Ogg Opus with its pause as silence`,
    sanitizeResources: true,
    sanitizeOps: true,
    async fn() {
      const rules = await recordEverythingRules();
      const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
      const dbPath = `${server.dataDir}/selrec.db`;
      try {
        const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
        const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
        const sipp = spawnSipp({
          scenario: "siprec_record.xml",
          media: [localPort(a), localPort(b)],
          port: server.sipPort,
          transport,
          cwd: server.dataDir,
        });
        const sippOut = sipp.output();
        const portOf = await waitForStreamPorts(dbPath);
        await Promise.all([
          sendToneLeg(a, { hz: 440, port: portOf("10"), durationMs: 6600 }),
          sendToneLeg(b, { hz: 880, port: portOf("20"), durationMs: 6600 }),
        ]);
        a.close();
        b.close();
        const out = await sippOut;
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-2000));

        const rec = await waitFor("the finished recording", () => {
          const r = query<
            {
              id: string;
              state: string;
              path: string;
              duration_ms: number;
              sha256: string;
              flag_paused: number;
            }
          >(dbPath, "SELECT * FROM recordings")[0];
          return r && r.state !== "recording" ? r : null;
        });
        assert.equal(rec.state, "complete");
        assert.match(rec.sha256, /^[0-9a-f]{64}$/);
        assert.equal(rec.flag_paused, 1);
        const pauses = query<{ start_ms: number; end_ms: number; source: string }>(
          dbPath,
          "SELECT start_ms, end_ms, source FROM pauses WHERE recording_id = ?",
          rec.id,
        );
        assert.equal(pauses.length, 1);
        assert.equal(pauses[0].source, "src");
        const pauseMs = pauses[0].end_ms - pauses[0].start_ms;
        assert.ok(pauseMs > 1200 && pauseMs < 2000, `pause lasted ${pauseMs} ms`);

        const bytes = await recordingPlaintext(
          `${server.dataDir}/recordings/${rec.path}`,
          server.dataDir,
        );
        const decoded = await decodeOggOpus(bytes);
        assert.equal(decoded.channels, 2);
        const [left, right] = decoded.channelData;
        const span = (ch: Float32Array, fromMs: number, toMs: number) =>
          ch.subarray(Math.round(fromMs * 48), Math.round(toMs * 48));
        const p0 = pauses[0].start_ms, p1 = pauses[0].end_ms;
        assert.equal(dominantTone(span(left, 300, p0 - 200), 48000, 440, 880), 440, "caller left");
        assert.equal(
          dominantTone(span(right, 300, p0 - 200), 48000, 440, 880),
          880,
          "callee right",
        );
        assert.ok(rms(span(left, p0 + 60, p1 - 60)) < 1e-3, "left is silent while paused");
        assert.ok(rms(span(right, p0 + 60, p1 - 60)) < 1e-3, "right is silent while paused");
        assert.equal(
          dominantTone(span(left, p1 + 200, p1 + 1500), 48000, 440, 880),
          440,
          "resumed",
        );
        // Media ran 6.6 s; the file holds it within 40 ms (plus one 20 ms frame of padding).
        assert.ok(Math.abs(rec.duration_ms - 6600) <= 60, `duration ${rec.duration_ms} ms`);

        const streamStats = query<{ stats: string }>(dbPath, "SELECT stats FROM streams").map((r) =>
          JSON.parse(r.stats)
        );
        for (const s of streamStats) {
          assert.ok(s.received >= 320, `received ${s.received}`);
          assert.equal(s.lost, 0);
        }
        const decision = query<{ rule_id: string; record: number; origin: string }>(
          dbPath,
          "SELECT rule_id, record, origin FROM rule_decisions",
        );
        assert.deepEqual(decision.map((d) => ({ ...d })), [{
          rule_id: "record-everything",
          record: 1,
          origin: "siprec",
        }]);
        const parts = query<{ partition: string }>(
          dbPath,
          "SELECT partition FROM recording_partitions",
        );
        assert.deepEqual(parts.map((p) => p.partition), ["qa"]);
      } finally {
        const code = await server.stop();
        assert.equal(code, 0);
        await Deno.remove(server.dataDir, { recursive: true });
        await Deno.remove(rules, { recursive: true });
      }
    },
  });
}
