/**
 * Issue 19 defect 1 against the real `selrec serve` process: during a SIPREC call a
 * second source on the same host sprays the call's RTP ports with the wrong tones,
 * starting before the real legs (the old capture latched to whoever sent first). The
 * stored recording holds the real audio, the streams count the foreign packets, and
 * the recording carries the foreign-media flag in the database and `recordings show`.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { dominantTone, sendToneLeg } from "../helpers/audio.ts";
import { recordEverythingRules, ROOT, startServer } from "../helpers/server.ts";
import { query, waitFor, waitForStreamPorts } from "../helpers/db.ts";
import { localPort, spawnSipp } from "../helpers/sipp.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";

Deno.test({
  name: "a second source spraying a call's RTP ports is dropped, counted and flags the recording",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    const dbPath = `${server.dataDir}/selrec.db`;
    try {
      const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const attacker = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const sipp = spawnSipp({
        scenario: "siprec_record.xml",
        media: [localPort(a), localPort(b)],
        port: server.sipPort,
        cwd: server.dataDir,
      });
      const sippOut = sipp.output();
      const portOf = await waitForStreamPorts(dbPath);
      // The attacker swaps the tones (880 on the caller's stream, 440 on the callee's)
      // and starts 300 ms before the SRC.
      await Promise.all([
        sendToneLeg(attacker, { hz: 880, port: portOf("10"), durationMs: 6900 }),
        sendToneLeg(attacker, { hz: 440, port: portOf("20"), durationMs: 6900 }),
        sendToneLeg(a, { hz: 440, port: portOf("10"), durationMs: 6600, startDelayMs: 300 }),
        sendToneLeg(b, { hz: 880, port: portOf("20"), durationMs: 6600, startDelayMs: 300 }),
      ]);
      for (const s of [a, b, attacker]) s.close();
      const out = await sippOut;
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-2000));

      const rec = await waitFor("the finished recording", () => {
        const r = query<{ id: string; state: string; path: string; flag_foreign_media: number }>(
          dbPath,
          "SELECT id, state, path, flag_foreign_media FROM recordings",
        )[0];
        return r && r.state !== "recording" ? r : null;
      });
      assert.equal(rec.state, "complete");
      assert.equal(rec.flag_foreign_media, 1);
      const stats = query<{ label: string; stats: string }>(
        dbPath,
        "SELECT label, stats FROM streams ORDER BY label",
      ).map((r) => ({ label: r.label, ...JSON.parse(r.stats) }));
      for (const s of stats) {
        assert.ok(s.foreignPackets > 250, `stream ${s.label}: ${s.foreignPackets} foreign`);
        assert.ok(s.received >= 250 && s.received <= 330, `stream ${s.label}: ${s.received}`);
      }

      const decoded = await decodeOggOpus(
        await recordingPlaintext(`${server.dataDir}/recordings/${rec.path}`, server.dataDir),
      );
      const [left, right] = decoded.channelData;
      const first = (ch: Float32Array) => ch.subarray(300 * 48, 2000 * 48); // before the pause
      assert.equal(dominantTone(first(left), 48000, 440, 880), 440, "the caller's real audio");
      assert.equal(dominantTone(first(right), 48000, 440, 880), 880, "the callee's real audio");

      const show = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}main.ts`, "recordings", "show", rec.id],
        env: { SELREC_DATA_DIR: server.dataDir, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(show.stdout);
      assert.equal(show.code, 0, new TextDecoder().decode(show.stderr));
      assert.match(text, /foreign-media=1/);
      assert.match(text, /label 10 .* foreign [1-9]\d+/);
    } finally {
      assert.equal(await server.stop(), 0);
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});
