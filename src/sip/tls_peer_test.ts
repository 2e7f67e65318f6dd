import assert from "node:assert/strict";
import fc from "fast-check";
import {
  certificateNames,
  formatSubjectAltName,
  parseSubjectAltName,
  peerNameAllowed,
  PeerNameError,
} from "./tls_peer.ts";

Deno.test("certificateNames() takes SAN DNS, IP and sip: URI hosts, and ignores the CN then", () => {
  assert.deepEqual(
    certificateNames(
      "DNS:SBC1.example.net, IP Address:192.0.2.10, URI:sips:sbc.example.net;transport=tls, email:a@b",
      "ignored.example",
    ),
    ["sbc1.example.net", "192.0.2.10", "sbc.example.net"],
  );
});

Deno.test("certificateNames() falls back to the CN only when there is no usable SAN", () => {
  assert.deepEqual(certificateNames(undefined, "SBC2.Example.Net"), ["sbc2.example.net"]);
  assert.deepEqual(certificateNames("email:ops@example.net", "sbc2"), ["sbc2"]);
  assert.deepEqual(certificateNames(undefined, undefined), []);
});

Deno.test("peerNameAllowed() compares exactly, case-insensitively; *. matches one label only", () => {
  assert.ok(peerNameAllowed(["sbc1.example.net"], ["SBC1.example.net"]));
  assert.ok(!peerNameAllowed(["sbc1.example.net.evil.com"], ["sbc1.example.net"]));
  assert.ok(peerNameAllowed(["a.sbc.example.net"], ["*.sbc.example.net"]));
  assert.ok(!peerNameAllowed(["sbc.example.net"], ["*.sbc.example.net"]));
  assert.ok(!peerNameAllowed(["x.a.sbc.example.net"], ["*.sbc.example.net"]));
  assert.ok(peerNameAllowed(["192.0.2.10"], ["192.0.2.10"]));
  assert.ok(!peerNameAllowed([], ["192.0.2.10"]));
});

Deno.test("parseSubjectAltName() reads node's quoted values and rejects garbage", () => {
  assert.deepEqual(parseSubjectAltName('DNS:a, URI:"sip:x, y"'), [
    { type: "DNS", value: "a" },
    { type: "URI", value: "sip:x, y" },
  ]);
  assert.throws(() => parseSubjectAltName("nocolon"), PeerNameError);
  assert.throws(() => parseSubjectAltName('DNS:"open'), PeerNameError);
});

Deno.test("property: parseSubjectAltName() throws only PeerNameError; what parses re-serializes", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (text) => {
      try {
        const names = parseSubjectAltName(text);
        assert.deepEqual(parseSubjectAltName(formatSubjectAltName(names)), names);
      } catch (e) {
        if (!(e instanceof PeerNameError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
  const entry = fc.record({
    type: fc.constantFrom("DNS", "IP Address", "URI"),
    value: fc.string({ minLength: 1, maxLength: 20 }).filter((v) => !v.includes(":")),
  });
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), (raw) => {
      const names = raw.map((n) => ({ ...n }));
      assert.deepEqual(parseSubjectAltName(formatSubjectAltName(names)), names);
    }),
    { numRuns: 1000 },
  );
});
