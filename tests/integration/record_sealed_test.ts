/**
 * Encryption at rest against the real server (`encryption.enabled: true`):
 * - `kill -9` mid-call, restart: the sealed recording is recovered (interrupted), holds at
 *   least (audio sent − 2 s), and decrypted it reads cleanly in opusinfo;
 * - a finished WAV call: the raw spool holds no byte pattern of the recorded audio (PCM
 *   windows of the decrypted WAV, WAV magic), the stored SHA-256 is of the sealed bytes;
 * - the KEK file removed: serve refuses to start and names the file to restore.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseWav } from "../../src/codec/wav.ts";
import { scanOggPages } from "../../src/codec/ogg.ts";
import { sendToneLeg } from "../helpers/audio.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { query, waitForStreamPorts } from "../helpers/db.ts";
import { localPort, spawnSipp } from "../helpers/sipp.ts";
import { fileIsSealed, filesUnder, indexOfBytes } from "../helpers/sealed.ts";
import { plaintextFile, recordingPlaintext } from "../helpers/recording_bytes.ts";

const opts = { sanitizeResources: true, sanitizeOps: true };

async function configFile(yaml: string): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "selrec-cfg-", suffix: ".yaml" });
  await Deno.writeTextFile(path, yaml);
  return path;
}

/** Sends two tone legs of `ms` to the call sipp sets up; returns sipp. */
async function callWithTones(server: { dataDir: string; sipPort: number }, ms: number) {
  const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const sipp = spawnSipp({
    scenario: "siprec_record.xml",
    media: [localPort(a), localPort(b)],
    port: server.sipPort,
    cwd: server.dataDir,
    output: "null",
  });
  const portOf = await waitForStreamPorts(`${server.dataDir}/selrec.db`);
  await Promise.all([
    sendToneLeg(a, { hz: 440, port: portOf("10"), durationMs: ms }),
    sendToneLeg(b, { hz: 880, port: portOf("20"), durationMs: ms }),
  ]);
  a.close();
  b.close();
  return sipp;
}

/** Fails when any raw file under `dir` holds one of `patterns`. */
async function assertNoPattern(dir: string, patterns: Uint8Array[]): Promise<void> {
  const files = await filesUnder(dir);
  assert.ok(files.length > 0);
  for (const f of files) {
    const raw = await Deno.readFile(f);
    for (const p of patterns) {
      assert.equal(indexOfBytes(raw, p), -1, `${f} holds a recorded byte pattern in the clear`);
    }
  }
}

/** Windows of `bytes` (every `step`, `len` long) from `from`. */
function windows(bytes: Uint8Array, from: number, len: number, step: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = from; o + len <= bytes.length; o += step) out.push(bytes.slice(o, o + len));
  return out;
}

