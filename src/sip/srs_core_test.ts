import assert from "node:assert/strict";
import { FakeTimers, T1 } from "./timers.ts";
import { SiprecCore, type SiprecOptions } from "./srs_core.ts";
import {
  parseSipMessage,
  serializeSipMessage,
  type SipRequest,
  type SipResponse,
} from "./message.ts";
import { buildSiprecInvite, buildSiprecSdp, type SiprecOfferOptions } from "./siprec_offer.ts";
import type { SiprecEventMap } from "./session.ts";
import { SipHeaders } from "./headers.ts";
import { TIMER_L } from "./transaction.ts";
import { TrackedPorts } from "./sip_test_util.ts";

const FROM = { transport: "udp" as const, hostname: "127.0.0.1", port: 5070 };
const OFFER: SiprecOfferOptions = {
  host: "127.0.0.1",
  streams: [{ label: "a", port: 10000 }, { label: "b", port: 10002, codec: "PCMA" }],
  participants: [
    { aor: "sip:alice@x", name: "Alice", sends: ["a"], receives: ["b"] },
    { aor: "sip:bob@x", sends: ["b"], receives: ["a"] },
  ],
  sessionId: "S1",
  extensions: { UCID: "u-1" },
};

function harness(extra: Partial<SiprecOptions> = {}) {
  const timers = new FakeTimers();
  const sent: (SipRequest | SipResponse)[] = [];
  const events: { type: string; detail: unknown }[] = [];
  const alloc = new TrackedPorts(20000);
  const ports = alloc.held;
  const core = new SiprecCore({
    host: "127.0.0.1",
    udpPort: 5060,
    tcpPort: 5060,
    ports: alloc,
    maxSessions: 2,
    timers,
    ...extra,
  }, (bytes) => sent.push(parseSipMessage(bytes)));
  for (
    const t of [
      "session-started",
      "session-updated",
      "session-paused",
      "session-resumed",
      "session-ended",
    ] as const
  ) {
    core.sessions.events.on(t, (detail) => events.push({ type: t, detail }));
  }
  const send = (m: SipRequest) => core.receive(serializeSipMessage(m), FROM);
  const responses = () => sent.filter((m): m is SipResponse => m.kind === "response");
  return { core, timers, sent, events, ports, send, responses };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function invite(callId = "c1", cseq = 1) {
  return buildSiprecInvite(OFFER, {
    srs: "127.0.0.1:5060",
    src: "127.0.0.1:5070",
    transport: "udp",
    callId,
    fromTag: "ft",
    cseq,
  });
}

function inDialog(
  method: string,
  ok: SipResponse,
  cseq: number,
  body?: { type: string; text: string },
): SipRequest {
  const headers = new SipHeaders([
    ["Via", `SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${method}${cseq};rport`],
    ["From", ok.headers.get("From")!],
    ["To", ok.headers.get("To")!],
    ["Call-ID", ok.headers.get("Call-ID")!],
    ["CSeq", `${cseq} ${method}`],
  ]);
  if (body) headers.append("Content-Type", body.type);
  return {
    kind: "request",
    method,
    uri: "sip:selrec@127.0.0.1:5060",
    headers,
    body: body?.text ?? "",
  };
}

async function answered(h: ReturnType<typeof harness>, callId = "c1") {
  h.send(invite(callId));
  await flush();
  const ok = h.responses().find((r) => r.status === 200 && r.headers.get("Call-ID") === callId)!;
  h.send(inDialog("ACK", ok, 1));
  return ok;
}

Deno.test("SiprecCore answers a SIPREC INVITE with 100, then 200 with plain recvonly SDP and +sip.srs (RFC 7866 §6.1.1)", async () => {
  const h = harness();
  const ok = await answered(h);
  assert.deepEqual(h.responses().map((r) => r.status), [100, 200]);
  assert.equal(ok.headers.get("Content-Type"), "application/sdp");
  assert.match(ok.headers.get("Contact")!, /\+sip\.srs/);
  assert.match(ok.headers.get("To")!, /;tag=/);
  assert.match(ok.body, /a=label:a[\s\S]*a=recvonly[\s\S]*a=label:b/);
  const started = h.events[0].detail as SiprecEventMap["session-started"];
  assert.equal(started.session.metadata.UCID, "u-1");
  assert.deepEqual(started.session.streams.map((s) => [s.label, s.codec.name, s.participantIds]), [
    ["a", "PCMU", ["p1"]],
    ["b", "PCMA", ["p2"]],
  ]);
});

Deno.test("SiprecCore retransmits the 2xx until ACK and ends the session when none comes (RFC 3261 §13.3.1.4)", async () => {
  const h = harness();
  h.send(invite());
  await flush();
  h.timers.advance(T1);
  assert.equal(h.responses().filter((r) => r.status === 200).length, 2);
  h.timers.advance(TIMER_L);
  assert.ok(h.sent.some((m) => m.kind === "request" && m.method === "BYE"), "BYE sent");
  const ended = h.events.at(-1)!.detail as SiprecEventMap["session-ended"];
  assert.equal(ended.reason, "timeout");
  assert.equal(h.ports.size, 0);
});

Deno.test("SiprecCore absorbs a retransmitted INVITE without a second session (RFC 3261 §17.2.1)", async () => {
  const h = harness();
  const inv = invite();
  h.send(inv);
  h.send(inv);
  await flush();
  assert.equal(h.events.filter((e) => e.type === "session-started").length, 1);
  assert.equal(h.core.stats().retransmissions, 1);
});

Deno.test("SiprecCore re-INVITE a=inactive pauses, sendonly resumes; metadata-only update reports the transfer", async () => {
  const h = harness();
  const ok = await answered(h);
  const paused = buildSiprecSdp({
    ...OFFER,
    sdpVersion: 2,
    streams: OFFER.streams.map((s) => ({ ...s, direction: "inactive" })),
  });
  h.send(inDialog("INVITE", ok, 2, { type: "application/sdp", text: paused }));
  const ok2 = h.responses().at(-1)!;
  assert.equal(ok2.status, 200);
  assert.match(ok2.body, /o=selrec \d+ 2 IN/);
  h.send(inDialog("ACK", ok, 2));
  h.send(
    inDialog("INVITE", ok, 3, {
      type: "application/sdp",
      text: buildSiprecSdp({ ...OFFER, sdpVersion: 3 }),
    }),
  );
  h.send(inDialog("ACK", ok, 3));
  const partial =
    `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>partial</datamode>
    <participant participant_id="p2"><nameID aor="sip:carol@x"><name>Carol</name></nameID></participant></recording>`;
  h.send(inDialog("UPDATE", ok, 4, { type: "application/rs-metadata+xml", text: partial }));
  assert.equal(h.responses().at(-1)!.status, 200);
  assert.deepEqual(h.events.map((e) => e.type), [
    "session-started",
    "session-paused",
    "session-resumed",
    "session-updated",
  ]);
  const upd = h.events[3].detail as SiprecEventMap["session-updated"];
  assert.equal(upd.changes.participants, true);
  assert.equal(upd.session.participants[1].aor, "sip:carol@x");
  assert.deepEqual(upd.session.participants[1].sends, ["b"]);
});

Deno.test("SiprecCore: re-INVITE before the ACK gets 491, an old CSeq 500 (RFC 3261 §14.2, §12.2.2)", async () => {
  const h = harness();
  h.send(invite());
  await flush();
  const ok = h.responses().find((r) => r.status === 200)!;
  h.send(
    inDialog("INVITE", ok, 2, {
      type: "application/sdp",
      text: buildSiprecSdp({ ...OFFER, sdpVersion: 2 }),
    }),
  );
  assert.equal(h.responses().at(-1)!.status, 491);
  h.send(inDialog("ACK", ok, 1));
  h.send(inDialog("INFO", ok, 1));
  assert.equal(h.responses().at(-1)!.status, 500);
});

Deno.test("SiprecCore refuses RTP/SAVP with 488 and a Warning", async () => {
  const h = harness();
  const inv = buildSiprecInvite({
    ...OFFER,
    streams: [{ label: "a", port: 10000, proto: "RTP/SAVP" }],
  }, {
    srs: "127.0.0.1:5060",
    src: "127.0.0.1:5070",
    transport: "udp",
    callId: "srtp",
    fromTag: "x",
  });
  h.send(inv);
  await flush();
  const r = h.responses().at(-1)!;
  assert.equal(r.status, 488);
  assert.match(r.headers.get("Warning")!, /^399 127\.0\.0\.1 ".*RTP\/SAVP/);
  assert.equal(h.events.length, 0);
});

Deno.test("SiprecCore answers 503 with Retry-After at capacity and while draining, for INVITE and OPTIONS", async () => {
  const h = harness();
  await answered(h, "c1");
  await answered(h, "c2");
  h.send(invite("c3"));
  await flush();
  assert.equal(h.responses().at(-1)!.status, 503);
  assert.equal(h.responses().at(-1)!.headers.get("Retry-After"), "30");
  const h2 = harness({
    admit: () => ({ ok: false, status: 503, retryAfter: 120, reason: "Storage critical" }),
  });
  const options = inDialog("OPTIONS", h.responses()[0], 1);
  options.headers.set("To", "<sip:srs@x>");
  h2.send(options);
  assert.deepEqual([h2.responses()[0].status, h2.responses()[0].headers.get("Retry-After")], [
    503,
    "120",
  ]);
  const h3 = harness();
  h3.send(options);
  assert.equal(h3.responses()[0].status, 200);
  assert.match(h3.responses()[0].headers.get("Allow")!, /UPDATE/);
  h3.core.drain();
  h3.send({ ...options, headers: options.headers.clone() });
  assert.equal(h3.responses()[1].status, 200, "a retransmission gets the stored 200 (§17.2.2)");
  const fresh = { ...options, headers: options.headers.clone() };
  fresh.headers.replaceFirst("Via", "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKnew");
  h3.send(fresh);
  assert.equal(h3.responses()[2].status, 503);
});

Deno.test("SiprecCore answers unknown methods 405 with Allow and malformed requests 400", () => {
  const h = harness();
  const msg = inDialog(
    "REGISTER",
    h.responses()[0] ??
      {
        headers: new SipHeaders([["From", "<sip:a@b>;tag=1"], ["To", "<sip:b@c>"], [
          "Call-ID",
          "r",
        ]]),
      } as SipResponse,
    1,
  );
  h.send(msg);
  assert.equal(h.responses()[0].status, 405);
  assert.match(h.responses()[0].headers.get("Allow")!, /INVITE/);
  h.core.receive(
    new TextEncoder().encode(
      "INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKm\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: m\r\nCSeq: 1 INVITE\r\nbroken line\r\n\r\n",
    ),
    FROM,
  );
  assert.equal(h.responses()[1].status, 400);
  h.core.receive(new TextEncoder().encode("\x00\x01garbage"), FROM);
  assert.equal(h.responses().length, 2, "unaddressable input is dropped");
  assert.equal(h.core.stats().malformed, 2);
});

Deno.test("SiprecCore: decide record=false answers every stream inactive", async () => {
  const h = harness({ decide: () => Promise.resolve({ record: false }) });
  h.send(invite());
  await flush();
  const ok = h.responses().find((r) => r.status === 200)!;
  assert.equal((ok.body.match(/a=inactive/g) ?? []).length, 2);
  assert.equal((h.events[0].detail as SiprecEventMap["session-started"]).session.record, false);
});
