/// <reference lib="dom" />
/**
 * An agent pauses and resumes from the agent page in real Chromium while a SIPREC call
 * (sipp) is recorded by the real server with media from the test; the finished
 * recording carries the agent's pause marker and is digital silence inside it.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { dominantTone, rms, sendToneLeg } from "../helpers/audio.ts";
import { recordEverythingRules, ROOT, startServer } from "../helpers/server.ts";
import { query, waitFor, waitForStreamPorts } from "../helpers/db.ts";
import { localPort, spawnSipp } from "../helpers/sipp.ts";
import { launchChromium, signIn } from "../helpers/browser.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";

const AGENT_PASSWORD = "agent password long enough";

Deno.test({
  name: "pause and resume from the agent page show up in the finished recording",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const rules = await recordEverythingRules();
    const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    const dbPath = `${server.dataDir}/selrec.db`;
    const add = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}main.ts`,
        "user",
        "add",
        "agent1",
        "--role",
        "agent",
        "--agent-id",
        "4711",
        "--password-stdin",
      ],
      env: { SELREC_DATA_DIR: server.dataDir },
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const w = add.stdin.getWriter();
    await w.write(new TextEncoder().encode(AGENT_PASSWORD + "\n"));
    await w.close();
    assert.equal((await add.output()).code, 0);

    const browserDir = await Deno.makeTempDir();
    const context = await launchChromium(browserDir);
    const page = await context.newPage();
    try {
      await signIn(page, server.httpUrl, "agent1", AGENT_PASSWORD, /\/agent$/);

      const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const sipp = spawnSipp({
        scenario: "siprec_agent.xml",
        media: [localPort(a), localPort(b)],
        port: server.sipPort,
        cwd: server.dataDir,
        output: "null",
      });
      const portOf = await waitForStreamPorts(dbPath);
      const media = Promise.all([
        sendToneLeg(a, { hz: 440, port: portOf("10"), durationMs: 8000 }),
        sendToneLeg(b, { hz: 880, port: portOf("20"), durationMs: 8000 }),
      ]);
      await new Promise((r) => setTimeout(r, 2000));
      await page.goto(`${server.httpUrl}/agent`);
      await page.selectOption('select[name="reason_code"]', "payment-card");
      await page.click("button#pause");
      await page.waitForSelector('#call-state[data-state="Recording paused"]');
      await new Promise((r) => setTimeout(r, 2000));
      await page.selectOption('select[name="reason_code"]', "payment-card");
      await page.click("button#resume");
      await page.waitForSelector('#call-state[data-state="Recording"]');
      await media;
      a.close();
      b.close();
      assert.equal((await sipp.status).code, 0);

      const rec = await waitFor("the finished recording", () => {
        const r = query<{ id: string; state: string; path: string }>(
          dbPath,
          "SELECT id, state, path FROM recordings",
        )[0];
        return r && r.state !== "recording" ? r : null;
      });
      const pauses = query<
        { start_ms: number; end_ms: number; source: string; reason_code: string; user_id: number }
      >(
        dbPath,
        "SELECT start_ms, end_ms, source, reason_code, user_id FROM pauses WHERE recording_id = ?",
        rec.id,
      );
      assert.equal(pauses.length, 1);
      assert.equal(pauses[0].source, "agent");
      assert.equal(pauses[0].reason_code, "payment-card");
      assert.ok(pauses[0].user_id > 0);
      const { start_ms: p0, end_ms: p1 } = pauses[0];
      assert.ok(p1 - p0 > 1500 && p1 - p0 < 4000, `paused ${p1 - p0} ms`);
      const decoded = await decodeOggOpus(
        await recordingPlaintext(`${server.dataDir}/recordings/${rec.path}`, server.dataDir),
      );
      const [left, right] = decoded.channelData;
      const span = (ch: Float32Array, from: number, to: number) =>
        ch.subarray(Math.round(from * 48), Math.round(to * 48));
      assert.equal(dominantTone(span(left, 300, p0 - 200), 48000, 440, 880), 440);
      assert.ok(rms(span(left, p0 + 60, p1 - 60)) < 1e-3, "silence while paused");
      assert.ok(rms(span(right, p0 + 60, p1 - 60)) < 1e-3, "silence while paused");
      assert.equal(
        dominantTone(span(right, p1 + 200, p1 + 1200), 48000, 440, 880),
        880,
        "audio after resume",
      );
      const audit = query<{ action: string; reason_code: string }>(
        dbPath,
        "SELECT action, reason_code FROM audit_events WHERE action IN ('call.pause','call.resume') ORDER BY seq",
      );
      assert.deepEqual(
        audit.map((r) => r.action),
        ["call.pause", "call.resume"],
        "one row each, from the web",
      );
    } catch (err) {
      await Deno.mkdir(`${ROOT}tests/_artifacts`, { recursive: true });
      await page.screenshot({ path: `${ROOT}tests/_artifacts/agent_pause_failure.png` }).catch(
        () => {},
      );
      throw err;
    } finally {
      await context.close();
      await server.stop();
      for (const d of [server.dataDir, rules, browserDir]) {
        await Deno.remove(d, { recursive: true });
      }
    }
  },
});
