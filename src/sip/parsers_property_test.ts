/**
 * Property tests: any input either parses or throws SipParseError — never another
 * error, never a hang — and what parses serializes back to an equivalent value.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseSipMessage, serializeSipMessage, SipParseError } from "./message.ts";
import { parseSdp, serializeSdp } from "./sdp.ts";
import { parseMetadata } from "./metadata.ts";
import { buildSiprecMetadata, buildSiprecSdp } from "./siprec_offer.ts";
import { SipStreamFramer } from "./stream_framer.ts";
import { extractSiprecBody } from "./multipart.ts";
import { SiprecCore } from "./srs_core.ts";
import { FakeTimers } from "./timers.ts";
import type { PeerAddress } from "./dialog.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const RUNS = { numRuns: 400, seed: 7366 };

function onlyParseErrors(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof SipParseError)) throw error;
  }
  return true;
}

const SIP_SAMPLE =
  "INVITE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:x@y>;tag=1\r\n" +
  "t: <sip:a@b>\r\ni: c\r\nCSeq: 1 INVITE\r\nSubject: a\r\n folded\r\nl: 3\r\n\r\nabc";

/** Strings built from SIP-ish fragments, so mutations reach deep parser paths. */
const sipish = fc.array(
  fc.oneof(
    fc.constantFrom(
      "INVITE ",
      "SIP/2.0",
      " ",
      "\r\n",
      "\n",
      ":",
      ";",
      ",",
      "<",
      ">",
      '"',
      "Via",
      "l",
      "Content-Length",
      "99999999999",
      "-1",
      "sip:",
      "@",
      "\t",
    ),
    fc.string({ maxLength: 8 }),
  ),
  { maxLength: 40 },
).map((xs) => xs.join(""));

Deno.test("parseSipMessage() throws only SipParseError on arbitrary bytes", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      (b) => onlyParseErrors(() => parseSipMessage(b)),
    ),
    RUNS,
  );
  fc.assert(fc.property(sipish, (s) => onlyParseErrors(() => parseSipMessage(enc(s)))), RUNS);
  fc.assert(
    fc.property(
      fc.nat(SIP_SAMPLE.length),
      fc.string({ maxLength: 5 }),
      (at, ins) =>
        onlyParseErrors(() =>
          parseSipMessage(enc(SIP_SAMPLE.slice(0, at) + ins + SIP_SAMPLE.slice(at)))
        ),
    ),
    RUNS,
  );
});

Deno.test("parseSipMessage() of a serialized parse gives the same message", () => {
  fc.assert(
    fc.property(fc.nat(SIP_SAMPLE.length), fc.string({ maxLength: 5 }), (at, ins) => {
      let m;
      try {
        m = parseSipMessage(enc(SIP_SAMPLE.slice(0, at) + ins + SIP_SAMPLE.slice(at)));
      } catch (error) {
        if (error instanceof SipParseError) return true;
        throw error;
      }
      const again = parseSipMessage(serializeSipMessage(m));
      assert.deepEqual({
        ...again,
        headers: [...again.headers].filter(([n]) => n !== "Content-Length"),
      }, {
        ...m,
        headers: [...m.headers].filter(([n]) => n !== "Content-Length"),
      });
      return true;
    }),
    RUNS,
  );
});

Deno.test("SipStreamFramer and extractSiprecBody() never throw on arbitrary input", () => {
  fc.assert(
    fc.property(fc.array(sipish, { maxLength: 5 }), (chunks) => {
      const f = new SipStreamFramer(2000);
      for (const c of chunks) f.push(enc(c));
      return true;
    }),
    RUNS,
  );
  fc.assert(
    fc.property(
      fc.string({ maxLength: 30 }),
      sipish,
      (ct, body) =>
        onlyParseErrors(() => extractSiprecBody("multipart/mixed;boundary=" + ct, body)),
    ),
    RUNS,
  );
});

/** Each mandatory header valid, broken, forged or absent, plus fuzzed extra lines. */
const requestHeads = fc.record({
  method: fc.constantFrom("INVITE", "OPTIONS", "BYE", "ACK", "CANCEL", "INFO"),
  branch: fc.nat(),
  via: fc.constantFrom("ok", "Via: ,", "Via:", "forged", "v6", ""),
  from: fc.constantFrom("From: <sip:a@b>;tag=1", "From: <sip:a@b;tag=1", "From: ", ""),
  to: fc.constantFrom("To: <sip:srs@x>", "To: <sip:srs@x", "To:", ""),
  callId: fc.constantFrom("Call-ID: p1", "Call-ID:", ""),
  cseq: fc.constantFrom("ok", "CSeq: x", "CSeq: 1 OTHER", ""),
  extra: fc.array(sipish.map((v) => `X-Fuzz: ${v.replace(/[\r\n]/g, " ")}`), { maxLength: 2 }),
}).map((r) => {
  const branch = `z9hG4bK${r.branch}`;
  const vias: Record<string, string> = {
    ok: `Via: SIP/2.0/UDP 192.0.2.9:5070;branch=${branch}`,
    forged: `Via: SIP/2.0/UDP 192.0.2.9:5070;branch=${branch};received=198.51.100.1;rport=7`,
    v6: `Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=${branch};rport`,
  };
  const cseq = r.cseq === "ok" ? `CSeq: 1 ${r.method}` : r.cseq;
  const lines = [vias[r.via] ?? r.via, r.from, r.to, r.callId, cseq, ...r.extra];
  const head = lines.filter((l) => l !== "").join("\r\n");
  return `${r.method} sip:srs@192.0.2.1 SIP/2.0\r\n${head}\r\n\r\n`;
});

