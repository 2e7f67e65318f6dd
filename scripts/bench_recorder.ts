/**
 * Recorder load: the real `selrec serve` process records N concurrent SIPREC calls
 * sent by `selrec simulate` in a separate process (paced 20 ms packets on both legs in
 * `--codec`: G.711 µ-law, G.722 or G.729), then we compare packets sent with packets the
 * recorder counted, and read the server's CPU time, the encoders' real-time factor, the
 * recordings' sample rate (8 kHz for G.711 and G.729, 16 kHz for G.722 with the default
 * recorder.maxSampleRate) and their bytes per recorded minute. Prints JSON.
 *
 *   deno run -A scripts/bench_recorder.ts [--calls 500] [--duration 60] [--complexity 0]
 *     [--codec pcmu|g722|g729] [--silence-gate -60|off] [--srtp SUITE] [--encrypt] [--keep]
 *     [--capture-nice=-10] [--sender-nice=same|N]   (negative values need the "=" form)
 *   (--keep leaves the data directory and the simulator's report; --encrypt seals the
 *   recordings, encryption at rest)
 *
 * `--capture-nice` is the box's recorder.captureNice (its default, -10). The load generator
 * stands for the SBCs, other machines in the field; here it shares the recorder's two
 * cores, so by default (`same`) it runs at the capture thread's priority: capture cannot
 * win the CPU by starving the sender, whose lateness (p99, max) is reported. A nice value
 * below 0 needs root; elsewhere the sender runs at the caller's.
 *
 * `--srtp AES_CM_128_HMAC_SHA1_80` sends both legs of every call as SRTP with SDES keys
 * over SIP/TLS (openssl-made test certificates, rtp.srtp.mode required), so the server
 * decrypts and authenticates every packet.
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { makeTestCerts } from "../tests/helpers/tls_certs.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  args: Deno.args,
  options: {
    calls: { type: "string", default: "500" },
    duration: { type: "string", default: "60" },
    complexity: { type: "string", default: "0" },
    "silence-gate": { type: "string", default: "-60" },
    keep: { type: "boolean", default: false },
    rate: { type: "string", default: "50" },
    srtp: { type: "string" },
    codec: { type: "string", default: "pcmu" },
    encrypt: { type: "boolean", default: false },
    "capture-nice": { type: "string", default: "-10" },
    "sender-nice": { type: "string", default: "same" },
  },
});
const CAPTURE_NICE = Number(values["capture-nice"]);
const SENDER_NICE = values["sender-nice"] === "same" ? CAPTURE_NICE : Number(values["sender-nice"]);
if (!Number.isInteger(CAPTURE_NICE) || !Number.isInteger(SENDER_NICE)) {
  throw new RangeError("--capture-nice and --sender-nice take whole nice values (-20..19)");
}
const CODEC = values.codec!;
if (!["pcmu", "g722", "g729"].includes(CODEC)) {
  throw new RangeError(`--codec must be pcmu, g722 or g729, got "${CODEC}"`);
}
const CALLS = Number(values.calls), DURATION = Number(values.duration);
const GATE = values["silence-gate"] === "off" ? null : Number(values["silence-gate"]);

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p = (l.addr as Deno.NetAddr).port;
  l.close();
  return p;
}

function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return ticks / 100;
}

const dir = await Deno.makeTempDir({ prefix: "selrec-bench-rec-" });
const SRTP = values.srtp ?? null;
const certs = SRTP ? await makeTestCerts() : null;
const tlsPort = freePort();
const tls = certs
  ? `, tls: { port: ${tlsPort}, certFile: ${certs.server.cert}, keyFile: ${certs.server.key} }`
  : "";
// One load generator stands for a site's SBCs: the per-source INVITE limit (20/s by default)
// is off, as a site raises it for an SBC that places calls faster than that.
await Deno.writeTextFile(
  `${dir}/selrec.yaml`,
  `dataDir: ${dir}/data
log: { level: info, format: json }
sip: { advertisedAddress: 127.0.0.1, maxSessions: ${
    CALLS + 100
  }, invitesPerSecondPerSource: 0${tls} }
rtp: { listen: 127.0.0.1, ports: 20000-24999${SRTP ? ", srtp: { mode: required }" : ""} }
http: { host: 127.0.0.1, port: ${freePort()} }
recorder: { recordAll: true, captureNice: ${CAPTURE_NICE}, opus: { complexity: ${values.complexity}, silenceGateDbfs: ${GATE} } }
encryption: { enabled: ${values.encrypt} }
`,
);
const sipPort = freePort();
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", `${ROOT}main.ts`, "serve", "--config", `${dir}/selrec.yaml`],
  env: { SELREC_SIP_PORT: String(sipPort) },
  stdout: "piped",
  stderr: "piped",
}).spawn();
let log = "";
const dec = new TextDecoder();
const pumps = Promise.all([server.stdout, server.stderr].map(async (s) => {
  for await (const c of s) log += dec.decode(c);
}));
let exited = false;
server.status.then(() => exited = true);
while (!log.includes("selrec ready")) {
  await new Promise((r) => setTimeout(r, 100));
  if (log.includes('"level":"error"') || exited) throw new Error(`selrec serve failed:\n${log}`);
}
const cpu0 = cpuSeconds(server.pid);
const threads0 = threadTicks(server.pid);
const io0 = processIo(server.pid);
const udp0 = kernelUdpErrors();
const t0 = performance.now();
// A raised (negative) nice value needs root; elsewhere the sender keeps the caller's.
const senderNice = SENDER_NICE !== 0 && (SENDER_NICE > 0 || Deno.uid() === 0) ? SENDER_NICE : 0;
const sim = await new Deno.Command(senderNice !== 0 ? "nice" : Deno.execPath(), {
  args: [
    ...(senderNice !== 0 ? ["-n", String(senderNice), Deno.execPath()] : []),
    "run",
    "-A",
    `${ROOT}main.ts`,
    "simulate",
    "--target",
    `127.0.0.1:${certs ? tlsPort : sipPort}`,
    ...(certs ? ["--transport", "tls", "--ca", certs.ca, "--srtp", SRTP!] : []),
    "--calls",
    String(CALLS),
    "--rate",
    values.rate!,
    "--duration",
    String(DURATION),
    "--codec",
    CODEC,
    "--json",
  ],
  stdout: "piped",
  stderr: "piped",
}).output();
const wallS = (performance.now() - t0) / 1000;
const report = JSON.parse(dec.decode(sim.stdout));
// Wait for every recording to be finalized: encoding that fell behind (spilled to the
// journal) catches up after the calls end; report how long that took.
const db = new DatabaseSync(`${dir}/data/selrec.db`, { readOnly: true });
const simEnded = performance.now();
for (let i = 0; i < 3000; i++) {
  const open = db.prepare("SELECT count(*) AS n FROM recordings WHERE state = 'recording'")
    .get() as {
      n: number;
    };
  if (open.n === 0) break;
  await new Promise((r) => setTimeout(r, 100));
}
const finalizedAfterS = Math.round((performance.now() - simEnded) / 100) / 10;
const cpu1 = cpuSeconds(server.pid);
const threads = threadShares(threads0, threadTicks(server.pid), wallS);
const io1 = processIo(server.pid);
const rows = db.prepare(
  "SELECT r.state, r.duration_ms, s.stats FROM recordings r JOIN streams s ON s.recording_id = r.id",
).all() as { state: string; duration_ms: number; stats: string }[];
const recs = db.prepare(
  `SELECT count(*) AS n, sum(duration_ms) AS ms, sum(size_bytes) AS bytes,
     min(sample_rate) AS minRate, max(sample_rate) AS maxRate FROM recordings`,
).get() as { n: number; ms: number; bytes: number; minRate: number; maxRate: number };
db.close();
let received = 0, lost = 0, authFailures = 0, replays = 0;
for (const r of rows) {
  const st = JSON.parse(r.stats);
  received += st.received ?? 0;
  lost += st.lost ?? 0;
  authFailures += st.srtpAuthFailures ?? 0;
  replays += st.srtpReplays ?? 0;
}
server.kill("SIGTERM");
await server.status;
await pumps;
const engine =
  log.split("\n").filter((l) => l.includes("media engine stats")).map((l) => JSON.parse(l))[0];
const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ??
  "unknown";
const sent = report.packets?.sent ?? null;
console.log(JSON.stringify(
  {
    bench: "recorder",
    calls: CALLS,
    durationS: DURATION,
    /** Both legs as SRTP over SIP/TLS with this suite, or null for plain RTP over UDP SIP. */
    srtp: SRTP,
    /** What both legs of every call carried. */
    rtpCodec: CODEC,
    /** Recordings sealed at rest (`--encrypt`: encryption.enabled, src/seal). */
    encrypted: values.encrypt,
    encoder: {
      codec: "opus",
      channels: 2,
      /** The recordings' rate (fixed per recording; min and max differ only if mixed). */
      sampleRate: recs.minRate === recs.maxRate ? recs.minRate : [recs.minRate, recs.maxRate],
      complexity: Number(values.complexity),
      bitrate: 32000,
      streams: "two mono (OpusHead family 1)",
      silenceGateDbfs: GATE,
      backend: engine?.opus,
    },
    sip: report.totals,
    packets: {
      sent,
      received,
      lostBySequence: lost,
      missing: sent === null ? null : sent - received,
      ...(SRTP ? { srtpAuthFailures: authFailures, srtpReplays: replays } : {}),
      /** Datagrams the kernel dropped on full receive buffers during the run (whole host). */
      kernelRcvbufErrors: udp0 === null ? null : (kernelUdpErrors() ?? udp0) - udp0,
    },
    /** The sender's own counts: packets it failed to send or refused to protect. */
    sender: {
      sendErrors: report.packets?.sendErrors ?? null,
      protectErrors: report.packets?.protectErrors ?? null,
      skipped: report.packets?.skipped ?? null,
    },
    senderLateness: report.lateness,
    /** Scheduling: the box's capture thread as it reported itself, and the sender's nice. */
    priority: { capture: capturePriority(log), senderNice },
    recordings: {
      count: recs.n,
      audioSeconds: Math.round((recs.ms ?? 0) / 1000),
      /** Seconds after the last call ended until every recording was complete. */
      finalizedAfterS,
      /** File bytes per minute of recorded (stereo) audio, at the rate above. */
      bytesPerMinute: recs.ms ? Math.round((recs.bytes ?? 0) / (recs.ms / 60000)) : null,
    },
    server: {
      cpuSeconds: Math.round((cpu1 - cpu0) * 10) / 10,
      wallSeconds: Math.round(wallS),
      cpuPercentOfOneCore: Math.round(((cpu1 - cpu0) / wallS) * 1000) / 10,
      cpuPerCallPercent: Math.round(((cpu1 - cpu0) / wallS / CALLS) * 10000) / 100,
      encoders: engine?.encoders ?? null,
      threads,
      /** The server's write(2)-family calls and bytes it sent to the disk over the run. */
      io: io0 && io1
        ? {
          writeSyscalls: io1.syscw - io0.syscw,
          diskWriteMiB: Math.round((io1.write_bytes - io0.write_bytes) / 104857.6) / 10,
        }
        : null,
    },
    machine: { cpu, cores: navigator.hardwareConcurrency, deno: Deno.version.deno },
  },
  null,
  2,
));
if (values.keep) {
  await Deno.writeTextFile(`${dir}/simulate.json`, dec.decode(sim.stdout));
  await Deno.writeTextFile(`${dir}/server.log`, log);
  console.error(
    `kept ${dir} (the simulator's report in simulate.json, the box's log in server.log)`,
  );
} else await Deno.remove(dir, { recursive: true });
if (certs) await Deno.remove(certs.dir, { recursive: true });

