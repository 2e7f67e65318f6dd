/**
 * The box's process stops for 2.5 s in the middle of two calls (a GC pause, a starved
 * CPU, a VM that was not scheduled; here SIGSTOP): the kernel keeps the packets that
 * arrive meanwhile, and the recordings must keep every one of them in its place. Before,
 * the drain timer that fires first on waking emitted the stall as silence and the backlog
 * read a moment later was dropped as late or piled up at the wake time.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { assertPartyTones } from "../helpers/audio.ts";
import { query, waitFor } from "../helpers/db.ts";
import { recordEverythingRules, simulateCommand, startServer } from "../helpers/server.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";

Deno.test({
  name: "a 2.5 s stop of the box mid-call costs no audio: both recordings whole and in place",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const rules = await recordEverythingRules();
    const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    const db = `${server.dataDir}/selrec.db`;
    try {
      const sim = simulateCommand(
        "--target",
        `127.0.0.1:${server.sipPort}`,
        ...["--calls", "2", "--rate", "4", "--duration", "4", "--tones", "--json"],
      ).spawn();
      // Once both calls' media flow (the first packets are read), stop the box.
      await waitFor("media on both calls", () => {
        const n = query<{ n: number }>(
          db,
          "SELECT count(*) AS n FROM recordings WHERE state = 'recording'",
        )[0]?.n;
        return n === 2 ? true : null;
      }, 15_000);
      await new Promise((r) => setTimeout(r, 700));
      Deno.kill(server.process.pid, "SIGSTOP");
      await new Promise((r) => setTimeout(r, 2500));
      Deno.kill(server.process.pid, "SIGCONT");
      const out = await sim.output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const report = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(report.packets.sent, 4 * 200);

      const recs = await waitFor("two complete recordings", () => {
        const r = query<{ path: string; duration_ms: number }>(
          db,
          "SELECT path, duration_ms FROM recordings WHERE state = 'complete'",
        );
        return r.length === 2 ? r : null;
      }, 20_000);
      const received = query<{ stats: string }>(db, "SELECT stats FROM streams")
        .reduce((a, r) => a + JSON.parse(r.stats).received, 0);
      assert.equal(received, report.packets.sent, "the kernel kept every packet of the stop");
      for (const r of recs) {
        assert.ok(Math.abs(r.duration_ms - 4000) < 400, `duration ${r.duration_ms}`);
        const audio = await decodeOggOpus(
          await recordingPlaintext(`${server.dataDir}/recordings/${r.path}`, server.dataDir),
        );
        const [left, right] = audio.channelData;
        const span = (ch: Float32Array) => ch.subarray(300 * 48, 3700 * 48);
        // Every 20 ms frame holds the tone: the stop left no silence and no jump.
        assertPartyTones(span(left), span(right), 48000);
      }
    } finally {
      Deno.kill(server.process.pid, "SIGCONT");
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});