Deno.test("SiprecCore.receive() never throws, logs no error and answers only the real source, whatever the headers", () => {
  const from: PeerAddress = { transport: "udp", hostname: "192.0.2.9", port: 5070 };
  const errors: string[] = [];
  const misdirected: PeerAddress[] = [];
  const log = {
    debug() {},
    info() {},
    warn() {},
    error: (m: string) => void errors.push(m),
    child: () => log,
  };
  const core = new SiprecCore({
    host: "192.0.2.1",
    udpPort: 5060,
    tcpPort: 5060,
    ports: { allocate: () => null, release() {} },
    maxSessions: 10,
    timers: new FakeTimers(),
    log,
  }, (_bytes, to) => {
    if (to.hostname !== from.hostname || to.port !== from.port) misdirected.push(to);
  });
  fc.assert(
    fc.property(requestHeads, (text) => {
      core.receive(enc(text), from);
      return errors.length === 0 && misdirected.length === 0;
    }),
    RUNS,
  );
  core.close();
});

const SDP_SAMPLE = buildSiprecSdp({
  host: "192.0.2.1",
  streams: [{ label: "1", port: 1000 }, { label: "2", port: 1002, codec: "opus" }],
  participants: [],
});

Deno.test("parseSdp() throws only SipParseError, and round-trips what it parses", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => onlyParseErrors(() => parseSdp(s))),
    RUNS,
  );
  fc.assert(
    fc.property(fc.nat(SDP_SAMPLE.length), fc.string({ maxLength: 6 }), (at, ins) => {
      let sdp;
      try {
        sdp = parseSdp(SDP_SAMPLE.slice(0, at) + ins + SDP_SAMPLE.slice(at));
      } catch (error) {
        if (error instanceof SipParseError) return true;
        throw error;
      }
      const once = serializeSdp(sdp);
      assert.equal(serializeSdp(parseSdp(once)), once);
      return true;
    }),
    RUNS,
  );
});

const label = fc.stringMatching(/^[A-Za-z0-9]{1,6}$/);
const text = fc.string({ maxLength: 12 }).filter((s) =>
  s.trim() === s && [...s].every((c) => c >= " " && c <= "~")
);

Deno.test("parseMetadata() throws only SipParseError on arbitrary text", () => {
  const xmlish = fc.array(
    fc.oneof(
      fc.constantFrom(
        "<",
        ">",
        "/",
        "recording",
        "participant",
        "=",
        '"',
        "&amp;",
        "&#x0;",
        "<!DOCTYPE",
        "<![CDATA[",
        "]]>",
        "xmlns:a=",
        " ",
      ),
      fc.string({ maxLength: 5 }),
    ),
    { maxLength: 30 },
  ).map((x) => x.join(""));
  fc.assert(fc.property(xmlish, (s) => onlyParseErrors(() => parseMetadata(s))), RUNS);
  fc.assert(
    fc.property(fc.string({ maxLength: 100 }), (s) => onlyParseErrors(() => parseMetadata(s))),
    RUNS,
  );
});

Deno.test("parseMetadata() reads back what buildSiprecMetadata() wrote", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(label, { minLength: 1, maxLength: 4 }),
      text,
      fc.dictionary(label, text, { maxKeys: 3 }),
      (labels, name, extensions) => {
        const m = parseMetadata(buildSiprecMetadata({
          host: "h",
          streams: labels.map((l, i) => ({ label: l, port: 1000 + 2 * i })),
          participants: [{
            aor: "sip:a@b",
            name: name || undefined,
            sends: [labels[0]],
            receives: labels.slice(1),
          }],
          extensions,
        }));
        assert.deepEqual(m.streams.map((s) => s.label), labels);
        assert.equal(m.participants[0].name, name || null);
        assert.deepEqual(m.participants[0].receives, labels.slice(1).map((l) => `s-${l}`));
        for (const [k, v] of Object.entries(extensions)) assert.equal(m.extensions[k], v);
        return true;
      },
    ),
    { numRuns: 200, seed: 42 },
  );
});
