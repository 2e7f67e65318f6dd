/**
 * Builds the offline appliance bundle dist/selrec-<version>-linux-x64.tar.gz:
 * the deno runtime, the app (no tests) with its npm dependencies vendored in
 * app/node_modules (pinned by the lock), a pre-filled code cache,
 * default config and rules, the systemd unit and the installer. `bin/selrec` runs
 * the CLI with `--cached-only`, so the box never reaches for a registry.
 *
 *   deno task bundle [--out DIR]
 */
import { parseArgs } from "node:util";
import { basename, dirname, join, relative } from "node:path";
import { VERSION } from "../src/version.ts";

const DEV_ONLY_IMPORTS = ["fast-check", "playwright-core"];
const APP_DIRS = ["src", "web", "rules", "config", "systemd"];
const APP_FILES = ["main.ts", "box.ts", "deno.lock", "README.md"];

async function run(cmd: string, args: string[], options: Deno.CommandOptions = {}): Promise<void> {
  const out = await new Deno.Command(cmd, {
    ...options,
    args,
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} exited with ${out.code}`);
}

async function copyTree(from: string, to: string): Promise<void> {
  for await (const entry of Deno.readDir(from)) {
    const src = join(from, entry.name), dst = join(to, entry.name);
    if (entry.isDirectory) {
      await Deno.mkdir(dst, { recursive: true });
      await copyTree(src, dst);
    } else if (
      entry.isFile && !entry.name.endsWith("_test.ts") && !entry.name.endsWith("_test.tsx")
    ) {
      await Deno.copyFile(src, dst);
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
  const root = dirname(dirname(new URL(import.meta.url).pathname));
  const outDir = values.out ?? join(root, "dist");
  const name = `selrec-${VERSION}-linux-x64`;
  const stage = join(outDir, name);
  await Deno.remove(stage, { recursive: true }).catch(() => {});
  const app = join(stage, "app");
  await Deno.mkdir(join(stage, "bin"), { recursive: true });
  await Deno.mkdir(app, { recursive: true });

  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  if (config.version !== VERSION) {
    throw new Error(
      `deno.json version "${config.version}" differs from src/version.ts "${VERSION}"`,
    );
  }
  for (const k of DEV_ONLY_IMPORTS) delete config.imports[k];
  delete config.tasks;
  // Dependencies are vendored into app/node_modules ("manual" mode at run time), so no
  // registry is consulted, whatever NPM_CONFIG_REGISTRY says on the box.
  config.nodeModulesDir = "auto";
  await Deno.writeTextFile(join(app, "deno.json"), JSON.stringify(config, null, 2) + "\n");
  for (const f of APP_FILES) await Deno.copyFile(join(root, f), join(app, f));
  for (const d of APP_DIRS) {
    await Deno.mkdir(join(app, d), { recursive: true });
    await copyTree(join(root, d), join(app, d));
  }
  for (const d of ["config", "systemd", "rules"]) {
    await Deno.mkdir(join(stage, d), { recursive: true });
    await copyTree(join(root, d), join(stage, d));
  }
  await Deno.mkdir(join(stage, "scripts"), { recursive: true });
  await Deno.copyFile(join(root, "scripts/install.sh"), join(stage, "scripts/install.sh"));
  await Deno.chmod(join(stage, "scripts/install.sh"), 0o755);

  // The runtime: the same deno binary that runs this script (from the npm package).
  await Deno.copyFile(Deno.execPath(), join(stage, "bin/deno"));
  await Deno.chmod(join(stage, "bin/deno"), 0o755);
  const denoDir = join(stage, "deno_dir");
  const env = { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1" };
  await run(join(stage, "bin/deno"), ["install", "--quiet"], { cwd: app, env });
  const workers: string[] = [];
  for await (const e of Deno.readDir(join(app, "src"))) {
    if (!e.isDirectory) continue;
    for await (const f of Deno.readDir(join(app, "src", e.name))) {
      if (f.name.endsWith("_worker.ts")) workers.push(join("src", e.name, f.name));
    }
  }
  await run(join(stage, "bin/deno"), ["cache", "--quiet", "main.ts", ...workers], {
    cwd: app,
    env,
  });
  config.nodeModulesDir = "manual";
  await Deno.writeTextFile(join(app, "deno.json"), JSON.stringify(config, null, 2) + "\n");

  await Deno.writeTextFile(
    join(stage, "bin/selrec"),
    `#!/bin/sh
# selrec CLI from the appliance bundle: bundled runtime, bundled dependency cache, no network.
here=$(cd "$(dirname "$0")/.." && pwd)
DENO_DIR="\${SELREC_DENO_DIR:-$here/deno_dir}" DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 NO_COLOR=\${NO_COLOR:-1}
export DENO_DIR DENO_NO_UPDATE_CHECK DENO_NO_PROMPT NO_COLOR
exec "$here/bin/deno" run --cached-only --frozen -A --v8-flags=--expose-gc --config "$here/app/deno.json" "$here/app/main.ts" "$@"
`,
  );
  await Deno.chmod(join(stage, "bin/selrec"), 0o755);
  // Some npm packages ship files readable by their owner only; the service user must
  // read every file of the bundle.
  await run("chmod", ["-R", "a+rX,go-w", stage]);
  const tarball = join(outDir, `${name}.tar.gz`);
  await run("tar", ["-C", outDir, "-czf", tarball, basename(stage)]);
  const size = (await Deno.stat(tarball)).size;
  console.log(JSON.stringify({ bundle: relative(Deno.cwd(), tarball), bytes: size }));
}

if (import.meta.main) await main();
