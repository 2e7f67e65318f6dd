/**
 * UDP capture cost with one socket per stream on loopback: a sender subprocess paces
 * N streams of 20 ms G.711 packets; this process receives them with UdpCapture and
 * parses each packet. Prints JSON: packets, loss and receiver CPU µs per packet.
 * Usage: deno run -A scripts/bench_capture.ts [--sockets 200] [--seconds 5]
 */
import process from "node:process";
import { parseRtpPacket, serializeRtpPacket } from "../src/rtp/packet.ts";
import { PortPool } from "../src/rtp/port_pool.ts";
import { UdpCapture } from "../src/rtp/udp_capture.ts";

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}
const sockets = arg("--sockets", 200);
const seconds = arg("--seconds", 5);

async function send(ports: number[]): Promise<void> {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const payload = new Uint8Array(160).fill(0xff);
  const start = performance.now();
  const ticks = seconds * 50;
  let lateMs = 0;
  for (let k = 0; k < ticks; k++) {
    const due = start + k * 20;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else lateMs = Math.max(lateMs, -wait);
    for (let s = 0; s < ports.length; s++) {
      const pkt = serializeRtpPacket({
        payloadType: 0,
        sequenceNumber: k,
        timestamp: k * 160,
        ssrc: s,
        payload,
      });
      await conn.send(pkt, { transport: "udp", hostname: "127.0.0.1", port: ports[s] });
    }
  }
  conn.close();
  console.log(JSON.stringify({ sent: ticks * ports.length, maxLateMs: Math.round(lateMs) }));
}

async function receive(): Promise<void> {
  const pool = new PortPool({ min: 40000, max: 49999 });
  const caps: UdpCapture[] = [];
  let received = 0;
  let bad = 0;
  const onRtp = (bytes: Uint8Array) => {
    try {
      parseRtpPacket(bytes);
      received++;
    } catch {
      bad++;
    }
  };
  while (caps.length < sockets) {
    const port = pool.allocate((p) => {
      try {
        caps.push(UdpCapture.open({ port: p, hostname: "127.0.0.1", onRtp }));
        return true;
      } catch {
        return false;
      }
    });
    if (port === null) throw new RangeError("Port range exhausted");
  }
  const sender = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      import.meta.filename!,
      "--send",
      "--seconds",
      String(seconds),
      "--ports",
      caps.map((c) => c.port).join(","),
    ],
    stdout: "piped",
  }).spawn();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await sender.output();
  await new Promise((r) => setTimeout(r, 200));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  await Promise.all(caps.map((c) => c.close()));
  const senderReport = JSON.parse(new TextDecoder().decode(out.stdout));
  const cpuUs = cpu.user + cpu.system;
  console.log(JSON.stringify(
    {
      bench: "udp-capture",
      mode: "one socket per stream (+RTCP socket)",
      sockets,
      seconds,
      sent: senderReport.sent,
      received,
      bad,
      lost: senderReport.sent - received,
      senderMaxLateMs: senderReport.maxLateMs,
      receiverCpuPercent: Number(((cpuUs / 1000 / wallMs) * 100).toFixed(1)),
      usPerPacket: Number((cpuUs / Math.max(1, received)).toFixed(2)),
    },
    null,
    2,
  ));
}

if (Deno.args.includes("--send")) {
  const i = Deno.args.indexOf("--ports");
  await send(Deno.args[i + 1].split(",").map(Number));
} else {
  await receive();
}
