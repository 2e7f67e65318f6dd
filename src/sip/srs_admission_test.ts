/**
 * SiprecCore admission and hygiene: responses go to the real source whatever the Via
 * says, `allowFrom` drops unlisted sources, new INVITEs are rate limited per source,
 * malformed requests get 400 when they can be addressed and are logged once a minute,
 * and an INVITE that never completes gives its RTP ports back.
 */
import assert from "node:assert/strict";
import type { Logger } from "../log.ts";
import type { PeerAddress } from "./dialog.ts";
import { parseSipMessage, serializeSipMessage, type SipMessage } from "./message.ts";
import { SiprecCore, type SiprecOptions } from "./srs_core.ts";
import { buildSiprecInvite } from "./siprec_offer.ts";
import { FakeTimers } from "./timers.ts";
import { TIMER_H, TIMER_L } from "./transaction.ts";
import { TrackedPorts } from "./sip_test_util.ts";

const SRC: PeerAddress = { transport: "udp", hostname: "192.0.2.10", port: 5070 };
const enc = (s: string) => new TextEncoder().encode(s);

function harness(extra: Partial<SiprecOptions> = {}) {
  const timers = new FakeTimers();
  const out: { msg: SipMessage; to: PeerAddress }[] = [];
  const lines: { level: string; msg: string }[] = [];
  const log: Logger = {
    debug: (msg) => lines.push({ level: "debug", msg }),
    info: (msg) => lines.push({ level: "info", msg }),
    warn: (msg) => lines.push({ level: "warn", msg }),
    error: (msg) => lines.push({ level: "error", msg }),
    child: () => log,
  };
  const alloc = new TrackedPorts(30000);
  const ports = alloc.held;
  const core = new SiprecCore({
    host: "192.0.2.1",
    udpPort: 5060,
    tcpPort: 5060,
    ports: alloc,
    maxSessions: 100,
    timers,
    log,
    ...extra,
  }, (bytes, to) => out.push({ msg: parseSipMessage(bytes), to }));
  const statuses = () => out.flatMap((o) => (o.msg.kind === "response" ? [o.msg.status] : []));
  return { core, timers, out, lines, ports, statuses };
}

function invite(callId: string, via = `SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK${callId}`) {
  const req = buildSiprecInvite({
    host: "192.0.2.10",
    streams: [{ label: "a", port: 10000 }, { label: "b", port: 10002 }],
    participants: [{ aor: "sip:alice@x", sends: ["a"] }, { aor: "sip:bob@x", sends: ["b"] }],
  }, { srs: "192.0.2.1:5060", src: "192.0.2.10:5070", transport: "udp", callId, fromTag: "f" });
  req.headers.set("Via", via);
  return serializeSipMessage(req);
}

const flush = () => new Promise((r) => setTimeout(r, 0));

Deno.test("a forged received/rport in the top Via is replaced; responses go to the real source (RFC 3261 §18.2.1, RFC 3581)", async () => {
  const h = harness();
  h.core.receive(
    invite("forged", "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKf;received=198.51.100.66;rport=9"),
    SRC,
  );
  await flush();
  assert.deepEqual(h.statuses(), [100, 200]);
  for (const { msg, to } of h.out) {
    assert.deepEqual(to, SRC);
    const via = msg.headers.getAll("Via")[0];
    assert.match(via, /;received=192\.0\.2\.10/);
    assert.match(via, /;rport=5070/);
    assert.doesNotMatch(via, /198\.51\.100\.66|rport=9\b/);
  }
  const noRport = harness();
  noRport.core.receive(
    invite("x", "SIP/2.0/UDP 203.0.113.5:7000;branch=z9hG4bKx;received=203.0.113.5"),
    SRC,
  );
  assert.deepEqual(noRport.out[0].to, SRC, "no rport: still the real address and port");
  assert.match(noRport.out[0].msg.headers.get("Via")!, /;received=192\.0\.2\.10$/);
});

Deno.test("allowFrom: an unlisted source gets no answer at all (no reflection) and is counted", () => {
  const h = harness({ allowFrom: ["10.0.0.0/8", "192.0.2.10"] });
  const options = (branch: string) =>
    enc(
      `OPTIONS sip:srs@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK${branch}\r\n` +
        `From: <sip:a@b>;tag=1\r\nTo: <sip:srs@192.0.2.1>\r\nCall-ID: o${branch}\r\nCSeq: 1 OPTIONS\r\n\r\n`,
    );
  for (let i = 0; i < 50; i++) {
    h.core.receive(options(`n${i}`), { ...SRC, hostname: "198.51.100.7" });
  }
  assert.equal(h.out.length, 0);
  assert.equal(h.core.stats().refusedSource, 50);
  assert.equal(h.lines.filter((l) => /allowFrom/.test(l.msg)).length, 1, "one log line a minute");
  h.core.receive(options("ok"), SRC);
  h.core.receive(options("ok2"), { ...SRC, hostname: "10.9.8.7" });
  assert.deepEqual(h.statuses(), [200, 200]);
  assert.ok(!h.core.allowsSource({ ...SRC, hostname: "198.51.100.7" }));
});

