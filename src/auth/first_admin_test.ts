import assert from "node:assert/strict";
import { openDataStore } from "../store/db.ts";
import { createLogger } from "../log.ts";
import { findUser, setPasswordHash } from "../store/queries/users.ts";
import { ensureFirstAdmin, initialPasswordPath } from "./first_admin.ts";
import { verifyPassword } from "./password.ts";

Deno.test({
  name: "ensureFirstAdmin() puts a generated password in a 0600 file, logs only the file, " +
    "and deletes it once the password is changed",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const lines: string[] = [];
    const log = createLogger({ level: "debug", format: "json", write: (l) => lines.push(l) });
    try {
      await using store = await openDataStore(dir);
      await ensureFirstAdmin(store.db, log, undefined, dir);
      const file = initialPasswordPath(dir);
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
      const password = /^password: (\S+)$/m.exec(await Deno.readTextFile(file))![1];
      const admin = await findUser(store.db, "admin");
      assert.ok(await verifyPassword(password, admin!.password_hash));
      assert.equal(lines.length, 1);
      assert.ok(!lines[0].includes(password), "the password is not logged");
      assert.equal(JSON.parse(lines[0]).passwordFile, file);

      await ensureFirstAdmin(store.db, log, undefined, dir);
      await Deno.stat(file); // still needed: admin has not changed it
      await setPasswordHash(store.db, "admin", admin!.password_hash + "x");
      await ensureFirstAdmin(store.db, log, undefined, dir);
      await assert.rejects(Deno.stat(file), Deno.errors.NotFound);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
