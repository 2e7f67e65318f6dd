import assert from "node:assert/strict";
import { SipStreamFramer } from "./stream_framer.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const MSG = (body: string) =>
  `MESSAGE sip:a@b SIP/2.0\r\nCSeq: 1 MESSAGE\r\nl: ${enc(body).length}\r\n\r\n${body}`;

Deno.test("SipStreamFramer frames messages split across reads (RFC 3261 §18.3)", () => {
  const f = new SipStreamFramer();
  const whole = enc(MSG("hello"));
  assert.deepEqual(f.push(whole.subarray(0, 10)), []);
  assert.deepEqual(f.push(whole.subarray(10, whole.length - 2)), []);
  const items = f.push(whole.subarray(whole.length - 2));
  assert.equal(items.length, 1);
  assert.equal(items[0].kind === "message" && dec(items[0].bytes), MSG("hello"));
  assert.equal(f.buffered, 0);
});

Deno.test("SipStreamFramer returns several messages from one read, skipping CRLF keep-alives (RFC 5626 §3.5.1)", () => {
  const f = new SipStreamFramer();
  const items = f.push(enc(MSG("a") + "\r\n\r\n" + MSG("bb") + MSG("")));
  assert.deepEqual(items.map((i) => i.kind), ["message", "keepalive", "message", "message"]);
});

Deno.test("SipStreamFramer reports a ping split across reads once", () => {
  const f = new SipStreamFramer();
  assert.deepEqual(f.push(enc("\r\n")), []);
  assert.deepEqual(f.push(enc("\r\n")).map((i) => i.kind), ["keepalive"]);
});

Deno.test("SipStreamFramer fails a stream without Content-Length, then ignores it", () => {
  const f = new SipStreamFramer();
  const items = f.push(
    enc("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n"),
  );
  assert.equal(items[0].kind, "error");
  if (items[0].kind === "error") assert.ok(items[0].error.headers?.has("Via"));
  assert.deepEqual(f.push(enc(MSG("x"))), []);
});

Deno.test("SipStreamFramer answers a too large Content-Length with status 513", () => {
  const f = new SipStreamFramer(100);
  const items = f.push(enc("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n"));
  assert.equal(items[0].kind === "error" && items[0].error.status, 513);
});