Deno.test({
  ...opts,
  name:
    "kill -9 mid-call with encryption on: the sealed recording is recovered, plays, keeps its audio",
  async fn() {
    const rules = await recordEverythingRules();
    const config = await configFile("encryption:\n  enabled: true\n");
    const server = await startServer({ env: { SELREC_RULES_DIR: rules }, configFile: config });
    const dbPath = `${server.dataDir}/selrec.db`;
    const sentMs = 2800;
    const sipp = await callWithTones(server, sentMs);
    await server.kill();
    sipp.kill("SIGKILL");
    await sipp.status;
    const again = await startServer({
      dataDir: server.dataDir,
      env: { SELREC_RULES_DIR: rules },
      configFile: config,
    });
    try {
      const [rec] = query<
        { state: string; path: string; duration_ms: number; sealed: number; key_id: string }
      >(dbPath, "SELECT state, path, duration_ms, sealed, key_id FROM recordings");
      assert.equal(rec.state, "interrupted");
      assert.equal(rec.sealed, 1);
      assert.match(rec.key_id, /^kek-/);
      assert.ok(rec.duration_ms >= sentMs - 2000, `kept ${rec.duration_ms} ms of ${sentMs} ms`);
      const file = `${server.dataDir}/recordings/${rec.path}`;
      assert.ok(await fileIsSealed(file));
      await assert.rejects(Deno.stat(`${file}.partial`), "the .partial was closed and renamed");
      await using plain = await plaintextFile(file, server.dataDir);
      assert.ok(plain.decrypted);
      const info = await new Deno.Command("opusinfo", {
        args: [plain.path],
        stdout: "piped",
        stderr: "piped",
      })
        .output();
      const text = new TextDecoder().decode(info.stdout) + new TextDecoder().decode(info.stderr);
      assert.ok(info.success, text);
      assert.doesNotMatch(text, /WARNING|ERROR/i);
      // Opus patterns of this very call: the audio pages' bytes, and the Ogg magic.
      const ogg = await Deno.readFile(plain.path);
      const audio = scanOggPages(ogg).pages.slice(2).flatMap((p) =>
        windows(p.page.body, 0, 24, 97)
      );
      assert.ok(audio.length > 5);
      await assertNoPattern(`${server.dataDir}/recordings`, [
        new TextEncoder().encode("OggS"),
        new TextEncoder().encode("OpusHead"),
        ...audio,
      ]);
    } finally {
      await again.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(config);
    }
  },
});

Deno.test({
  ...opts,
  name:
    "a sealed WAV call leaves no PCM in the clear, hashes sealed bytes, and a lost KEK stops serve",
  async fn() {
    const rules = await recordEverythingRules();
    const all = await Deno.readTextFile(`${rules}/all.yaml`);
    await Deno.writeTextFile(
      `${rules}/all.yaml`,
      all.replace("record: true,", "record: true, format: wav,"),
    );
    const config = await configFile("encryption:\n  enabled: true\n");
    const server = await startServer({ env: { SELREC_RULES_DIR: rules }, configFile: config });
    const dbPath = `${server.dataDir}/selrec.db`;
    try {
      const sipp = await callWithTones(server, 3000);
      await server.stop();
      try {
        sipp.kill("SIGKILL");
      } catch { /* the scenario already ended */ }
      await sipp.status;
      const [rec] = query<{ state: string; path: string; sha256: string; size_bytes: number }>(
        dbPath,
        "SELECT state, path, sha256, size_bytes FROM recordings",
      );
      assert.ok(rec.path.endsWith(".wav"));
      const file = `${server.dataDir}/recordings/${rec.path}`;
      const raw = await Deno.readFile(file);
      assert.equal(rec.sha256, createHash("sha256").update(raw).digest("hex"), "sealed bytes");
      assert.equal(rec.size_bytes, raw.length);
      const wav = parseWav(await recordingPlaintext(file, server.dataDir));
      assert.ok(wav.data.length >= 8000 * 2 * 2, `${wav.data.length} bytes of µ-law`);
      await assertNoPattern(`${server.dataDir}/recordings`, [
        new TextEncoder().encode("RIFF"),
        ...windows(wav.data, 4000, 32, 1601),
      ]);

      const [{ key_id: keyId }] = query<{ key_id: string }>(
        dbPath,
        "SELECT key_id FROM recordings",
      );
      const keyFile = `${server.dataDir}/keys/${keyId}.key`;
      await Deno.rename(keyFile, `${keyFile}.away`);
      const err = await startServer({
        dataDir: server.dataDir,
        env: { SELREC_RULES_DIR: rules },
        configFile: config,
      }).then(async (s) => {
        await s.stop();
        return null;
      }, (e: Error) => e);
      assert.ok(err, "serve started without the KEK");
      assert.match(err.message, /1 sealed recording\(s\) need key/);
      assert.ok(err.message.includes(`Restore ${keyFile}`), err.message.slice(0, 2000));
      assert.deepEqual(
        (await filesUnder(`${server.dataDir}/keys`)).filter((f) => f.endsWith(".key")),
        [],
        "no new key was made in its place",
      );
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(config);
    }
  },
});
