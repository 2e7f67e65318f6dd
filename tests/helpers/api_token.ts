/** API tokens for integration tests, made with the CLI (`selrec token add --json`) as an operator would. */
import assert from "node:assert/strict";
import { ROOT } from "./server.ts";

/** What `token add` is asked for: a name, one scope, and the user it acts as (if any). */
export interface TokenRequest {
  name: string;
  scope: string;
  user?: string;
}

/** Adds a token to the box whose data dir is `dataDir`; asserts the CLI succeeded. */
export async function addApiToken(
  dataDir: string,
  req: TokenRequest,
): Promise<{ id: number; token: string }> {
  const args = ["token", "add", "--name", req.name, "--scope", req.scope];
  if (req.user) args.push("--user", req.user);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args, "--json"],
    cwd: dataDir,
    env: { SELREC_DATA_DIR: dataDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}
