import assert from "node:assert/strict";
import { migrate, openStore } from "../src/store/db.ts";
import { ChoiceCache, CHOICES_TTL_MS } from "./search_choices.ts";

Deno.test("ChoiceCache lists values present, reuses them briefly, then reloads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/s.db`);
    await migrate(store.db);
    const raw = store.raw;
    raw.exec("INSERT INTO storage_locations (id, name, kind, path) VALUES (1,'s','spool','/tmp')");
    const add = (id: string, bu: string, lang: string) => {
      raw.prepare(
        "INSERT INTO calls (id, call_key, source, started_at) VALUES (?, ?, 'siprec', 't')",
      )
        .run(id, id);
      raw.prepare(
        `INSERT INTO recordings (id, call_id, state, format, started_at, path, storage_location_id,
        agent_id, business_unit, language, created_at) VALUES (?, ?, 'complete', 'opus', 't', 'x', 1,
        'ag1', ?, ?, 't')`,
      ).run(id, id, bu, lang);
    };
    add("r1", "Sales", "en");
    add("r2", "sales", "es");
    let now = 0;
    const cache = new ChoiceCache(() => now);
    const first = await cache.choices(store.db, null);
    assert.deepEqual(first.businessUnits.map((b) => b.toLowerCase()), ["sales"]);
    assert.deepEqual(first.languages, ["en", "es"]);
    assert.deepEqual(first.agents, [], "no viewer, no agents");
    const all = await cache.choices(store.db, { partitions: null, hierarchy: null });
    assert.deepEqual(all.agents, ["ag1"]);
    add("r3", "Billing", "fr");
    assert.deepEqual((await cache.choices(store.db, null)).languages, ["en", "es"], "cached");
    now += CHOICES_TTL_MS;
    assert.deepEqual((await cache.choices(store.db, null)).languages, ["en", "es", "fr"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
