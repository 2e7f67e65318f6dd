/**
 * `selrec backup` during a 20-call simulated load against the real server, restored into
 * a new data directory: the audit chain verifies, `PRAGMA integrity_check` is ok, and a
 * server started on the restored directory plays every recording it lists (the spool
 * copied back the way the README says). Restore refuses while serve runs and refuses a
 * backup whose file does not match the manifest.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { runSimulation } from "../../src/sim/simulate.ts";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { recordEverythingRules, ROOT, startServer } from "../helpers/server.ts";
import { assertAnswered } from "../helpers/sim_report.ts";

async function cli(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function rows<T>(db: string, q: string): T[] {
  const d = new DatabaseSync(db, { readOnly: true });
  try {
    return (d.prepare(q).all() as T[]).map((r) => ({ ...r }));
  } finally {
    d.close();
  }
}

Deno.test({
  name: "backup during a 20-call load restores into a new data dir that verifies and plays",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const work = await Deno.makeTempDir({ prefix: "selrec-backup-" });
    const server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    const env = { SELREC_DATA_DIR: server.dataDir, SELREC_RULES_DIR: rules };
    const restored = join(work, "restored");
    const out = join(work, "backup");
    try {
      const load = runSimulation({
        target: `127.0.0.1:${server.sipPort}`,
        calls: 20,
        rate: 5,
        duration: 3,
        seed: 16,
        tones: true,
        conversations: 1,
        clipSeconds: 3,
      });
      await new Promise((r) => setTimeout(r, 2500)); // calls are in flight
      const backup = await cli(["backup", "--out", out, "--json"], env);
      assert.equal(backup.code, 0, backup.stderr);
      const report = await load;
      assertAnswered(report, 20, server.output());
      const manifest = JSON.parse(backup.stdout);
      assert.ok(manifest.recordings.count > 0, "the backup caught recordings mid-load");
      assert.deepEqual(
        manifest.files.map((f: { role: string }) => f.role).filter((r: string) => r !== "rules"),
        ["database", "key", "key", "key"],
      );
      // The key-encryption key (encryption is on by default): without it the sealed
      // recordings the restored box plays below could not be read.
      const keys = manifest.files.filter((f: { role: string }) => f.role === "key")
        .map((f: { path: string }) => f.path);
      assert.ok(keys.some((p: string) => /^data\/keys\/kek-[^/]+\.key$/.test(p)), keys.join());

      // While serve runs on the target, restore refuses (exit 2) and changes nothing.
      const busy = await cli(["restore", out, "--force"], env);
      assert.equal(busy.code, 2);
      assert.match(busy.stderr, /selrec serve is running on .* \(pid \d+\)/);
      assert.equal(await server.stop(), 0);

      const renv = { SELREC_DATA_DIR: restored, SELREC_RULES_DIR: rules };
      const r = await cli(["restore", out, "--json"], renv);
      assert.equal(r.code, 0, r.stderr);
      const rep = JSON.parse(r.stdout);
      assert.equal(rep.integrity, "ok");
      assert.equal(rep.recordings.listed, manifest.recordings.count);
      // The audio lives on the spool: copy it back as the README says (rsync -a / cp -a).
      const cp = await new Deno.Command("cp", {
        args: ["-a", join(server.dataDir, "recordings"), join(restored, "recordings")],
      }).output();
      assert.ok(cp.success);

      const verify = await cli(["audit", "verify"], renv);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      const integrity = rows<{ integrity_check: string }>(
        join(restored, "selrec.db"),
        "PRAGMA integrity_check",
      );
      assert.deepEqual(integrity, [{ integrity_check: "ok" }]);
      const [{ n: sealed }] = rows<{ n: number }>(
        join(restored, "selrec.db"),
        "SELECT count(*) AS n FROM recordings WHERE sealed = 1",
      );
      assert.ok(sealed > 0, "the recordings played below are sealed under the restored KEK");

      const tok = await cli(
        ["token", "add", "--name", "player", "--scope", "recording.play", "--user", "admin"],
        renv,
      );
      assert.equal(tok.code, 0, tok.stderr);
      const token = /token: (\S+)/.exec(tok.stdout)![1];
      await using again = await startServer({
        dataDir: restored,
        env: { SELREC_RULES_DIR: rules },
      });
      const listed = rows<{ id: string; state: string }>(
        join(restored, "selrec.db"),
        "SELECT id, state FROM recordings WHERE state NOT IN ('deleted','purged') ORDER BY id",
      );
      assert.equal(listed.length, manifest.recordings.count);
      for (const rec of listed) {
        const res = await fetch(`${again.httpUrl}/recordings/${rec.id}/audio`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        assert.equal(res.status, 200, `recording ${rec.id} (${rec.state}) plays`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const pcm = await decodeOggOpus(bytes);
        assert.ok(pcm.channelData[0].length > pcm.sampleRate, `${rec.id}: over 1 s of audio`);
      }
      assert.equal(await again.stop(), 0);

      // A backup that does not match its manifest is refused before anything is touched.
      const db = join(out, "data", "selrec.db");
      const bytes = await Deno.readFile(db);
      bytes[bytes.length - 1] ^= 0xff;
      await Deno.writeFile(db, bytes);
      const other = join(work, "other");
      const bad = await cli(["restore", out], { ...renv, SELREC_DATA_DIR: other });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /data\/selrec\.db: SHA-256 differs from the manifest/);
      await assert.rejects(Deno.stat(join(other, "selrec.db")), Deno.errors.NotFound);
    } finally {
      await server.kill();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(work, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});