/** /proc/<pid>/io counters, or null where they cannot be read. */
function processIo(pid: number): Record<string, number> | null {
  try {
    const out: Record<string, number> = {};
    for (const line of Deno.readTextFileSync(`/proc/${pid}/io`).split("\n")) {
      const [k, v] = line.split(":");
      if (v !== undefined) out[k.trim()] = Number(v);
    }
    return out;
  } catch {
    return null;
  }
}

/** Per thread of `pid`: name, nice value and CPU ticks (utime + stime) so far. */
function threadTicks(pid: number): Map<string, { comm: string; nice: number; ticks: number }> {
  const out = new Map<string, { comm: string; nice: number; ticks: number }>();
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(t.name, { comm, nice: Number(f[16]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * The server's CPU over the run by thread, in percent of one core: `capture` is the
 * busiest worker thread at nice 0 or below (the capture worker; read-pool workers idle
 * during the bench), `encoders` the worker threads at nice above 0, `main` the JS main
 * thread, `io` tokio's threads (file and socket I/O off the JS threads), `other` the rest.
 */
function threadShares(
  before: ReturnType<typeof threadTicks>,
  after: ReturnType<typeof threadTicks>,
  wallS: number,
): Record<string, number> {
  const pct = (ticks: number) => Math.round((ticks / 100 / wallS) * 1000) / 10;
  let capture = 0, encoders = 0, main = 0, io = 0, other = 0, workers = 0;
  for (const [tid, t] of after) {
    const d = t.ticks - (before.get(tid)?.ticks ?? 0);
    if (t.comm.startsWith("worker-") && t.nice > 0) encoders += d;
    else if (t.comm.startsWith("worker-")) {
      workers += d;
      capture = Math.max(capture, d);
    } else if (t.comm === "deno") main += d;
    else if (t.comm.startsWith("tokio")) io += d;
    else other += d;
  }
  return {
    capture: pct(capture),
    encoders: pct(encoders),
    otherWorkers: pct(workers - capture),
    main: pct(main),
    io: pct(io),
    other: pct(other),
  };
}

/** The capture thread's priority from the box's "media engine ready" log line. */
function capturePriority(log: string): string | null {
  const line = log.split("\n").find((l) => l.includes("media engine ready"));
  try {
    return line ? JSON.parse(line).capturePriority ?? null : null;
  } catch {
    return null;
  }
}

/** The host's UDP RcvbufErrors counter (/proc/net/snmp), or null where it cannot be read. */
function kernelUdpErrors(): number | null {
  try {
    const lines = Deno.readTextFileSync("/proc/net/snmp").split("\n").filter((l) =>
      l.startsWith("Udp:")
    );
    const names = lines[0].split(/\s+/), values = lines[1].split(/\s+/);
    const v = Number(values[names.indexOf("RcvbufErrors")]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}
