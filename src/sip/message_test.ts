import assert from "node:assert/strict";
import {
  parseSipMessage,
  serializeSipMessage,
  sipMessageToString,
  SipParseError,
} from "./message.ts";
import { parseCSeq, parseNameAddr, parseVia } from "./address.ts";

const enc = (s: string) => new TextEncoder().encode(s);

const INVITE = [
  "INVITE sip:srs@10.0.0.1 SIP/2.0",
  "v: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK2",
  'f: "Alice, A." <sip:alice@a.example>;tag=1',
  "t: <sip:srs@10.0.0.1>",
  "i: abc@10.0.0.2",
  "CSeq: 1 INVITE",
  "m: <sip:src@10.0.0.2>;+sip.src",
  "Subject: a folded",
  "  subject line",
  "c: application/sdp",
  "l: 4",
  "",
  "body",
].join("\r\n");

Deno.test("parseSipMessage() expands compact forms and looks headers up case-insensitively (RFC 3261 §7.3.3)", () => {
  const m = parseSipMessage(enc(INVITE));
  assert.equal(m.kind, "request");
  assert.equal(m.headers.get("call-id"), "abc@10.0.0.2");
  assert.equal(m.headers.get("CONTENT-TYPE"), "application/sdp");
  assert.equal(m.headers.get("i"), "abc@10.0.0.2");
  assert.equal(m.body, "body");
});

Deno.test("parseSipMessage() joins folded header lines with one space (RFC 3261 §7.3.1)", () => {
  assert.equal(parseSipMessage(enc(INVITE)).headers.get("Subject"), "a folded subject line");
});

Deno.test("SipHeaders.getAll() splits comma lists but not inside quotes (RFC 3261 §7.3.1)", () => {
  const m = parseSipMessage(enc(INVITE));
  assert.equal(m.headers.getAll("Via").length, 2);
  assert.equal(parseVia(m.headers.getAll("Via")[1]).host, "10.0.0.3");
  assert.equal(parseNameAddr(m.headers.get("From")!).display, "Alice, A.");
  assert.equal(m.headers.getAll("From").length, 1);
});

Deno.test("parseSipMessage() reads a status line", () => {
  const m = parseSipMessage(enc("SIP/2.0 180 Ringing\r\nCSeq: 1 INVITE\r\n\r\n"));
  assert.equal(m.kind, "response");
  if (m.kind === "response") assert.deepEqual([m.status, m.reason], [180, "Ringing"]);
});

Deno.test("parseSipMessage() accepts bare LF line ends and leading CRLFs", () => {
  const m = parseSipMessage(enc("\r\nOPTIONS sip:x@y SIP/2.0\nCSeq: 2 OPTIONS\n\n"));
  assert.equal(m.kind === "request" && m.method, "OPTIONS");
});

Deno.test("parseSipMessage() rejects an empty method, bad version and a header without colon", () => {
  assert.throws(() => parseSipMessage(enc(" sip:x SIP/2.0\r\n\r\n")), SipParseError);
  assert.throws(() => parseSipMessage(enc("INVITE sip:x SIP/3.0\r\n\r\n")), /version/);
  assert.throws(
    () => parseSipMessage(enc("INVITE sip:x@y SIP/2.0\r\nCall-ID: 1\r\nbroken\r\n\r\n")),
    (error) => {
      assert.ok(error instanceof SipParseError && error instanceof SyntaxError);
      assert.equal(error.status, 400);
      assert.equal(error.headers?.get("Call-ID"), "1", "headers read so far address a 400");
      return true;
    },
  );
});

Deno.test("parseSipMessage() rejects a Content-Length longer than the body (RFC 3261 §18.3)", () => {
  assert.throws(
    () => parseSipMessage(enc("MESSAGE sip:x@y SIP/2.0\r\nContent-Length: 10\r\n\r\nabc")),
    /Content-Length "10"/,
  );
});

Deno.test("parseSipMessage() flags a message over the size limit with status 513 (RFC 3261 §21.5.14)", () => {
  const big = enc(
    "MESSAGE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\r\n" + "x".repeat(2000),
  );
  try {
    parseSipMessage(big, 1000);
    assert.fail("expected an error");
  } catch (error) {
    assert.ok(error instanceof SipParseError);
    assert.equal(error.status, 513);
    assert.ok(error.headers?.has("Via"));
  }
});

Deno.test("serializeSipMessage() recomputes Content-Length in bytes and round-trips", () => {
  const m = parseSipMessage(enc(INVITE));
  m.body = "é";
  const text = sipMessageToString(m);
  assert.match(text, /Content-Length: 2\r\n\r\né$/);
  const again = parseSipMessage(serializeSipMessage(m));
  assert.deepEqual(
    [...again.headers],
    [...m.headers].filter(([n]) => n !== "Content-Length").concat([["Content-Length", "2"]]),
  );
});

Deno.test("parseCSeq() and parseVia() read RFC 3261 §20.16 and §20.42 values", () => {
  assert.deepEqual(parseCSeq("  42 invite "), { seq: 42, method: "INVITE" });
  assert.throws(() => parseCSeq("4294967296 INVITE"), SipParseError);
  const v = parseVia("SIP/2.0/TCP [::1]:5061;branch=z9hG4bKa;rport");
  assert.deepEqual([v.transport, v.host, v.port, v.params.get("rport")], ["TCP", "::1", 5061, ""]);
});
