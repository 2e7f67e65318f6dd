import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { MIGRATIONS } from "./mod.ts";
import { withStoreBefore } from "./_migration_test_util.ts";
import { migrate, openStore } from "../db.ts";
import { ROLE_PERMISSIONS } from "../../auth/permissions.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };
const HERE = new URL("./", import.meta.url);

/** Every module in the graph of `file`, as Deno resolves it (`deno info --json`). */
async function moduleGraph(file: URL): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", fileURLToPath(file)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  return info.modules.map((m) => m.specifier);
}

Deno.test("a migration's module graph holds only migrations and kysely", FS, async () => {
  for (const name of Object.keys(MIGRATIONS)) {
    const outside = (await moduleGraph(new URL(`${name}.ts`, HERE))).filter((s) =>
      !s.startsWith(HERE.href) && !/^npm:\/?kysely@/.test(s)
    );
    assert.deepEqual(outside, [], `${name} imports live code`);
  }
});

Deno.test("a fresh database seeds the built-in roles of src/auth/permissions.ts", FS, async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using store = openStore(`${dir}/selrec.db`);
    await migrate(store.db);
    const roles = await store.db.selectFrom("roles").select(["name", "description"])
      .where("built_in", "=", 1).orderBy("name").execute();
    const grants = await store.db.selectFrom("role_permissions").select(["role", "permission"])
      .execute();
    const seeded = Object.fromEntries(roles.map((r) => [r.name, {
      description: r.description,
      permissions: grants.filter((g) => g.role === r.name).map((g) => g.permission).sort(),
    }]));
    const live = Object.fromEntries(
      Object.entries(ROLE_PERMISSIONS).sort(([a], [b]) => a.localeCompare(b)).map((
        [name, r],
      ) => [name, { description: r.description, permissions: [...r.permissions].sort() }]),
    );
    // When this fails after an edit to the built-in roles, add a migration that applies it.
    assert.deepEqual(seeded, live);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  "0008 keeps every recording's partitions as rows and drops the comma string",
  FS,
  async () => {
    await withStoreBefore("0008_recording_partitions_rows", async (store) => {
      const raw = store.raw;
      raw.exec(`INSERT INTO storage_locations (id, name, kind, path) VALUES (1, 's', 'spool', '/x');
      INSERT INTO calls (id, call_key, source, started_at) VALUES ('c', 'k', 'siprec', 't');`);
      const insert = raw.prepare(`INSERT INTO recordings (id, call_id, state, format, started_at,
      path, storage_location_id, partitions, created_at)
      VALUES (?, 'c', 'complete', 'opus', 't', 'p', 1, ?, 't')`);
      insert.run("only-string", " emea,sales ,,vip");
      insert.run("both", "p1,p2");
      insert.run("none", "");
      raw.exec(`INSERT INTO recording_partitions VALUES ('both', 'p1'), ('both', 'p2')`);
      await migrate(store.db);
      const rows = raw.prepare(
        "SELECT recording_id, partition FROM recording_partitions ORDER BY 1, 2",
      ).all().map((r) => `${r.recording_id}:${r.partition}`);
      assert.deepEqual(rows, [
        "both:p1",
        "both:p2",
        "only-string:emea",
        "only-string:sales",
        "only-string:vip",
      ]);
      const columns = raw.prepare("SELECT name FROM pragma_table_info('recordings')").all()
        .map((c) => c.name);
      assert.ok(columns.length > 30 && !columns.includes("partitions"), columns.join(","));
    });
  },
);

Deno.test(
  "0010 keeps every decision's partitions as rows and drops the comma string",
  FS,
  async () => {
    await withStoreBefore("0010_decision_partitions_rows", async (store) => {
      const raw = store.raw;
      const insert = raw.prepare(`INSERT INTO rule_decisions (id, call_key, evaluated_at,
      origin, record, partitions, trace, ruleset_version)
      VALUES (?, 'k', 't', 'api', 1, ?, '{}', 'v1')`);
      insert.run(1, " emea,sales ,,vip");
      insert.run(2, "p1");
      insert.run(3, "");
      await migrate(store.db);
      const rows = raw.prepare(
        "SELECT decision_id, partition FROM decision_partitions ORDER BY 1, 2",
      ).all().map((r) => `${r.decision_id}:${r.partition}`);
      assert.deepEqual(rows, ["1:emea", "1:sales", "1:vip", "2:p1"]);
      const columns = raw.prepare("SELECT name FROM pragma_table_info('rule_decisions')").all()
        .map((c) => c.name);
      assert.ok(columns.includes("trace") && !columns.includes("partitions"), columns.join(","));
    });
  },
);
