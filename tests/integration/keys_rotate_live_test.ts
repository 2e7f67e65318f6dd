/**
 * `selrec keys rotate` beside a running `serve` (real processes, real calls): the box is
 * told (SIGHUP to the pid in selrec.pid) and the next call is sealed under the new KEK
 * without a restart; it plays (verified, decrypted) as does the re-wrapped older one.
 * The same with a key command (a shell-script KMS): `rotate --key-id`, no config edit.
 */
import assert from "node:assert/strict";
import { sendToneLeg } from "../helpers/audio.ts";
import { recordEverythingRules, startServer, type TestServer } from "../helpers/server.ts";
import { query, waitFor } from "../helpers/db.ts";
import { localPort, spawnSipp } from "../helpers/sipp.ts";
import { scanOggPages } from "../../src/codec/ogg.ts";
import { selrec } from "../../src/archive/_test_util.ts";
import { listKekIds } from "../../src/keys/key_store.ts";

const opts = { sanitizeResources: true, sanitizeOps: true };

type Row = { id: string; state: string; key_id: string | null; sealed: number };

function recordings(dbPath: string): Row[] {
  return query<Row>(dbPath, "SELECT id, state, key_id, sealed FROM recordings ORDER BY rowid");
}

/** One recorded call of `ms` of tones; resolves once its recording is complete. */
async function recordCall(server: TestServer, ms: number): Promise<Row> {
  const dbPath = `${server.dataDir}/selrec.db`;
  const before = recordings(dbPath).length;
  const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const sipp = spawnSipp({
    scenario: "siprec_record.xml",
    media: [localPort(a), localPort(b)],
    port: server.sipPort,
    cwd: server.dataDir,
    output: "null",
  });
  try {
    const id = await waitFor("the new recording", () => recordings(dbPath)[before]?.id);
    const ports = await waitFor("its streams", () => {
      const rows = query<{ label: string; port: number }>(
        dbPath,
        "SELECT label, port FROM streams WHERE recording_id = ?",
        id,
      );
      return rows.length === 2 ? new Map(rows.map((r) => [r.label, r.port])) : null;
    });
    await Promise.all([
      sendToneLeg(a, { hz: 440, port: ports.get("10")!, durationMs: ms }),
      sendToneLeg(b, { hz: 880, port: ports.get("20")!, durationMs: ms }),
    ]);
    assert.equal((await sipp.status).code, 0, "sipp's call ended cleanly");
    return await waitFor("the recording to complete", () => {
      const r = recordings(dbPath).find((x) => x.id === id);
      return r?.state === "complete" ? r : null;
    }, 20_000);
  } finally {
    a.close();
    b.close();
    try {
      sipp.kill("SIGKILL");
    } catch { /* ended */ }
    await sipp.status;
  }
}

async function signIn(server: TestServer): Promise<string> {
  const res = await fetch(`${server.httpUrl}/sign-in`, {
    method: "POST",
    redirect: "manual",
    body: new URLSearchParams({ username: "admin", password: server.adminPassword, next: "/" }),
  });
  await res.body?.cancel();
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  assert.ok(cookie, "a session cookie");
  return cookie;
}

/** GET /recordings/:id/audio: 200 and an Ogg Opus stream with audio pages. */
async function assertPlays(server: TestServer, cookie: string, id: string): Promise<void> {
  const res = await fetch(`${server.httpUrl}/recordings/${id}/audio`, {
    headers: { Cookie: cookie },
  });
  const body = new Uint8Array(await res.arrayBuffer());
  assert.equal(res.status, 200, new TextDecoder().decode(body.slice(0, 300)));
  const { pages, error, validEnd } = scanOggPages(body);
  assert.equal(error, null, `${body.length} bytes (${res.headers.get("content-type")})`);
  assert.equal(validEnd, body.length);
  assert.ok(pages.length >= 5, `${pages.length} Ogg pages`);
}

