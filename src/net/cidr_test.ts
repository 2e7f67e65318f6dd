import assert from "node:assert/strict";
import { cidrContains, parseCidr, parseIp, sameIp } from "./cidr.ts";

Deno.test("parseIp() reads IPv4, IPv6, embedded and mapped IPv4, and refuses host names", () => {
  assert.deepEqual([...parseIp("10.1.2.3")!], [10, 1, 2, 3]);
  assert.deepEqual([...parseIp("::ffff:10.1.2.3")!], [10, 1, 2, 3]);
  assert.deepEqual([...parseIp("::ffff:a01:203")!], [10, 1, 2, 3]);
  const v6 = parseIp("2001:db8::1")!;
  assert.equal(v6.length, 16);
  assert.deepEqual([...v6.subarray(0, 4)], [0x20, 0x01, 0x0d, 0xb8]);
  assert.equal(v6[15], 1);
  assert.equal(parseIp("[::1]")![15], 1);
  for (
    const bad of ["sbc.example.com", "10.1.2", "10.1.2.256", "1::2::3", "1:2:3:4:5:6:7:8:9", ""]
  ) {
    assert.equal(parseIp(bad), null, bad);
  }
});

Deno.test("cidrContains() matches prefixes of any length and never mixes families", () => {
  const net = parseCidr("192.0.2.128/25");
  assert.ok(cidrContains(net, parseIp("192.0.2.200")!));
  assert.ok(!cidrContains(net, parseIp("192.0.2.127")!));
  assert.ok(cidrContains(parseCidr("0.0.0.0/0"), parseIp("203.0.113.9")!));
  assert.ok(cidrContains(parseCidr("10.0.0.5"), parseIp("10.0.0.5")!));
  assert.ok(!cidrContains(parseCidr("10.0.0.5"), parseIp("10.0.0.6")!));
  assert.ok(cidrContains(parseCidr("2001:db8::/32"), parseIp("2001:db8:ffff::1")!));
  assert.ok(!cidrContains(parseCidr("2001:db8::/32"), parseIp("10.0.0.1")!));
  assert.ok(cidrContains(parseCidr("10.0.0.0/8"), parseIp("::ffff:10.9.9.9")!));
});

Deno.test("parseIp() takes brackets and a zone, and refuses malformed literals", () => {
  assert.deepEqual([...parseIp("[fe80::1%eth0]")!].slice(0, 2), [0xfe, 0x80]);
  assert.deepEqual([...parseIp("::1")!].slice(14), [0, 1]);
  for (const bad of ["", "1.2.3", "256.1.1.1", "1.2.3.4.5", "1::2::3", "g::1", "sbc.example"]) {
    assert.equal(parseIp(bad), null, bad);
  }
});

Deno.test("parseCidr() names the bad value", () => {
  for (const bad of ["10.0.0.0/33", "10.0.0.0/x", "sbc/24", "10.0.0.0/8/8", "::/129"]) {
    assert.throws(
      () => parseCidr(bad),
      (e: Error) => e instanceof SyntaxError && e.message.includes(bad),
    );
  }
});

Deno.test("sameIp() compares addresses, not spellings", () => {
  assert.ok(sameIp("10.0.0.1", "::ffff:10.0.0.1"));
  assert.ok(sameIp("2001:db8::1", "2001:0db8:0:0:0:0:0:1"));
  assert.ok(!sameIp("10.0.0.1", "10.0.0.2"));
  assert.ok(!sameIp("sbc.example.com", "10.0.0.1"));
});