Deno.test("new INVITEs over a source's rate get a stateless 503 with Retry-After; retransmissions and other sources are not charged", async () => {
  const h = harness({ invitesPerSecondPerSource: 1, inviteBurstPerSource: 2 });
  h.core.receive(invite("r1"), SRC);
  h.core.receive(invite("r1"), SRC); // retransmission: absorbed by its transaction
  h.core.receive(invite("r2"), SRC);
  h.core.receive(invite("r3"), SRC);
  h.core.receive(invite("o1"), { ...SRC, hostname: "192.0.2.11" });
  await flush();
  const refused = h.out.find((o) => o.msg.kind === "response" && o.msg.status === 503)!;
  assert.equal(refused.msg.headers.get("Call-ID"), "r3");
  assert.equal(refused.msg.headers.get("Retry-After"), "1");
  assert.match(refused.msg.headers.get("To")!, /;tag=/);
  assert.equal(h.core.stats().rateLimited, 1);
  assert.equal(h.core.sessions.size, 3, "r1, r2 and the other source's o1");
  const txs = h.core.stats().transactions;
  h.core.receive(invite("r4"), SRC);
  assert.equal(h.core.stats().transactions, txs, "no transaction kept for a refused INVITE");
  h.timers.advance(1000);
  h.core.receive(invite("r5"), SRC);
  await flush();
  assert.equal(h.core.stats().rateLimited, 2, "r4 refused, r5 admitted after a second");
  assert.equal(h.core.sessions.size, 4);
});

Deno.test("malformed headers: `Via: ,` is dropped without an error log line; missing or broken From/To/Call-ID/CSeq get 400", async () => {
  const h = harness();
  const head = (lines: string[]) =>
    enc(`INVITE sip:srs@192.0.2.1 SIP/2.0\r\n${lines.join("\r\n")}\r\nContent-Length: 0\r\n\r\n`);
  const via = "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKm";
  const all = [via, "From: <sip:a@b>;tag=1", "To: <sip:srs@x>", "Call-ID: m1", "CSeq: 1 INVITE"];
  for (let i = 0; i < 100; i++) h.core.receive(head(["Via: ,", ...all.slice(1)]), SRC);
  assert.equal(h.out.length, 0, "no Via to address a response with");
  assert.equal(h.core.stats().malformed, 100);
  assert.equal(h.lines.filter((l) => l.level === "error").length, 0);
  assert.equal(h.lines.filter((l) => l.msg === "sip message malformed").length, 1);
  for (const missing of ["From", "To", "Call-ID", "CSeq"]) {
    h.out.length = 0;
    h.core.receive(head(all.filter((l) => !l.startsWith(missing))), SRC);
    assert.deepEqual(h.statuses(), [400], `${missing} missing`);
    assert.match(h.out[0].msg.headers.get("Warning")!, new RegExp(`${missing} is missing`));
    assert.deepEqual(h.out[0].to, SRC);
  }
  h.out.length = 0;
  let decided = 0;
  const d = harness({ decide: () => (decided++, Promise.resolve({ record: true })) });
  const bad = new TextDecoder().decode(invite("nogt")).replace(
    /^From: .*$/m,
    "From: <sip:a@b;tag=1",
  );
  d.core.receive(enc(bad.replace(/^Contact: .*\r\n/m, "")), SRC);
  await flush();
  assert.deepEqual(d.statuses(), [400], "From without '>' and no Contact");
  assert.match(d.out[0].msg.headers.get("Warning")!, /From is malformed/);
  assert.equal(decided, 0, "refused before the rules ran");
  h.core.receive(head(["Via: ,", ...all.slice(1)]).map((b) => b), { ...SRC, port: 1 });
  h.core.receive(enc("ACK sip:x SIP/2.0\r\n" + all.slice(1, 4).join("\r\n") + "\r\n\r\n"), SRC);
  assert.equal(h.out.length, 0, "an ACK is never answered");
});

Deno.test("an answered INVITE never ACKed frees its RTP ports at Timer L, not before (RFC 6026 §8.7)", async () => {
  const h = harness();
  h.core.receive(invite("noack"), SRC);
  await flush();
  assert.equal(h.ports.size, 2);
  h.timers.advance(TIMER_L - 1);
  assert.equal(h.ports.size, 2);
  h.timers.advance(1);
  assert.equal(h.ports.size, 0);
  assert.equal(h.core.sessions.size, 0);
  assert.equal(h.core.stats().transactions, 0);
});

Deno.test("a CANCEL while the recorder prepares frees the ports once prepare returns; Timer H leaves nothing held", async () => {
  let release!: () => void;
  const h = harness({ prepare: () => new Promise<void>((r) => release = r) });
  const ended: string[] = [];
  h.core.sessions.events.on("session-ended", (e) => ended.push(e.reason));
  h.core.receive(invite("cx"), SRC);
  await flush();
  assert.equal(h.ports.size, 2, "ports answered and bound, 200 not yet sent");
  h.core.receive(
    enc(
      "CANCEL sip:srs@192.0.2.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKcx\r\n" +
        "From: <sip:src@192.0.2.10>;tag=f\r\nTo: <sip:srs@192.0.2.1:5060>\r\nCall-ID: cx\r\n" +
        "CSeq: 1 CANCEL\r\n\r\n",
    ),
    SRC,
  );
  assert.deepEqual(h.statuses(), [100, 200, 487], "200 to the CANCEL, 487 to the INVITE");
  release();
  await flush();
  assert.equal(h.ports.size, 0);
  assert.deepEqual(ended, ["cancel"]);
  h.timers.advance(TIMER_H);
  assert.equal(h.core.sessions.size, 0);
  assert.equal(h.core.stats().transactions, 0);
});
