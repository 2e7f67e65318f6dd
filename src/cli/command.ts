/**
 * The CLI frame: every command declares its parseArgs options and usage; main.ts
 * only hands over argv, env and the terminal. Unknown flags → usage on stderr, exit 2.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** What a command may touch: injected so commands are testable without a process. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
  isTty: boolean;
  /**
   * Run before a command: returns an exit code when the command ran elsewhere (re-run as
   * the service user) or must not run, null to run it here. main.ts supplies it.
   */
  beforeRun?(cmd: Command, args: CliArgs, io: CliIO): Promise<number | null>;
}

/** Parsed values and positionals of one command invocation. */
export interface CliArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** One CLI command such as `user add`. */
export interface Command {
  /** Words after `selrec`, e.g. `["user", "add"]`. */
  path: string[];
  summary: string;
  /** Usage line(s) after the command words, e.g. `NAME --role ROLE`. */
  usage: string;
  options?: ParseArgsOptionsConfig;
  /** Extra help text. */
  help?: string;
  run(args: CliArgs, io: CliIO): Promise<number>;
}

/** Raised by a command for bad arguments; printed with the usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Raised to end a command with `code`, printing `message` on stderr (no usage). */
export class CliExit extends Error {
  override name = "CliExit";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Options every command accepts. */
export const COMMON_OPTIONS: ParseArgsOptionsConfig = {
  help: { type: "boolean", short: "h" },
  config: { type: "string", short: "c" },
};

function usageOf(cmd: Command): string {
  const opts = Object.entries(cmd.options ?? {}).map(([name, o]) =>
    `  --${name}${o.type === "string" ? " VALUE" : ""}${o.multiple ? " (repeatable)" : ""}`
  );
  return [
    `Usage: selrec ${cmd.path.join(" ")} ${cmd.usage}`.trimEnd(),
    "",
    cmd.summary,
    ...(cmd.help ? ["", cmd.help] : []),
    "",
    "Options:",
    ...opts,
    "  --config FILE, -c FILE   config file (else $SELREC_CONFIG, else ./selrec.yaml,",
    "                           else /etc/selrec/selrec.yaml, else built-in defaults)",
    "  --help, -h               show this help",
  ].join("\n");
}

/** Top-level usage listing every command. */
export function topUsage(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  return [
    "Usage: selrec <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    "Run `selrec <command> --help` for a command's options.",
  ].join("\n");
}

/** Finds the command whose path is the longest prefix of argv. */
function findCommand(commands: Command[], argv: string[]): Command | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) {
      best = c;
    }
  }
  return best;
}

/** Runs the CLI; returns the process exit code. */
export async function runCli(commands: Command[], argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    (argv.length === 0 ? io.stderr : io.stdout)(topUsage(commands) + "\n");
    return argv.length === 0 ? 2 : 0;
  }
  const cmd = findCommand(commands, argv);
  if (!cmd) {
    const group = commands.filter((c) => c.path[0] === argv[0]);
    io.stderr(
      `selrec: unknown command "${argv.slice(0, 2).join(" ")}"\n\n` +
        topUsage(group.length > 0 ? group : commands) + "\n",
    );
    return 2;
  }
  let args: CliArgs;
  try {
    const parsed = parseArgs({
      args: argv.slice(cmd.path.length),
      options: { ...COMMON_OPTIONS, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
    args = { values: parsed.values as CliArgs["values"], positionals: parsed.positionals };
  } catch (err) {
    io.stderr(`selrec ${cmd.path.join(" ")}: ${(err as Error).message}\n\n${usageOf(cmd)}\n`);
    return 2;
  }
  if (args.values.help) {
    io.stdout(usageOf(cmd) + "\n");
    return 0;
  }
  try {
    const elsewhere = io.beforeRun ? await io.beforeRun(cmd, args, io) : null;
    if (elsewhere !== null) return elsewhere;
    return await cmd.run(args, io);
  } catch (err) {
    if (err instanceof CliExit) {
      io.stderr(err.message + "\n");
      return err.code;
    }
    if (err instanceof UsageError) {
      io.stderr(`selrec ${cmd.path.join(" ")}: ${err.message}\n\n${usageOf(cmd)}\n`);
      return 2;
    }
    throw err;
  }
}

/** Prints rows as an aligned table. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(columns), ...cells.map(line)].join("\n") + "\n";
}
