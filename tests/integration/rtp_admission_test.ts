/**
 * Issue 19 defects 4 and 5 against the real `selrec serve` process, on an RTP range of
 * two port pairs: a 499-m-line INVITE is refused with 488 naming the stream limit; an
 * INVITE whose RTP ports cannot be bound (the test holds them) gets 503 with
 * Retry-After before any 200 and leaves no recording row; then, with a call in
 * progress, SIGTERM ends the process within `recorder.drainTimeoutSeconds`.
 */
import assert from "node:assert/strict";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { query, waitFor, waitForStreamPorts } from "../helpers/db.ts";
import { localPort, runSipp, spawnSipp } from "../helpers/sipp.ts";

const DRAIN_SECONDS = 2;

/** Four consecutive UDP ports (even first) that are free on all interfaces right now. */
function freeQuad(): number {
  for (let i = 0; i < 200; i++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 4990);
    const held: Deno.DatagramConn[] = [];
    try {
      for (let p = base; p < base + 4; p++) {
        held.push(Deno.listenDatagram({ hostname: "0.0.0.0", port: p, transport: "udp" }));
      }
      return base;
    } catch {
      // taken; try another
    } finally {
      for (const h of held) h.close();
    }
  }
  throw new Error("no four free UDP ports in 20000-29999");
}

/** A minimal INVITE with `streams` audio m-lines, as one UDP datagram; returns the reply. */
async function inviteWithStreams(sipPort: number, streams: number): Promise<string> {
  const sock = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  try {
    const me = localPort(sock);
    const sdp = [
      "v=0",
      "o=src 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      ...Array.from(
        { length: streams },
        (_, i) => `m=audio ${30000 + 2 * i} RTP/AVP 0\r\na=sendonly`,
      ),
    ].join("\r\n") + "\r\n";
    const msg = [
      `INVITE sip:srs@127.0.0.1:${sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK-many-${streams};rport`,
      `From: <sip:src@127.0.0.1:${me}>;tag=many`,
      `To: <sip:srs@127.0.0.1:${sipPort}>`,
      `Call-ID: many-${streams}@test`,
      "CSeq: 1 INVITE",
      `Contact: <sip:src@127.0.0.1:${me}>`,
      "Max-Forwards: 70",
      "Content-Type: application/sdp",
      `Content-Length: ${new TextEncoder().encode(sdp).length}`,
      "",
      sdp,
    ].join("\r\n");
    const to = { transport: "udp" as const, hostname: "127.0.0.1", port: sipPort };
    await sock.send(new TextEncoder().encode(msg), to);
    const dec = new TextDecoder();
    while (true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no final response")), 5000);
      });
      const [bytes] = await Promise.race([sock.receive(), timeout]).finally(() =>
        clearTimeout(timer)
      );
      const text = dec.decode(bytes);
      if (!/^SIP\/2\.0 1\d\d/.test(text)) return text;
    }
  } finally {
    sock.close();
  }
}

Deno.test({
  name:
    "serve: 499 m-lines get 488, an unbindable RTP port 503 with no row, SIGTERM ends within the drain limit",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const config = await Deno.makeTempFile({ prefix: "selrec-cfg-", suffix: ".yaml" });
    await Deno.writeTextFile(config, `recorder:\n  drainTimeoutSeconds: ${DRAIN_SECONDS}\n`);
    const base = freeQuad();
    const server = await startServer({
      env: { SELREC_RULES_DIR: rules },
      configFile: config,
      rtpPorts: `${base}-${base + 3}`,
    });
    const dbPath = `${server.dataDir}/selrec.db`;
    let stopped = false;
    try {
      // Defect 5: one INVITE must not take every port.
      const many = await inviteWithStreams(server.sipPort, 499);
      assert.match(many, /^SIP\/2\.0 488 /);
      assert.match(many, /Warning: 399 .*499 offered, at most 4 per session/);

      // Defect 4: the ports the allocator hands out are held by someone else.
      const blockers = [0, 1, 2, 3].map((i) =>
        Deno.listenDatagram({ hostname: "0.0.0.0", port: base + i, transport: "udp" })
      );
      try {
        const r = await runSipp({
          scenario: "invite_503.xml",
          port: server.sipPort,
          cwd: server.dataDir,
        });
        assert.equal(r.code, 0, `expected 503 with Retry-After:\n${r.text.slice(-1500)}`);
      } finally {
        for (const b of blockers) b.close();
      }
      assert.deepEqual(query(dbPath, "SELECT id, state FROM recordings"), []);
      assert.match(server.output(), /cannot open media: refusing the call/);

      // The ports are free again: a call gets them and is in progress at SIGTERM.
      const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
      const sipp = spawnSipp({
        scenario: "siprec_record.xml",
        media: [localPort(a), localPort(b)],
        port: server.sipPort,
        cwd: server.dataDir,
        output: "null",
      });
      await waitForStreamPorts(dbPath);
      const t0 = performance.now();
      const code = await server.stop();
      const ms = performance.now() - t0;
      stopped = true;
      sipp.kill("SIGKILL");
      await sipp.status;
      a.close();
      b.close();
      assert.equal(code, 0);
      assert.ok(ms < DRAIN_SECONDS * 1000 + 2500, `exit took ${Math.round(ms)} ms`);
      const rec = await waitFor(
        "the recording row",
        () => query<{ state: string }>(dbPath, "SELECT state FROM recordings")[0],
      );
      assert.equal(rec.state, "interrupted");
    } finally {
      if (!stopped) await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(config);
    }
  },
});
