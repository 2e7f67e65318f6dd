import assert from "node:assert/strict";

import { withStoreBefore } from "./_migration_test_util.ts";
import { migrate } from "../db.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };

Deno.test(
  "0015 marks recordings a transfer brought another agent onto, and its trigger keeps marking them",
  FS,
  async () => {
    await withStoreBefore("0015_recording_multi_agent", async (store) => {
      const raw = store.raw;
      raw.exec(
        `INSERT INTO storage_locations (id, name, kind, path) VALUES (1, 'spool', 'spool', '/x');
        INSERT INTO calls (id, call_key, source, started_at) VALUES ('c', 'c', 'siprec', 't')`,
      );
      const rec = raw.prepare(`INSERT INTO recordings (id, call_id, state, format, started_at,
        path, storage_location_id, agent_id, created_at)
        VALUES (?, 'c', 'complete', 'opus', '2026-01-01T00:00:00.000Z', ?, 1, ?, 't')`);
      const join = raw.prepare(
        "INSERT INTO recording_agents (recording_id, agent_id, joined_ms) VALUES (?, ?, ?)",
      );
      rec.run("single", "single.ogg", "agA");
      rec.run("moved", "moved.ogg", "agA");
      join.run("moved", "agB", 60_000);
      await migrate(store.db);
      rec.run("later", "later.ogg", "agA");
      rec.run("none", "none.ogg", null);
      rec.run("back", "back.ogg", "agA");
      join.run("back", "agA", 90_000); // the first agent again: still one agent
      rec.run("nobody-first", "nf.ogg", null);
      join.run("nobody-first", "agC", 5_000);
      join.run("later", "agB", 1_000);
      const rows = raw.prepare("SELECT id, multi_agent FROM recordings ORDER BY id").all()
        .map((r) => `${r.id}:${r.multi_agent}`);
      assert.deepEqual(rows, [
        "back:0",
        "later:1",
        "moved:1",
        "nobody-first:1",
        "none:0",
        "single:0",
      ]);
    });
  },
);
