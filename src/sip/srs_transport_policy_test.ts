/**
 * SiprecCore and the transport a request came over: TLS sessions answer with a
 * `transport=tls` (or `sips:`) Contact and are reliable (no retransmissions),
 * `tlsRequired` refuses plain SIP with 403 naming the rule (only to allowed sources),
 * and a `sips:` Request-URI that did not arrive over TLS gets 416 (RFC 5630).
 */
import assert from "node:assert/strict";
import type { PeerAddress } from "./dialog.ts";
import { parseSipMessage, serializeSipMessage, type SipMessage } from "./message.ts";
import { SiprecCore, type SiprecOptions } from "./srs_core.ts";
import { buildSiprecInvite } from "./siprec_offer.ts";
import { FakeTimers } from "./timers.ts";

const SRC_HOST = "192.0.2.10";
const at = (transport: PeerAddress["transport"], hostname = SRC_HOST): PeerAddress => ({
  transport,
  hostname,
  port: 40000,
});

function harness(extra: Partial<SiprecOptions> = {}) {
  const timers = new FakeTimers();
  const out: { msg: SipMessage; to: PeerAddress }[] = [];
  let next = 30000;
  const core = new SiprecCore({
    host: "192.0.2.1",
    udpPort: 5060,
    tcpPort: 5060,
    tlsPort: 5061,
    ports: { allocate: () => (next += 2) - 2, release: () => {} },
    maxSessions: 100,
    timers,
    ...extra,
  }, (bytes, to) => out.push({ msg: parseSipMessage(bytes), to }));
  const responses = () => out.flatMap((o) => (o.msg.kind === "response" ? [o.msg] : []));
  return { core, timers, out, responses };
}

function invite(callId: string, transport: PeerAddress["transport"], sips = false): Uint8Array {
  return serializeSipMessage(buildSiprecInvite({
    host: SRC_HOST,
    streams: [{ label: "a", port: 10000 }, { label: "b", port: 10002 }],
    participants: [{ aor: "sip:alice@x", sends: ["a"] }, { aor: "sip:bob@x", sends: ["b"] }],
  }, { srs: "192.0.2.1:5061", src: `${SRC_HOST}:40000`, transport, sips, callId, fromTag: "f" }));
}

const flush = () => new Promise((r) => setTimeout(r, 0));

Deno.test("an INVITE over TLS is answered with a transport=tls Contact on the TLS port, and the session knows its transport", async () => {
  const h = harness();
  h.core.receive(invite("t1", "tls"), at("tls"));
  await flush();
  const ok = h.responses().find((r) => r.status === 200)!;
  assert.equal(ok.headers.get("Contact"), "<sip:selrec@192.0.2.1:5061;transport=tls>;+sip.srs");
  assert.equal(h.core.sessions.list()[0].source.transport, "tls");
  assert.ok(h.out.every((o) => o.to.transport === "tls"), "responses go back over TLS");
});

Deno.test("TLS is a reliable transport: a non-INVITE transaction ends at once (Timer J = 0, RFC 3261 §17.2.2)", () => {
  const options = (t: string) =>
    new TextEncoder().encode(
      `OPTIONS sip:srs@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/${t} ${SRC_HOST}:40000;branch=z9hG4bK${t}\r\n` +
        `From: <sip:a@b>;tag=1\r\nTo: <sip:srs@192.0.2.1>\r\nCall-ID: o${t}\r\nCSeq: 1 OPTIONS\r\n` +
        `Content-Length: 0\r\n\r\n`,
    );
  const tls = harness();
  tls.core.receive(options("TLS"), at("tls"));
  assert.deepEqual(tls.responses().map((r) => r.status), [200]);
  tls.timers.advance(0);
  assert.equal(tls.core.stats().transactions, 0);
  const udp = harness();
  udp.core.receive(options("UDP"), at("udp"));
  udp.timers.advance(0);
  assert.equal(udp.core.stats().transactions, 1, "UDP keeps it for Timer J");
});

Deno.test("a sips: INVITE over TLS gets a sips: Contact (RFC 5630 §4.1)", async () => {
  const h = harness();
  h.core.receive(invite("s1", "tls", true), at("tls"));
  await flush();
  const ok = h.responses().find((r) => r.status === 200)!;
  assert.equal(ok.headers.get("Contact"), "<sips:selrec@192.0.2.1:5061>;+sip.srs");
});

Deno.test("a sips: Request-URI over TCP or UDP is refused with 416 and never starts a session", async () => {
  for (const t of ["tcp", "udp"] as const) {
    const h = harness();
    h.core.receive(invite(`s-${t}`, t, true), at(t));
    await flush();
    assert.deepEqual(h.responses().map((r) => r.status), [416]);
    assert.match(h.responses()[0].reason, /sips: URI over a non-TLS transport/);
    assert.equal(h.core.sessions.size, 0);
    assert.equal(h.core.stats().refusedTransport, 1);
  }
});

Deno.test("tlsRequired: plain SIP over UDP and TCP gets 403 naming sip.tls.required; TLS is served", async () => {
  const h = harness({ tlsRequired: true });
  h.core.receive(invite("u1", "udp"), at("udp"));
  h.core.receive(invite("c1", "tcp"), at("tcp"));
  h.core.receive(invite("t1", "tls"), at("tls"));
  await flush();
  const byCall = (id: string) =>
    h.responses().filter((r) => r.headers.get("Call-ID") === id).map((r) => r.status);
  assert.deepEqual(byCall("u1"), [403]);
  assert.deepEqual(byCall("c1"), [403]);
  assert.deepEqual(byCall("t1"), [100, 200]);
  const refused = h.responses().find((r) => r.status === 403)!;
  assert.equal(refused.reason, "Forbidden (TLS required (sip.tls.required))");
  assert.match(
    refused.headers.get("Warning")!,
    /^399 192\.0\.2\.1 "TLS required \(sip\.tls\.required\)"$/,
  );
  assert.match(refused.headers.get("To")!, /;tag=/);
  assert.equal(h.core.sessions.size, 1);
  assert.equal(h.core.stats().refusedTransport, 2);
});

Deno.test("tlsRequired: a source outside allowFrom gets no 403 (no reflection), an ACK none either", async () => {
  const h = harness({ tlsRequired: true, allowFrom: ["192.0.2.0/24"] });
  h.core.receive(invite("x1", "udp"), at("udp", "198.51.100.7"));
  const ack = new TextEncoder().encode(
    `ACK sip:srs@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP ${SRC_HOST}:40000;branch=z9hG4bKa1\r\n` +
      `From: <sip:a@b>;tag=1\r\nTo: <sip:srs@192.0.2.1>;tag=2\r\nCall-ID: a1\r\nCSeq: 1 ACK\r\n` +
      `Content-Length: 0\r\n\r\n`,
  );
  h.core.receive(ack, at("udp"));
  await flush();
  assert.equal(h.out.length, 0);
  assert.equal(h.core.stats().refusedSource, 1);
});
