/**
 * Starts the real `selrec serve` process for integration tests, on free ports and a
 * temp data dir, and waits for /healthz.
 */
import { fileURLToPath } from "node:url";
import { claimRtpRange, freeSipPort, freeTcpPort } from "./ports.ts";

/**
 * V8 flags the box always runs with (as `deno task start`, bin/selrec and the unit do):
 * `--expose-gc` lets each thread collect its garbage when it goes quiet (src/idle_gc.ts).
 */
export const BOX_V8_FLAGS = "--expose-gc";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A running server process and what a test needs to reach it. */
export interface TestServer extends AsyncDisposable {
  process: Deno.ChildProcess;
  dataDir: string;
  httpUrl: string;
  sipPort: number;
  rtpPorts: string;
  adminPassword: string;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Options for {@link startServer}. */
export interface StartOptions {
  dataDir?: string;
  env?: Record<string, string>;
  configFile?: string;
  /** Reuse these ports (restart after a crash). */
  httpPort?: number;
  sipPort?: number;
  rtpPorts?: string;
  timeoutMs?: number;
  /** A wrapper that execs the server, e.g. `["prlimit", "--nofile=256:256", "--"]`. */
  wrap?: string[];
  /** V8 flags (default {@link BOX_V8_FLAGS}; "" for none, to measure without them). */
  v8Flags?: string;
}

/** The box's start-up error for a port it could not bind (src/cli/serve_command.ts). */
const ADDR_IN_USE = /"cannot start".*"code":"EADDRINUSE"/;

/**
 * Spawns `deno run -A main.ts serve` and resolves once /healthz answers 200. Ports it
 * picks were free a moment before the box binds them; another test can take one in
 * between, so when the box refuses to start with EADDRINUSE (and the ports were picked
 * here) it is started again on new ones, up to three times.
 */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const picked = options.httpPort === undefined || options.sipPort === undefined;
  for (let attempt = 1;; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (!picked || attempt >= 3 || !(err instanceof Error) || !ADDR_IN_USE.test(err.message)) {
        throw err;
      }
    }
  }
}

async function startOnce(options: StartOptions): Promise<TestServer> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "selrec-it-" });
  const httpPort = options.httpPort ?? freeTcpPort();
  const sipPort = options.sipPort ?? freeSipPort();
  const claim = options.rtpPorts === undefined ? claimRtpRange() : null;
  const rtpPorts = options.rtpPorts ?? claim!.range;
  const adminPassword = "test-admin-password-1";
  const v8Flags = options.v8Flags ?? BOX_V8_FLAGS;
  const args = [
    "run",
    "-A",
    ...(v8Flags ? [`--v8-flags=${v8Flags}`] : []),
    `${ROOT}main.ts`,
    "serve",
  ];
  if (options.configFile) args.push("--config", options.configFile);
  const wrap = options.wrap ?? [];
  const process = new Deno.Command(wrap[0] ?? Deno.execPath(), {
    args: wrap.length > 0 ? [...wrap.slice(1), Deno.execPath(), ...args] : args,
    cwd: dataDir,
    env: {
      SELREC_DATA_DIR: dataDir,
      SELREC_HTTP_HOST: "127.0.0.1",
      SELREC_HTTP_PORT: String(httpPort),
      SELREC_SIP_PORT: String(sipPort),
      SELREC_SIP_ADDRESS: "127.0.0.1",
      SELREC_RTP_PORTS: rtpPorts,
      SELREC_LOG_FORMAT: "json",
      SELREC_LOG_LEVEL: "debug",
      SELREC_ADMIN_PASSWORD: adminPassword,
      SELREC_RULES_DIR: `${ROOT}rules`,
      NO_COLOR: "1",
      ...options.env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) out += dec.decode(chunk);
  };
  const pumps = Promise.all([pump(process.stdout), pump(process.stderr)]);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let exited = false;
  process.status.then(() => {
    exited = true;
    // The range goes back when the box is gone, however it ended.
    claim?.release();
  });
  while (true) {
    if (exited) throw new Error(`selrec serve exited during startup:\n${out}`);
    if (Date.now() > deadline) {
      process.kill("SIGKILL");
      await process.status;
      throw new Error(`selrec serve did not become healthy:\n${out}`);
    }
    try {
      const r = await fetch(`${httpUrl}/healthz`);
      await r.body?.cancel();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let stopped = false;
  const server: TestServer = {
    process,
    dataDir,
    httpUrl,
    sipPort,
    rtpPorts,
    adminPassword,
    output: () => out,
    async stop() {
      if (!stopped) process.kill("SIGTERM");
      stopped = true;
      const st = await process.status;
      await pumps;
      return st.code;
    },
    async kill() {
      if (!stopped) process.kill("SIGKILL");
      stopped = true;
      await process.status;
      await pumps;
    },
    async [Symbol.asyncDispose]() {
      await server.kill();
    },
  };
  return server;
}

/** A temp rules dir whose one rule records every call (partition `qa`); remove it after. */
export async function recordEverythingRules(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-rules-" });
  await Deno.writeTextFile(
    `${dir}/all.yaml`,
    `version: 1
rules:
  - id: record-everything
    description: test rule that matches every call
    when: { not: { field: businessUnit, equals: "__never__" } }
    then: { record: true, partitions: [qa] }
`,
  );
  return dir;
}

/** `selrec simulate ARGS` as a child process of this checkout (output piped). */
export function simulateCommand(...args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "simulate", ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
}
