/**
 * How Deno serves many UDP sockets on one thread once it cannot keep up: N sockets, each
 * read by its own `await conn.receive(buf)` loop (as src/rtp/udp_capture.ts does) with
 * `--work-us` of busy work per packet, while a separate process (python3) sends 50
 * packets a second to every socket. Prints JSON: packets read per socket (min, p10, p50,
 * max of what was sent to each) and how many sockets had no read at all in the last 5 s.
 * Below capacity every socket gets every packet; above it a fair loop would slow all
 * sockets alike, while this one leaves some unread for many seconds (their calls lose
 * whole stretches). About 50 s with the defaults.
 *
 *   deno run -A scripts/bench_udp_fairness.ts [--sockets 1000]
 *     [--work-us 10,18,25] [--seconds 15] [--yield none|immediate|channel] [--budget 64]
 *
 * `--yield` tries one remedy: after every `--budget` packets read on the thread (all
 * sockets together), every loop waits for one macrotask (node:timers setImmediate, or a
 * MessageChannel round trip) before reading again, so the thread goes back to the event
 * loop, which can then serve sockets whose reads were waiting there.
 */
import { parseArgs } from "node:util";
import { machineFacts } from "./bench.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sockets: { type: "string", default: "1000" },
    "work-us": { type: "string", default: "10,18,25" },
    seconds: { type: "string", default: "15" },
    yield: { type: "string", default: "none" },
    budget: { type: "string", default: "64" },
  },
});
const N = Number(values.sockets), SECONDS = Number(values.seconds);

const SENDER = `
import socket, sys, time, json
ports = json.loads(sys.stdin.readline()); secs = float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pkt = bytes([0x80]) + bytes(171)
t0 = time.time(); tick = 0
while time.time() - t0 < secs:
    for p in ports: s.sendto(pkt, ("127.0.0.1", p))
    tick += 1
    d = t0 + tick * 0.02 - time.time()
    if d > 0: time.sleep(d)
`;

async function run(workUs: number) {
  const socks = Array.from(
    { length: N },
    () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }),
  );
  const counts = new Array<number>(N).fill(0);
  let closed = false;
  const BUDGET = Number(values.budget);
  let left = BUDGET;
  let pending: Promise<void> | null = null;
  let wake = () => {};
  const ch = new MessageChannel();
  ch.port2.onmessage = () => wake();
  const { setImmediate } = await import("node:timers");
  const turn = (): Promise<void> | null => {
    if (values.yield === "none" || --left > 0) return null;
    if (!pending) {
      pending = new Promise<void>((r) => {
        wake = () => {
          pending = null;
          left = BUDGET;
          r();
        };
      });
      if (values.yield === "channel") ch.port1.postMessage(0);
      else setImmediate(() => wake());
    }
    return pending;
  };
  const loops = socks.map(async (s, i) => {
    const buf = new Uint8Array(2049);
    while (!closed) {
      try {
        await s.receive(buf);
      } catch {
        return;
      }
      const until = performance.now() + workUs / 1000;
      while (performance.now() < until) { /* the per-packet work */ }
      counts[i]++;
      const y = turn();
      if (y) await y;
    }
  });
  const sendSeconds = SECONDS - 1;
  const sender = new Deno.Command("python3", {
    args: ["-c", SENDER, String(sendSeconds)],
    stdin: "piped",
  }).spawn();
  const w = sender.stdin.getWriter();
  await w.write(
    new TextEncoder().encode(
      JSON.stringify(socks.map((s) => (s.addr as Deno.NetAddr).port)) + "\n",
    ),
  );
  await w.close();
  const snaps: number[][] = [];
  for (let t = 0; t < SECONDS; t++) {
    await new Promise((r) => setTimeout(r, 1000));
    snaps.push([...counts]);
  }
  await sender.status;
  closed = true;
  for (const s of socks) s.close();
  await Promise.all(loops);
  ch.port1.close();
  ch.port2.close();
  const last = snaps[snaps.length - 1], before = snaps[snaps.length - 6];
  const sorted = [...last].sort((a, b) => a - b);
  return {
    workUs,
    offeredLoadPercent: Math.round(N * 50 * workUs / 1e4),
    sentPerSocket: Math.round(sendSeconds * 50),
    readPerSocket: {
      min: sorted[0],
      p10: sorted[Math.floor(N * 0.1)],
      p50: sorted[Math.floor(N / 2)],
      max: sorted[N - 1],
    },
    readTotal: last.reduce((a, b) => a + b, 0),
    socketsUnreadLast5s: last.filter((c, i) => c === before[i]).length,
  };
}

const runs = [];
for (const w of values["work-us"]!.split(",").map(Number)) runs.push(await run(w));
console.log(
  JSON.stringify(
    { bench: "udp_fairness", sockets: N, seconds: SECONDS, runs, machine: await machineFacts() },
    null,
    2,
  ),
);
