/** Helpers for the appliance tests: run a tool, build and unpack the bundle, walk a tree. */
import assert from "node:assert/strict";
import { ROOT } from "../helpers/server.ts";

const dec = new TextDecoder();

/** Runs `cmd`; `out` is stdout then stderr. Asserts success unless `ok: false`. */
export async function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; ok?: boolean; cwd?: string } = {},
): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd, {
    args,
    env: opts.env,
    cwd: opts.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = dec.decode(o.stdout) + dec.decode(o.stderr);
  if (opts.ok !== false) assert.equal(o.code, 0, `${cmd} ${args.join(" ")}:\n${out}`);
  return { code: o.code, out };
}

/** Builds the appliance bundle (scripts/bundle.ts) and unpacks it in `dir`; its path. */
export async function buildBundle(dir: string): Promise<string> {
  const built = await run(Deno.execPath(), [
    "run",
    "-A",
    `${ROOT}scripts/bundle.ts`,
    "--out",
    `${dir}/dist`,
  ], { cwd: ROOT });
  const { bundle } = JSON.parse(
    built.out.trim().split("\n").filter((l) => l.startsWith("{")).pop()!,
  );
  const name = String(bundle).split("/").pop()!;
  await run("tar", ["-C", dir, "-xzf", `${dir}/dist/${name}`]);
  await Deno.remove(`${dir}/dist`, { recursive: true });
  return `${dir}/${name.replace(/\.tar\.gz$/, "")}`;
}

/** Every entry below `dir` (not `dir` itself) with its owner. */
export async function* walk(dir: string): AsyncGenerator<{ path: string; uid: number }> {
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    const st = await Deno.lstat(path);
    yield { path, uid: st.uid ?? -1 };
    if (e.isDirectory) yield* walk(path);
  }
}
