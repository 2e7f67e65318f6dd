/**
 * Disk full: inside `unshare -Urm`, the data directory is an 8 MiB tmpfs filled to the last
 * byte. Recordings already written keep their SHA-256, SQLite's integrity_check is ok, and
 * the storage service is critical with a refusal for the SIP admit hook (503 + Retry-After).
 */
import assert from "node:assert/strict";

const CHILD = new URL("./storage_disk_full_child.ts", import.meta.url).pathname;

Deno.test({
  name: "a full spool disk keeps written files and SQLite intact and makes storage refuse calls",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-full-" });
    const out = await new Deno.Command("unshare", {
      args: [
        "-Urm",
        "sh",
        "-c",
        'mount -t tmpfs -o size=8m tmpfs "$D" && exec "$DENO" run -A "$CHILD" "$D"',
      ],
      env: { D: dir, DENO: Deno.execPath(), CHILD },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.equal(r.fillError, "ENOSPC");
    assert.equal(r.recordingError, "ENOSPC");
    assert.match(r.dbError, /full/i);
    assert.equal(r.hashesOk, true);
    assert.equal(r.integrity, "ok");
    assert.equal(r.level, "critical");
    assert.match(r.refusal, /^storage critical: spool filesystem has \d+ bytes available/);
    await Deno.remove(dir, { recursive: true });
  },
});
