/**
 * Playback from the archive: a recording moved to an archive target plays as before; when
 * the target is marked unhealthy, or its file cannot be found (unmounted), the media route
 * answers 503 naming the target instead of a bare 404.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Harness } from "../web/harness.ts";

Deno.test({
  name: "archived recordings play; an unavailable archive target answers 503 naming it",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    await using h = await Harness.create();
    const { path, bytes } = await h.recording("r1");
    const archive = join(h.dir, "archive");
    const rel = "2026/03/01/r1.opus";
    await Deno.mkdir(join(archive, "2026/03/01"), { recursive: true });
    await Deno.rename(path, join(archive, rel));
    const db = h.services.store.db;
    const loc = await db.insertInto("storage_locations").values({
      name: "nas",
      kind: "archive",
      path: archive,
      mount_type: "local",
      healthy: 1,
    } as never).returning("id").executeTakeFirstOrThrow();
    await db.updateTable("recordings").set({ storage_location_id: loc.id }).execute();
    const c = await h.signIn("admin");

    const ok = await h.req("/recordings/r1/audio", { client: c });
    assert.equal(ok.status, 200);
    assert.equal((await ok.arrayBuffer()).byteLength, bytes.length);

    await db.updateTable("storage_locations").set({ healthy: 0 }).where("id", "=", loc.id)
      .execute();
    const down = await h.req("/recordings/r1/audio", { client: c });
    assert.equal(down.status, 503);
    assert.match(await down.text(), /archive target nas is unavailable/);

    await db.updateTable("storage_locations").set({ healthy: 1 }).where("id", "=", loc.id)
      .execute();
    await Deno.rename(archive, archive + ".unmounted");
    const gone = await h.req("/recordings/r1/audio", { client: c });
    assert.equal(gone.status, 503);
    assert.match(await gone.text(), /archive target nas is unavailable/);
  },
});
