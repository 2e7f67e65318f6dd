/**
 * Issue 19 defects 5 and 9 against the real `selrec serve` process: a forged
 * `received`/`rport` in the top Via does not aim the response elsewhere, `sip.allowFrom`
 * leaves other sources unanswered (UDP) and closes their connections (TCP), and new
 * INVITEs over `sip.invitesPerSecondPerSource` are refused 503 with Retry-After.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function request(method: string, port: number, via: string, n: number): Uint8Array {
  return enc(
    `${method} sip:srs@127.0.0.1:${port} SIP/2.0\r\nVia: ${via};branch=z9hG4bKadm${n}\r\n` +
      `From: <sip:src@127.0.0.1>;tag=t${n}\r\nTo: <sip:srs@127.0.0.1>\r\nCall-ID: adm-${n}\r\n` +
      `CSeq: 1 ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
}

/** The status line of the next datagram on `sock` (for Call-ID `callId`), or null after `ms`. */
async function nextStatus(
  sock: Deno.DatagramConn,
  ms = 1500,
  callId?: string,
): Promise<string | null> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((r) => id = setTimeout(() => r(null), ms));
  const got = (async () => {
    for (;;) {
      const text = new TextDecoder().decode((await sock.receive())[0]);
      if (!callId || text.includes(`Call-ID: ${callId}\r\n`)) return text.split("\r\n")[0];
    }
  })();
  const r = await Promise.race([got, timeout]);
  clearTimeout(id);
  return r;
}

async function withServer(yaml: string, fn: (sipPort: number) => Promise<void>): Promise<void> {
  const configFile = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(configFile, yaml);
  const server = await startServer({ configFile });
  try {
    await fn(server.sipPort);
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(server.dataDir, { recursive: true });
    await Deno.remove(configFile);
  }
}

Deno.test({
  name: "a forged received/rport in the Via is ignored: the response comes back to the real socket",
  sanitizeResources: true,
  sanitizeOps: true,
  fn: () =>
    withServer("sip:\n  maxSessions: 10\n", async (sipPort) => {
      const sock = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const victim = Deno.listenDatagram({ hostname: "127.0.0.2", port: 0, transport: "udp" });
      const vport = (victim.addr as Deno.NetAddr).port;
      const via = `SIP/2.0/UDP 127.0.0.1:9;received=127.0.0.2;rport=${vport}`;
      await sock.send(request("OPTIONS", sipPort, via, 1), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: sipPort,
      });
      assert.equal(await nextStatus(sock), "SIP/2.0 200 OK");
      assert.equal(await nextStatus(victim, 500), null, "nothing reaches the forged address");
      sock.close();
      victim.close();
    }),
});

Deno.test({
  name:
    "sip.allowFrom: an unlisted UDP source gets no answer, its TCP connection is closed at accept",
  sanitizeResources: true,
  sanitizeOps: true,
  fn: () =>
    withServer("sip:\n  allowFrom: [10.0.0.0/8, 192.0.2.10]\n", async (sipPort) => {
      const sock = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const me = (sock.addr as Deno.NetAddr).port;
      await sock.send(request("OPTIONS", sipPort, `SIP/2.0/UDP 127.0.0.1:${me}`, 2), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: sipPort,
      });
      assert.equal(await nextStatus(sock), null);
      sock.close();
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: sipPort });
      const n = await conn.read(new Uint8Array(16)).catch(() => null);
      assert.equal(n, null, "closed without a byte");
      conn.close();
    }),
});

Deno.test({
  name: "new INVITEs over sip.invitesPerSecondPerSource get 503 with Retry-After",
  sanitizeResources: true,
  sanitizeOps: true,
  fn: () =>
    withServer("sip:\n  invitesPerSecondPerSource: 1\n  inviteBurstPerSource: 2\n", async (p) => {
      const sock = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const me = (sock.addr as Deno.NetAddr).port;
      const finals: string[] = [];
      for (let i = 0; i < 4; i++) {
        // No SDP: an admitted INVITE is a late offer answered 200 with ours, a refused one 503.
        await sock.send(request("INVITE", p, `SIP/2.0/UDP 127.0.0.1:${me}`, 10 + i), {
          transport: "udp",
          hostname: "127.0.0.1",
          port: p,
        });
        for (;;) {
          const s = await nextStatus(sock, 1500, `adm-${10 + i}`);
          if (s === null || !/ 1\d\d /.test(s)) {
            finals.push(s ?? "none");
            break;
          }
        }
      }
      assert.deepEqual(finals.map((s) => s.split(" ")[1]), ["200", "200", "503", "503"]);
      assert.match(finals[2], /Rate limited/);
      sock.close();
    }),
});
