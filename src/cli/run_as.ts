/**
 * Root on an installed box: a command run as root whose data directory belongs to the
 * service user (`selrec`) is re-run as that user, so it never leaves root-owned keys,
 * databases or journals the service then cannot open. Deno has no setuid, so the process
 * re-executes itself (its own /proc/self/cmdline) under `setpriv --reuid U --regid U
 * --init-groups` or `runuser -u U --`; with neither, it refuses and prints the command.
 *
 * {@link runAsDecision} is the pure rule; {@link serviceUserGuard} is the I/O around it.
 */
import { isAbsolute, resolve } from "node:path";
import { ConfigError, loadConfig } from "../config.ts";
import type { CliArgs, CliIO, Command } from "./command.ts";
import { type Account, lookupAccount, SERVICE_USER } from "../accounts.ts";

/** Commands that never touch the data directory: they run as whoever calls them. */
const ANYONE = new Set(["version", "config check", "simulate", "rules check", "doctor"]);

/** What {@link runAsDecision} looks at. */
export interface RunAsFacts {
  command: string;
  uid: number;
  /** The service account, null when the box has none. */
  service: Account | null;
  /** Owner uid of the data directory, null when it does not exist yet. */
  dataDirOwner: number | null;
  /** Privilege-dropping tools found on PATH. */
  tools: { setpriv: boolean; runuser: boolean };
  /** The command line as typed, for the refusal message. */
  argv: string[];
}

/** Run here, re-execute under `prefix`, or refuse with `message`. */
export type RunAs =
  | { kind: "here" }
  | { kind: "reexec"; prefix: string[] }
  | { kind: "refuse"; message: string };

/**
 * Decides how a command runs: as root with a service account whose data directory is
 * (or will be) its own, the command moves to that account; anything else runs here.
 */
export function runAsDecision(f: RunAsFacts): RunAs {
  if (f.uid !== 0 || !f.service || ANYONE.has(f.command)) return { kind: "here" };
  if (f.dataDirOwner !== null && f.dataDirOwner !== f.service.uid) return { kind: "here" };
  const u = f.service.name;
  if (f.tools.setpriv) {
    return { kind: "reexec", prefix: ["setpriv", `--reuid=${u}`, `--regid=${u}`, "--init-groups"] };
  }
  if (f.tools.runuser) return { kind: "reexec", prefix: ["runuser", "-u", u, "--"] };
  const quoted = f.argv.map((a) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`
  );
  return {
    kind: "refuse",
    message: `selrec: refusing to run as root: files in the data directory must belong to ${u}.\n` +
      `Run: runuser -u ${u} -- selrec ${quoted.join(" ")}\n` +
      `  or: sudo -u ${u} selrec ${quoted.join(" ")}`,
  };
}

async function onPath(tool: string, path: string | undefined): Promise<boolean> {
  for (const dir of (path ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    try {
      if ((await Deno.stat(`${dir}/${tool}`)).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** This process's own command line, with existing relative files made absolute. */
function ownCommandLine(): string[] {
  const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0").filter((a) => a !== "");
  return argv.map((a, i) => {
    if (i === 0 || a.startsWith("-") || isAbsolute(a)) return a;
    try {
      Deno.statSync(a);
      return resolve(a);
    } catch {
      return a;
    }
  });
}

/**
 * The `beforeRun` hook main.ts gives the CLI: applies {@link runAsDecision}; on
 * `reexec` runs this same command line as the service user and returns its exit code.
 */
export function serviceUserGuard(argv: string[]) {
  return async function beforeRun(cmd: Command, args: CliArgs, io: CliIO): Promise<number | null> {
    if (Deno.uid() !== 0) return null;
    const service = await lookupAccount(io.env.SELREC_SERVICE_USER || SERVICE_USER);
    if (!service) return null;
    let loaded;
    try {
      loaded = await loadConfig(args.values.config as string | undefined, io.env);
    } catch (err) {
      if (err instanceof ConfigError) return null; // the command reports it
      throw err;
    }
    let dataDirOwner: number | null = null;
    try {
      dataDirOwner = (await Deno.stat(loaded.config.dataDir)).uid;
    } catch {
      // not created yet: serve and migrate will create it as the service user
    }
    const decision = runAsDecision({
      command: cmd.path.join(" "),
      uid: 0,
      service,
      dataDirOwner,
      tools: {
        setpriv: await onPath("setpriv", io.env.PATH),
        runuser: await onPath("runuser", io.env.PATH),
      },
      argv,
    });
    if (decision.kind === "here") return null;
    if (decision.kind === "refuse") {
      io.stderr(decision.message + "\n");
      return 2;
    }
    const self = ownCommandLine();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(io.env)) if (v !== undefined) env[k] = v;
    if (loaded.source !== "built-in defaults") env.SELREC_CONFIG = resolve(loaded.source);
    const child = new Deno.Command(decision.prefix[0], {
      args: [...decision.prefix.slice(1), ...self],
      env,
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    return (await child.status).code;
  };
}
