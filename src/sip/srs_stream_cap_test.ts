/**
 * Admission of an offer's size (`sip.maxStreamsPerSession`) and a recorder that cannot
 * start (`prepare` rejects): both refused before any 200, and no port stays taken.
 */
import assert from "node:assert/strict";
import { FakeTimers } from "./timers.ts";
import { SiprecCore, type SiprecOptions } from "./srs_core.ts";
import { parseSipMessage, serializeSipMessage, type SipResponse } from "./message.ts";
import { buildSiprecInvite, type SiprecOfferOptions } from "./siprec_offer.ts";
import { TrackedPorts } from "./sip_test_util.ts";

const FROM = { transport: "udp" as const, hostname: "127.0.0.1", port: 5070 };

function offer(streams: number): SiprecOfferOptions {
  const labels = Array.from({ length: streams }, (_, i) => `s${i}`);
  return {
    host: "127.0.0.1",
    streams: labels.map((label, i) => ({ label, port: 10000 + 2 * i })),
    participants: [{ aor: "sip:alice@x", sends: labels, receives: [] }],
    sessionId: "S1",
  };
}

function harness(extra: Partial<SiprecOptions>) {
  const sent: SipResponse[] = [];
  const events: string[] = [];
  const alloc = new TrackedPorts(20000);
  const core = new SiprecCore({
    host: "127.0.0.1",
    udpPort: 5060,
    tcpPort: 5060,
    ports: alloc,
    maxSessions: 10,
    timers: new FakeTimers(),
    ...extra,
  }, (bytes) => {
    const m = parseSipMessage(bytes);
    if (m.kind === "response") sent.push(m);
  });
  core.sessions.events.on("session-started", () => events.push("started"));
  core.sessions.events.on("session-ended", (e) => events.push(`ended:${e.reason}`));
  const send = (streams: number, callId = "c1") =>
    core.receive(
      serializeSipMessage(buildSiprecInvite(offer(streams), {
        srs: "127.0.0.1:5060",
        src: "127.0.0.1:5070",
        transport: "udp",
        callId,
        fromTag: "ft",
        cseq: 1,
      })),
      FROM,
    );
  const final = () => sent.filter((r) => r.status >= 200);
  return { core, send, final, events, held: alloc.held, allocations: () => alloc.allocations };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

Deno.test("SiprecCore refuses a 499-m-line INVITE with 488 naming the limit, taking no port", async () => {
  // The offer with its metadata is larger than the default 64 KiB message limit.
  const h = harness({ maxStreamsPerSession: 4, maxMessageBytes: 1 << 20 });
  h.send(499);
  await flush();
  const [res] = h.final();
  assert.equal(res.status, 488);
  assert.match(res.headers.get("Warning") ?? "", /499 offered, at most 4 per session/);
  assert.match(res.headers.get("Warning") ?? "", /sip\.maxStreamsPerSession/);
  assert.equal(h.allocations(), 0);
  assert.deepEqual(h.events, []);
  assert.equal(h.core.sessions.size, 0);
  h.core.close();
});

Deno.test("SiprecCore accepts an offer at the stream limit", async () => {
  const h = harness({ maxStreamsPerSession: 4 });
  h.send(4);
  await flush();
  assert.equal(h.final()[0].status, 200);
  assert.equal(h.held.size, 4);
  h.core.close();
});

Deno.test("SiprecCore answers 503 with Retry-After when prepare fails, and frees the ports", async () => {
  const h = harness({
    retryAfter: 7,
    prepare: () => Promise.reject(new Error("Cannot bind RTP ports 20000/20001")),
  });
  h.send(2);
  await flush();
  await flush();
  const finals = h.final();
  assert.deepEqual(finals.map((r) => r.status), [503]);
  assert.equal(finals[0].headers.get("Retry-After"), "7");
  assert.equal(h.allocations(), 2);
  assert.equal(h.held.size, 0, "ports released");
  assert.deepEqual(h.events, ["started", "ended:error"]);
  assert.equal(h.core.sessions.size, 0);
  h.core.close();
});
