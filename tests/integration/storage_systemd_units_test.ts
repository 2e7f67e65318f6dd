/** The example archive mount units pass `systemd-analyze verify` with no output at all. */
import assert from "node:assert/strict";

const DIR = new URL("../../systemd/examples/", import.meta.url).pathname;
const HAVE = await new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success, () => false);

for (const unit of ["mnt-selrec.mount", "mnt-selrec.automount"]) {
  Deno.test({
    name: `systemd/examples/${unit} verifies cleanly`,
    ignore: !HAVE,
    async fn() {
      const out = await new Deno.Command("systemd-analyze", {
        args: ["verify", `./${unit}`],
        cwd: DIR,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, err);
      assert.equal(err, "");
    },
  });
}
