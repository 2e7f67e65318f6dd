/**
 * Disk-full survival against the real `selrec serve`: the data directory (spool and
 * SQLite) is a 64 MiB tmpfs; five concurrent 12 s calls run through `selrec simulate`
 * (440 Hz customer, 880 Hz agent); 4 s in, a filler file takes every free byte, is held
 * 2 s and deleted. Every recording must be complete, unflagged, at the length of the
 * media sent, with the tone through the disk-full. Needs root (mount); skipped otherwise.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { runSimulation } from "../../src/sim/simulate.ts";
import { rms } from "../helpers/audio.ts";
import { query, waitFor } from "../helpers/db.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";
import { assertAnswered } from "../helpers/sim_report.ts";

const ROOT = Deno.uid() === 0;
const CALLS = 5, SECONDS = 12;

/** Writes 1 MiB chunks into `path` until the disk refuses; returns the error code. */
async function fillDisk(path: string): Promise<string> {
  using f = await Deno.open(path, { write: true, create: true });
  const chunk = new Uint8Array(1 << 20).fill(7);
  try {
    for (;;) await f.write(chunk);
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

async function mount(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(args[0], { args: [...args.slice(1), dir] }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name: "a 2 s disk-full during 5 calls leaves every recording complete at full length",
  ignore: !ROOT,
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-diskfull-" });
    await mount(dir, "mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs");
    const rules = await recordEverythingRules();
    // Watermarks out of the way: this test is about write errors, not admission.
    const config = `${dir}/selrec.yaml`;
    await Deno.writeTextFile(
      config,
      "storage:\n  reserveBytes: 0\n  warnPercent: 100\n  highPercent: 100\n  criticalPercent: 100\n",
    );
    const server = await startServer({
      dataDir: dir,
      configFile: config,
      env: {
        SELREC_RULES_DIR: rules,
      },
    });
    const db = `${dir}/selrec.db`;
    try {
      const sim = runSimulation({
        target: `127.0.0.1:${server.sipPort}`,
        calls: CALLS,
        rate: 10,
        duration: SECONDS,
        tones: true,
        seed: 19,
      });
      await new Promise((r) => setTimeout(r, 4000));
      const fillError = await fillDisk(`${dir}/filler`);
      await new Promise((r) => setTimeout(r, 2000));
      await Deno.remove(`${dir}/filler`);
      assert.equal(fillError, "ENOSPC");
      const report = await sim;
      assertAnswered(report, CALLS);
      assert.equal(report.totals.byeOk, CALLS);

      const rows = await waitFor("five finished recordings", () => {
        const r = query<
          { id: string; state: string; path: string; duration_ms: number; flag_gaps: number }
        >(db, "SELECT id, state, path, duration_ms, flag_gaps FROM recordings");
        return r.length === CALLS && r.every((x) => x.state !== "recording") ? r : null;
      }, 30_000);
      const log = server.output();
      assert.match(log, /disk refuses recording writes/, "the disk-full reached the recorder");
      assert.doesNotMatch(log, /audio lost|recording file write failed/);
      const sentMs = Math.max(...report.calls.flatMap((c) => c.legs.map((l) => l.sent))) * 20;
      for (const r of rows) {
        assert.equal(r.state, "complete", `recording ${r.id}`);
        assert.equal(r.flag_gaps, 0, `recording ${r.id} gaps`);
        assert.ok(
          Math.abs(r.duration_ms - sentMs) <= 400,
          `recording ${r.id}: ${r.duration_ms} ms stored, ${sentMs} ms sent`,
        );
        const decoded = await decodeOggOpus(
          await recordingPlaintext(`${dir}/recordings/${r.path}`, dir),
        );
        assert.ok(Math.abs(decoded.channelData[0].length / 48 - r.duration_ms) <= 40);
        // The tone runs through: no silent half second from 0.5 s to 0.5 s before the end.
        const left = decoded.channelData[0];
        for (let ms = 500; ms + 1000 <= r.duration_ms; ms += 250) {
          const level = rms(left, ms * 48, (ms + 500) * 48);
          assert.ok(level > 0.01, `recording ${r.id} is silent at ${ms} ms (rms ${level})`);
        }
      }
    } finally {
      const code = await server.stop();
      await mount(dir, "umount");
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      assert.equal(code, 0);
    }
  },
});
