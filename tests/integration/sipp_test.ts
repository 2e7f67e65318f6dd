/**
 * The SRS against the real `sipp` binary on real UDP and TCP sockets (RFC 7866
 * call flow, OPTIONS, CANCEL, malformed INVITE). Scenarios live in
 * tests/fixtures/sipp/ so they can be replayed against `selrec serve` too.
 */
import assert from "node:assert/strict";
import { runSipp } from "../helpers/sipp.ts";
import { SiprecServer } from "../../src/sip/srs.ts";
import type { SiprecEventMap } from "../../src/sip/session.ts";

/** Even ports from a private range, tracked so the test can assert they come back. */
function portPool(base: number, count: number) {
  const free = Array.from({ length: count }, (_, i) => base + 2 * i);
  const used = new Set<number>();
  return {
    used,
    allocate(): number | null {
      const p = free.shift();
      if (p === undefined) return null;
      used.add(p);
      return p;
    },
    release(port: number): void {
      if (used.delete(port)) free.push(port);
    },
  };
}

type Seen = {
  [K in keyof SiprecEventMap]: { type: K; detail: SiprecEventMap[K] };
}[keyof SiprecEventMap];

function startSrs() {
  const ports = portPool(30000, 50);
  const seen: Seen[] = [];
  const server = SiprecServer.create({
    host: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    ports,
    maxSessions: 10,
    decide: (offer) => {
      if (offer.headers.get("X-Test") !== "hold") return Promise.resolve({ record: true });
      // Hold the decision until the CANCEL ends this offer.
      return new Promise((resolve) => {
        const off = server.on("session-ended", (e) => {
          if (e.id === offer.id) {
            off();
            resolve({ record: true });
          }
        });
      });
    },
  });
  for (
    const type of [
      "session-started",
      "session-updated",
      "session-paused",
      "session-resumed",
      "session-ended",
    ] as const
  ) {
    server.on(type, (detail) => seen.push({ type, detail } as Seen));
  }
  return { server, ports, seen };
}

async function sipp(scenario: string, port: number, transport: "udp" | "tcp"): Promise<void> {
  const r = await runSipp({ scenario, port, transport, cwd: Deno.makeTempDirSync() });
  assert.equal(r.code, 0, `sipp ${scenario} over ${transport} failed:\n${r.text.slice(-3000)}`);
}

for (const transport of ["udp", "tcp"] as const) {
  Deno.test({
    name: `SiprecServer records a SIPREC call with pause and resume over ${transport} (sipp)`,
    sanitizeOps: true,
    sanitizeResources: true,
    fn: async () => {
      const { server, ports, seen } = startSrs();
      try {
        const port = transport === "udp" ? server.udpPort : server.tcpPort;
        await sipp("siprec_call.xml", port, transport);
        // The pause re-INVITE offers PCMU alone where the first offer had PCMU and PCMA: the
        // answer keeps every recordable codec, so the streams' codec sets change with it.
        assert.deepEqual(seen.map((e) => e.type), [
          "session-started",
          "session-updated",
          "session-paused",
          "session-resumed",
          "session-ended",
        ]);
        const updated = seen[1].detail as SiprecEventMap["session-updated"];
        assert.deepEqual(updated.changes.streamsChanged, ["10", "20"]);
        assert.deepEqual(updated.session.streams.map((x) => x.codecs.map((c) => c.name)), [
          ["PCMU", "telephone-event"],
          ["PCMU", "telephone-event"],
        ]);
        const started = seen[0].detail as SiprecEventMap["session-started"];
        const s = started.session;
        assert.equal(s.isSiprec, true);
        assert.match(s.sessionId, /^sipp-session-/);
        assert.deepEqual(
          s.streams.map((x) => [x.label, x.codec.name, x.remotePort, x.participantIds]),
          [
            ["10", "PCMU", 16000, ["caller"]],
            ["20", "PCMU", 16002, ["callee"]],
          ],
        );
        assert.ok(s.streams.every((x) => x.port % 2 === 0 && x.rtcpPort === x.port + 1));
        assert.deepEqual(s.participants.map((p) => [p.aor, p.name, p.sends, p.receives]), [
          ["sip:alice@example.com", "Alice", ["10"], ["20"]],
          ["sip:bob@example.com", "Bob", ["20"], ["10"]],
        ]);
        const ended = seen[4].detail as SiprecEventMap["session-ended"];
        assert.equal(ended.reason, "bye");
        assert.equal(ports.used.size, 0);
      } finally {
        await server.close();
      }
    },
  });

  Deno.test({
    name: `SiprecServer answers OPTIONS, CANCEL and a malformed INVITE over ${transport} (sipp)`,
    sanitizeOps: true,
    sanitizeResources: true,
    fn: async () => {
      const { server, ports, seen } = startSrs();
      try {
        const port = transport === "udp" ? server.udpPort : server.tcpPort;
        await sipp("options.xml", port, transport);
        await sipp("cancel.xml", port, transport);
        assert.deepEqual(seen.map((e) => e.type), ["session-ended"]);
        assert.equal((seen[0].detail as SiprecEventMap["session-ended"]).reason, "cancel");
        await sipp("malformed_invite.xml", port, transport);
        assert.ok(server.stats().malformed >= 1);
        await sipp("siprec_call.xml", port, transport);
        assert.equal(seen.at(-1)?.type, "session-ended");
        assert.equal(ports.used.size, 0);
      } finally {
        await server.close();
      }
    },
  });
}
