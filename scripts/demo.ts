/**
 * `deno task demo`: starts the box on embedded defaults (or the usual config) and runs
 * `selrec simulate` against it, so a newcomer sees recordings in the browser within a
 * minute. The shipped rules decide which calls are kept (all VIPs, half of the Spanish
 * collections calls, 10% of sales in office hours, a 2% baseline), so only some of the
 * simulated calls become recordings: that is the point of the product.
 *
 *   deno task demo [--calls 60] [--duration 12]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "60" },
    duration: { type: "string", default: "12" },
  },
});

const env = Deno.env.toObject();
const httpPort = env.SELREC_HTTP_PORT ?? "8080";
const sipPort = env.SELREC_SIP_PORT ?? "5060";
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "--v8-flags=--expose-gc", `${ROOT}main.ts`, "serve"],
  cwd: ROOT,
  env: { SELREC_SIP_ADDRESS: "127.0.0.1", ...env },
  stdout: "inherit",
  stderr: "inherit",
}).spawn();

const url = `http://127.0.0.1:${httpPort}`;
let healthy = false;
for (let i = 0; i < 150 && !healthy; i++) {
  await new Promise((r) => setTimeout(r, 200));
  try {
    const r = await fetch(`${url}/healthz`);
    await r.body?.cancel();
    healthy = r.ok;
  } catch {
    // starting
  }
}
if (!healthy) {
  console.error("demo: the box did not become healthy");
  try {
    server.kill("SIGTERM");
  } catch {
    // already exited
  }
  Deno.exit(1);
}

console.log(
  `\ndemo: sending ${values.calls} SIPREC calls of ${values.duration} s to 127.0.0.1:${sipPort}…\n`,
);
const sim = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    `${ROOT}main.ts`,
    "simulate",
    "--target",
    `127.0.0.1:${sipPort}`,
    "--calls",
    values.calls!,
    "--rate",
    "4",
    "--duration",
    values.duration!,
    "--pause-at",
    "4",
    "--pause-for",
    "2",
  ],
  stdout: "inherit",
  stderr: "inherit",
}).output();
console.log(
  `\ndemo: done (simulate exited ${sim.code}). Open ${url}/ and sign in as admin with the password` +
    " from the log above (or $SELREC_ADMIN_PASSWORD). The box keeps running; Ctrl-C stops it.\n",
);
Deno.addSignalListener("SIGINT", () => server.kill("SIGTERM"));
Deno.addSignalListener("SIGTERM", () => server.kill("SIGTERM"));
Deno.exit((await server.status).code);