Deno.test({
  ...opts,
  name: "keys rotate beside a running serve: the next call is sealed under the new KEK and plays",
  async fn() {
    const rules = await recordEverythingRules();
    const configFile = await Deno.makeTempFile({ prefix: "selrec-cfg-", suffix: ".yaml" });
    await Deno.writeTextFile(
      configFile,
      "encryption:\n  enabled: true\nauth:\n  mfa: { requiredRoles: [] }\n",
    );
    const server = await startServer({ env: { SELREC_RULES_DIR: rules }, configFile });
    const dbPath = `${server.dataDir}/selrec.db`;
    try {
      const first = await recordCall(server, 1200);
      const [oldKey] = await listKekIds(`${server.dataDir}/keys`);
      assert.equal(first.key_id, oldKey);
      assert.equal(first.sealed, 1);

      const rot = await selrec({ configFile }, ["keys", "rotate"], {
        SELREC_DATA_DIR: server.dataDir,
        NO_COLOR: "1",
      });
      assert.equal(rot.code, 0, rot.stderr + rot.stdout);
      assert.match(rot.stderr, new RegExp(`told selrec serve \\(pid ${server.process.pid}\\)`));
      const ids = await listKekIds(`${server.dataDir}/keys`);
      const newKey = ids.at(-1)!;
      assert.notEqual(newKey, oldKey);
      await waitFor(
        "the box to take the new KEK",
        () => server.output().includes("new recordings use the new key-encryption key"),
      );

      const second = await recordCall(server, 1200);
      assert.equal(second.key_id, newKey, "a call after the rotation carries the new KEK");
      assert.equal(second.sealed, 1);
      assert.deepEqual(
        recordings(dbPath).map((r) => r.key_id),
        [newKey, newKey],
        "the older recording was re-wrapped",
      );
      const cookie = await signIn(server);
      await assertPlays(server, cookie, second.id);
      await assertPlays(server, cookie, first.id);
      const flagged = query<{ n: number }>(
        dbPath,
        "SELECT count(*) AS n FROM recordings WHERE integrity_failed_at IS NOT NULL",
      );
      assert.equal(flagged[0].n, 0);
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(configFile);
    }
  },
});

Deno.test({
  ...opts,
  name: "keys rotate --key-id with a keyCommand beside a running serve: no restart, no config edit",
  async fn() {
    const rules = await recordEverythingRules();
    const dir = await Deno.makeTempDir({ prefix: "selrec-kms-" });
    // A stand-in KMS: the ids it knows are lines of `ids`; each key is sha256(id).
    const hook = `${dir}/kms.sh`;
    await Deno.writeTextFile(`${dir}/ids`, "kms-1\n");
    await Deno.writeTextFile(
      hook,
      `#!/bin/sh\necho "$1" >> ${dir}/calls\n` +
        `grep -qx "$1" ${dir}/ids || { echo "no key $1" >&2; exit 3; }\n` +
        `printf '%s' "$1" | sha256sum | cut -c1-64\n`,
    );
    await Deno.chmod(hook, 0o700);
    const configFile = `${dir}/selrec.yaml`;
    await Deno.writeTextFile(
      configFile,
      `encryption:\n  enabled: true\n  keyCommand: [${hook}]\n  keyId: kms-1\n` +
        "auth:\n  mfa: { requiredRoles: [] }\n",
    );
    const server = await startServer({ env: { SELREC_RULES_DIR: rules }, configFile });
    const dbPath = `${server.dataDir}/selrec.db`;
    const cli = (args: string[]) =>
      selrec({ configFile }, args, { SELREC_DATA_DIR: server.dataDir, NO_COLOR: "1" });
    try {
      const first = await recordCall(server, 1200);
      assert.equal(first.key_id, "kms-1");

      const refused = await cli(["keys", "rotate", "--key-id", "kms-2"]);
      assert.equal(refused.code, 1, "the KMS does not have kms-2 yet");
      assert.match(refused.stderr, /no key kms-2/);
      await Deno.writeTextFile(`${dir}/ids`, "kms-2\n", { append: true });
      const rot = await cli(["keys", "rotate", "--key-id", "kms-2"]);
      assert.equal(rot.code, 0, rot.stderr + rot.stdout);
      assert.match(rot.stderr, new RegExp(`told selrec serve \\(pid ${server.process.pid}\\)`));
      await waitFor(
        "the box to take kms-2",
        () => server.output().includes("new recordings use the new key-encryption key"),
      );

      const second = await recordCall(server, 1200);
      assert.equal(second.key_id, "kms-2", "a call after the rotation carries the new KEK");
      assert.deepEqual(recordings(dbPath).map((r) => r.key_id), ["kms-2", "kms-2"]);
      const status = await cli(["keys", "status", "--json"]);
      const keys = JSON.parse(status.stdout).keys as { keyId: string; current: boolean }[];
      assert.deepEqual(keys.filter((k) => k.current).map((k) => k.keyId), ["kms-2"]);
      const cookie = await signIn(server);
      await assertPlays(server, cookie, second.id);
      await assertPlays(server, cookie, first.id);
      assert.match(await Deno.readTextFile(configFile), /keyId: kms-1/, "config untouched");
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  },
});
