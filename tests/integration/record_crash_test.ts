/**
 * Crash safety and completeness against the real server:
 * - `kill -9` mid-call, restart: the recording is `interrupted`, opusinfo reads it
 *   cleanly, and it holds at least (audio sent before the kill − 2 s);
 * - a call with no media at all still gets a row, flagged no-media.
 */
import assert from "node:assert/strict";
import { sendToneLeg } from "../helpers/audio.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { query, waitFor, waitForStreamPorts } from "../helpers/db.ts";
import { localPort, spawnSipp } from "../helpers/sipp.ts";
import { plaintextFile } from "../helpers/recording_bytes.ts";

Deno.test({
  name: "kill -9 mid-call: after restart the recording is interrupted, valid, and keeps its audio",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    const dbPath = `${server.dataDir}/selrec.db`;
    const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const sipp = spawnSipp({
      scenario: "siprec_record.xml",
      media: [localPort(a), localPort(b)],
      port: server.sipPort,
      cwd: server.dataDir,
      output: "null",
    });
    const portOf = await waitForStreamPorts(dbPath);
    const sentMs = 2800;
    await Promise.all([
      sendToneLeg(a, { hz: 440, port: portOf("10"), durationMs: sentMs }),
      sendToneLeg(b, { hz: 880, port: portOf("20"), durationMs: sentMs }),
    ]);
    a.close();
    b.close();
    await server.kill();
    sipp.kill("SIGKILL");
    await sipp.status;

    const again = await startServer({
      dataDir: server.dataDir,
      env: { SELREC_RULES_DIR: rules },
    });
    try {
      const [rec] = query<
        { id: string; state: string; path: string; duration_ms: number; flag_interrupted: number }
      >(
        dbPath,
        "SELECT id, state, path, duration_ms, flag_interrupted FROM recordings",
      );
      assert.equal(rec.state, "interrupted");
      assert.equal(rec.flag_interrupted, 1);
      assert.ok(
        rec.duration_ms >= sentMs - 2000,
        `kept ${rec.duration_ms} ms of ${sentMs} ms sent`,
      );
      const file = `${server.dataDir}/recordings/${rec.path}`;
      // opusinfo reads the plaintext (a decrypted copy when the recording is sealed).
      await using plain = await plaintextFile(file, server.dataDir);
      const info = await new Deno.Command("opusinfo", {
        args: [plain.path],
        stdout: "piped",
        stderr: "piped",
      })
        .output();
      const text = new TextDecoder().decode(info.stdout) + new TextDecoder().decode(info.stderr);
      assert.ok(info.success, text);
      assert.doesNotMatch(text, /WARNING|ERROR/i);
      await assert.rejects(Deno.stat(`${file}.partial`), "the .partial was closed and renamed");
    } finally {
      await again.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});

Deno.test({
  name: "a signalled call with no media is warned about while it runs and flagged no-media",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const config = await Deno.makeTempFile({ prefix: "selrec-cfg-", suffix: ".yaml" });
    await Deno.writeTextFile(config, "rtp:\n  noMediaSeconds: 1\n");
    const server = await startServer({ env: { SELREC_RULES_DIR: rules }, configFile: config });
    const dbPath = `${server.dataDir}/selrec.db`;
    try {
      const sipp = spawnSipp({
        scenario: "siprec_record.xml",
        port: server.sipPort,
        cwd: server.dataDir,
        output: "null",
      });
      assert.equal((await sipp.status).code, 0);
      const rec = await waitFor("the finished recording", () => {
        const r = query<{ state: string; flag_no_media: number; flag_one_way: number }>(
          dbPath,
          "SELECT state, flag_no_media, flag_one_way FROM recordings",
        )[0];
        return r && r.state !== "recording" ? r : null;
      });
      assert.equal(rec.flag_no_media, 1);
      assert.equal(rec.flag_one_way, 0);
      // The watchdog warned 1 s in, while the call was still up (it lasts about 7 s).
      const warning = server.output().split("\n").find((l) => l.includes('"no media: is the SRC'));
      assert.ok(warning, "the no-media warning is logged");
      assert.match(warning, /"level":"warn"/);
      assert.match(warning, /"seconds":1/);
      const calls = query<{ ended_at: string | null; end_reason: string }>(
        dbPath,
        "SELECT ended_at, end_reason FROM calls",
      );
      assert.equal(calls[0].end_reason, "bye");
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(config);
    }
  },
});
