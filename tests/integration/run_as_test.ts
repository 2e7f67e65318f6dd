/**
 * The CLI on an installed box, as root with a service account: commands re-run as that
 * account (setpriv), so nothing in the data directory ends up owned by root; commands
 * other than serve/migrate refuse a missing database with exit 2.
 *
 * Needs root (useradd, chown): skipped with a message otherwise. A scratch account with
 * a unique name stands in for `selrec` ($SELREC_SERVICE_USER), so parallel tests on this
 * machine are not switched to it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../helpers/server.ts";

const isRoot = Deno.uid() === 0;

async function sh(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** Every path under `dir` whose owner is not `uid`. */
async function notOwnedBy(dir: string, uid: number): Promise<string[]> {
  const bad: string[] = [];
  const st = await Deno.stat(dir);
  if (st.uid !== uid) bad.push(dir);
  if (!st.isDirectory) return bad;
  for await (const e of Deno.readDir(dir)) bad.push(...await notOwnedBy(join(dir, e.name), uid));
  return bad;
}

/**
 * A world-readable copy of the Deno binary (a hard link) and npm cache: the scratch
 * account cannot enter /root, where the developer's copies live.
 */
async function reachableDeno(base: string): Promise<{ deno: string; denoDir: string }> {
  const deno = join(base, "deno");
  await Deno.link(Deno.execPath(), deno).catch(() => Deno.copyFile(Deno.execPath(), deno));
  await Deno.chmod(deno, 0o755);
  const info = JSON.parse(await sh(Deno.execPath(), ["info", "--json"]));
  const denoDir = join(base, "deno_dir");
  await Deno.mkdir(denoDir);
  await sh("cp", ["-al", info.npmCache ?? join(info.denoDir, "npm"), join(denoDir, "npm")]);
  await sh("chmod", ["-R", "a+rX", denoDir]);
  await Deno.chmod(denoDir, 0o1777);
  return { deno, denoDir };
}

Deno.test({
  name: "CLI as root re-runs as the service user and leaves no root-owned file in the data dir",
  ignore: !isRoot,
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const user = `srt${Deno.pid % 100000}`;
    await sh("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]);
    const base = await Deno.makeTempDir({ prefix: "selrec-runas-" });
    try {
      await Deno.chmod(base, 0o755);
      const uid = Number((await sh("id", ["-u", user])).trim());
      const dataDir = join(base, "data");
      await Deno.mkdir(dataDir, { mode: 0o750 });
      await Deno.chown(dataDir, uid, uid);
      const { deno, denoDir } = await reachableDeno(base);
      const cli = async (args: string[], env: Record<string, string> = {}) => {
        const out = await new Deno.Command(deno, {
          args: ["run", "-A", `${ROOT}main.ts`, ...args],
          cwd: base,
          env: {
            NO_COLOR: "1",
            DENO_DIR: denoDir,
            SELREC_SERVICE_USER: user,
            SELREC_DATA_DIR: dataDir,
            SELREC_RULES_DIR: `${ROOT}rules`,
            ...env,
          },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
      };
      const list = await cli(["user", "list"]);
      assert.equal(list.code, 2, list.stderr);
      assert.match(list.stderr, new RegExp(`no database at ${dataDir}/selrec.db .*right config`));
      const migrate = await cli(["migrate"]);
      assert.equal(migrate.code, 0, migrate.stderr);
      const add = await cli(["user", "add", "ops", "--role", "admin", "--json"]);
      assert.equal(add.code, 0, add.stderr);
      const cp = await cli(["audit", "checkpoint"]);
      assert.equal(cp.code, 0, cp.stderr);
      assert.deepEqual(
        await notOwnedBy(dataDir, uid),
        [],
        "every file belongs to the service user",
      );
      assert.ok((await Deno.stat(join(dataDir, "keys"))).isDirectory, "keys were written");
      const missing = await cli(["recordings", "list"], {
        SELREC_DATA_DIR: join(base, "elsewhere"),
      });
      assert.equal(missing.code, 2);
      await assert.rejects(Deno.stat(join(base, "elsewhere")), Deno.errors.NotFound);
    } finally {
      await sh("userdel", [user]).catch(() => {});
      await Deno.remove(base, { recursive: true });
    }
  },
});

Deno.test({
  name: "CLI run as an ordinary user is not switched (skipped when not root)",
  ignore: isRoot,
  fn() {
    console.log("run_as_test: needs root for useradd and chown; skipped");
  },
});
