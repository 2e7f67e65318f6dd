/**
 * selrec CLI entry: the only module that reads Deno.args and Deno.env.
 * parse args → load config → the composition root (box.ts) builds the box → run
 * (see src/cli/).
 */
import { runCli } from "./src/cli/command.ts";
import { commands } from "./src/cli/commands.ts";
import { openBox } from "./box.ts";
import { serviceUserGuard } from "./src/cli/run_as.ts";

const enc = new TextEncoder();

async function readStdin(): Promise<string> {
  return await new Response(Deno.stdin.readable).text();
}

if (import.meta.main) {
  const code = await runCli(commands(openBox), Deno.args, {
    stdout: (t) => Deno.stdout.writeSync(enc.encode(t)),
    stderr: (t) => Deno.stderr.writeSync(enc.encode(t)),
    readStdin,
    env: Deno.env.toObject(),
    isTty: Deno.stdout.isTerminal(),
    beforeRun: serviceUserGuard(Deno.args),
  });
  Deno.exit(code);
}
