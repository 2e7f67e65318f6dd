/**
 * Hot reload against the real `selrec serve` process: editing a rule file changes
 * decisions within 2 s; a broken edit keeps the old rules and the log names the file,
 * line and field.
 */
import assert from "node:assert/strict";
import { ROOT, startServer } from "../helpers/server.ts";

async function cli(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test({
  name:
    "editing a rule file while serve runs changes decisions within 2 s; a broken edit keeps the old rules",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rulesDir = await Deno.makeTempDir({ prefix: "selrec-rules-" });
    const file = `${rulesDir}/50-test.yaml`;
    const rule = (bu: string) =>
      `version: 1\nrules:\n  - id: bu-rule\n    when: { field: businessUnit, equals: ${bu} }\n    then: { record: true }\n`;
    await Deno.writeTextFile(file, rule("Sales"));
    const server = await startServer({ env: { SELREC_RULES_DIR: rulesDir } });
    try {
      const tok = await cli(["token", "add", "--name", "ivr", "--scope", "decisions", "--json"], {
        SELREC_DATA_DIR: server.dataDir,
      });
      assert.equal(tok.code, 0);
      const { token } = JSON.parse(tok.stdout);
      const decide = async () => {
        const r = await fetch(`${server.httpUrl}/api/v1/decisions`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ callId: "c1", attachedData: { businessUnit: "Collections" } }),
        });
        assert.equal(r.status, 200);
        return (await r.json()).record as boolean;
      };
      assert.equal(await decide(), false, "Collections is not recorded at first");

      const edited = Date.now();
      await Deno.writeTextFile(file, rule("Collections"));
      let changedAfter = Infinity;
      while (Date.now() - edited < 5000) {
        if (await decide()) {
          changedAfter = Date.now() - edited;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(changedAfter <= 2000, `decisions changed after ${changedAfter} ms`);

      await Deno.writeTextFile(file, rule("Collections") + "    sample: 250\n");
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !/rule reload failed/.test(server.output())) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const line = server.output().split("\n").find((l) => l.includes("rule reload failed"));
      assert.ok(line, "the reload error is logged");
      assert.match(line, /50-test\.yaml:\d+/);
      assert.match(line, /sample/);
      assert.equal(await decide(), true, "the previous rules stay in force");
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rulesDir, { recursive: true });
    }
  },
});
