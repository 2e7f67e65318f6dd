import assert from "node:assert/strict";
import { serializeSipMessage, SipHeaders, type SipRequest } from "../sip/message.ts";
import { parseSipMessage } from "../sip/message.ts";
import { createResponse } from "../sip/response.ts";
import { FakeTimers, T2 } from "../sip/timers.ts";
import { SipClient, TIMER_B } from "./sip_client.ts";

function request(method: string, branch = "z9hG4bKabc"): SipRequest {
  return {
    kind: "request",
    method,
    uri: "sip:srs@127.0.0.1:5060",
    headers: new SipHeaders([
      ["Via", `SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}`],
      ["From", "<sip:src@127.0.0.1>;tag=f1"],
      ["To", "<sip:srs@127.0.0.1>"],
      ["Call-ID", "c1"],
      ["CSeq", `1 ${method}`],
    ]),
    body: "",
  };
}

function setup(reliable = false) {
  const timers = new FakeTimers();
  const sent: { at: number; text: string }[] = [];
  const dec = new TextDecoder();
  const client = new SipClient({
    reliable,
    timers,
    send: (b) => sent.push({ at: timers.now(), text: dec.decode(b) }),
    onRequest: (req) => req.method === "BYE" ? 200 : 405,
  });
  const reply = (req: SipRequest, status: number) =>
    client.receive(serializeSipMessage(createResponse(req, status, { toTag: "t9" })));
  return { timers, sent, client, reply };
}

Deno.test("SipClient retransmits an INVITE over UDP at T1 doubling until a provisional (RFC 3261 §17.1.1.2)", async () => {
  const { timers, sent, client, reply } = setup();
  const req = request("INVITE");
  const done = client.request(req);
  timers.advance(3600);
  assert.deepEqual(sent.map((s) => s.at), [0, 500, 1500, 3500]);
  reply(req, 100);
  timers.advance(10_000);
  assert.equal(sent.length, 4);
  reply(req, 200);
  assert.equal((await done).status, 200);
  assert.equal(client.stats.retransmissions, 3);
  assert.equal(client.pending, 0);
});

Deno.test("SipClient resolves 408 when Timer B fires with no final response", async () => {
  const { timers, client } = setup();
  const done = client.request(request("INVITE"));
  timers.advance(TIMER_B);
  assert.equal((await done).status, 408);
  assert.equal(client.stats.timeouts, 1);
  assert.equal(timers.pending, 0);
});

Deno.test("SipClient caps non-INVITE retransmissions at T2 (RFC 3261 §17.1.2.2)", async () => {
  const { timers, sent, client, reply } = setup();
  const req = request("BYE");
  const done = client.request(req);
  timers.advance(15_500);
  const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at);
  assert.deepEqual(gaps, [500, 1000, 2000, T2, T2, T2]);
  reply(req, 200);
  assert.equal((await done).status, 200);
});

Deno.test("SipClient sends no retransmissions over TCP", async () => {
  const { timers, sent, client, reply } = setup(true);
  const req = request("INVITE");
  const done = client.request(req);
  timers.advance(10_000);
  assert.equal(sent.length, 1);
  reply(req, 200);
  assert.equal((await done).status, 200);
});

Deno.test("SipClient ACKs a 503 within the transaction and again on its retransmission (§17.1.1.3)", async () => {
  const { sent, client, reply } = setup();
  const req = request("INVITE");
  const done = client.request(req);
  reply(req, 503);
  assert.equal((await done).status, 503);
  reply(req, 503);
  const acks = sent.filter((s) => s.text.startsWith("ACK "));
  assert.equal(acks.length, 2);
  const ack = parseSipMessage(new TextEncoder().encode(acks[0].text));
  assert.equal(ack.headers.get("CSeq"), "1 ACK");
  assert.match(ack.headers.get("Via") ?? "", /branch=z9hG4bKabc/);
  assert.match(ack.headers.get("To") ?? "", /tag=t9/);
});

Deno.test("SipClient re-sends the dialog's ACK when a 2xx is retransmitted (§13.2.2.4)", async () => {
  const { sent, client, reply } = setup();
  const req = request("INVITE");
  const done = client.request(req);
  reply(req, 200);
  await done;
  client.ack(request("ACK", "z9hG4bKack"));
  reply(req, 200);
  assert.equal(sent.filter((s) => s.text.startsWith("ACK ")).length, 2);
  client.forget("c1");
  reply(req, 200);
  assert.equal(client.stats.stray, 1);
});

Deno.test("SipClient answers requests from the SRS and counts unparseable input", () => {
  const { sent, client } = setup();
  client.receive(serializeSipMessage(request("BYE")));
  client.receive(serializeSipMessage(request("INFO")));
  client.receive(new TextEncoder().encode("garbage\r\n\r\n"));
  assert.match(sent[0].text, /^SIP\/2\.0 200 /);
  assert.match(sent[1].text, /^SIP\/2\.0 405 /);
  assert.equal(client.stats.parseErrors, 1);
});
