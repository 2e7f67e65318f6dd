/**
 * kill -9 in a loop while users are being added: after each kill the database passes
 * PRAGMA integrity_check and holds every write that was acknowledged.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ROOT } from "../helpers/server.ts";

Deno.test({
  name: "kill -9 during user writes never loses an acknowledged user or corrupts the DB",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-crash-" });
    const dbPath = `${dir}/selrec.db`;
    const acked: string[] = [];
    for (let round = 0; round < 6; round++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}tests/fixtures/add_users_forever.ts`, dbPath, `r${round}`],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      const stopAt = 20 + Math.floor(Math.random() * 40);
      let seen = 0;
      while (seen < stopAt) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        const lines = buf.split("\n");
        buf = lines.pop()!;
        for (const l of lines) {
          if (l.startsWith("ack ")) {
            acked.push(l.slice(4));
            seen++;
          }
        }
      }
      child.kill("SIGKILL");
      // Acks that were already in the pipe when the kill landed count too.
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
      }
      for (const l of buf.split("\n")) if (l.startsWith("ack ")) acked.push(l.slice(4));
      await child.status;

      const db = new DatabaseSync(dbPath);
      const check = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
      assert.deepEqual(check.map((r) => r.integrity_check), ["ok"], `round ${round}`);
      const names = new Set(
        (db.prepare("SELECT username FROM users").all() as { username: string }[]).map((r) =>
          r.username
        ),
      );
      const fk = db.prepare("PRAGMA foreign_key_check").all();
      db.close();
      assert.equal(fk.length, 0);
      const missing = acked.filter((n) => !names.has(n));
      assert.deepEqual(missing, [], `round ${round}: acknowledged users missing after kill -9`);
      assert.ok(seen > 0, "the writer made progress before the kill");
    }
    await Deno.remove(dir, { recursive: true });
  },
});
