import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { MIGRATIONS } from "./mod.ts";
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
