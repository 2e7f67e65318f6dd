/** Every shell script of the repo (scripts/, tests/) is shellcheck-clean. */
import assert from "node:assert/strict";
import { ROOT } from "../helpers/server.ts";
import { run } from "./appliance_util.ts";

const HAVE = await new Deno.Command("shellcheck", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

Deno.test({
  name: "shellcheck passes on scripts/*.sh and tests/**/*.sh",
  ignore: !HAVE,
  async fn() {
    const scripts: string[] = [];
    for (const dir of ["scripts", "tests/appliance"]) {
      for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
        if (e.isFile && e.name.endsWith(".sh")) scripts.push(`${dir}/${e.name}`);
      }
    }
    assert.ok(scripts.includes("scripts/install.sh"));
    const r = await run("shellcheck", ["--severity=style", ...scripts.sort()], {
      cwd: ROOT,
      ok: false,
    });
    assert.equal(r.code, 0, r.out);
  },
});
