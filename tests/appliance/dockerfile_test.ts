/**
 * The Dockerfile passes dockerfilelint (npm), its HEALTHCHECK answers from the real
 * server's /healthz without starting a second Deno, and .dockerignore keeps scratch out.
 */
import assert from "node:assert/strict";
import { ROOT, startServer } from "../helpers/server.ts";
import { run } from "./appliance_util.ts";

/** Where scripts/dev.sh test installs the linter (same default). */
const TOOLS = Deno.env.get("SELREC_DOCKERFILELINT_DIR") ??
  `${Deno.env.get("HOME")}/.cache/selrec/dockerfilelint`;
const LINT = `${TOOLS}/node_modules/.bin/dockerfilelint`;

/** The linter, installed from npm into the tools directory on first use. */
async function dockerfilelint(): Promise<string> {
  const have = await Deno.stat(LINT).then(() => true, () => false);
  if (!have) {
    await Deno.mkdir(TOOLS, { recursive: true });
    await run("npm", [
      "install",
      "--prefix",
      TOOLS,
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      "dockerfilelint@1.8.0",
    ]);
  }
  return LINT;
}

Deno.test("the Dockerfile passes dockerfilelint", async () => {
  const r = await run(await dockerfilelint(), ["Dockerfile"], { cwd: ROOT, ok: false });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Issues: None found/);
});

Deno.test({
  name: "the Dockerfile's HEALTHCHECK is bash /dev/tcp and follows the server's /healthz",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const text = await Deno.readTextFile(`${ROOT}Dockerfile`);
    const line = text.split("\n").find((l) => l.startsWith("HEALTHCHECK"))!;
    const argv: string[] = JSON.parse(line.slice(line.indexOf("CMD") + 3));
    assert.equal(argv[0], "/bin/bash");
    assert.doesNotMatch(line, /deno/);
    const server = await startServer();
    const port = new URL(server.httpUrl).port;
    try {
      const up = await run(argv[0], argv.slice(1), { env: { SELREC_HTTP_PORT: port }, ok: false });
      assert.equal(up.code, 0, up.out);
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
    }
    const down = await run(argv[0], argv.slice(1), { env: { SELREC_HTTP_PORT: port }, ok: false });
    assert.notEqual(down.code, 0);
  },
});

Deno.test(".dockerignore sends only the bundle, config and rules", async () => {
  const lines = (await Deno.readTextFile(`${ROOT}.dockerignore`)).split("\n")
    .filter((l) => l && !l.startsWith("#"));
  assert.equal(lines[0], "*", "everything is ignored first");
  const allowed = lines.filter((l) => l.startsWith("!"));
  assert.deepEqual(allowed, ["!dist/selrec-*-linux-x64/", "!config/selrec.yaml", "!rules/"]);
  for (const scratch of ["data/", "cov/", "tests/_artifacts/", "node_modules/"]) {
    assert.ok(lines.includes(scratch), scratch);
  }
  const copies = (await Deno.readTextFile(`${ROOT}Dockerfile`)).split("\n")
    .filter((l) => l.startsWith("COPY")).map((l) => l.split(/\s+/)[1]);
  assert.deepEqual(copies, ["dist/selrec-${VERSION}-linux-x64/", "config/selrec.yaml", "rules/"]);
});
