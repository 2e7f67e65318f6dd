import assert from "node:assert/strict";
import { AddressFilter, OncePer, parseCidr, parseIp, TokenBuckets } from "./admission.ts";

Deno.test("parseIp() reads IPv4, IPv6 (with ::, IPv4 tail, zone, brackets) and unmaps ::ffff:", () => {
  assert.deepEqual([...parseIp("192.0.2.7")!.bytes], [192, 0, 2, 7]);
  assert.equal(parseIp("2001:db8::1")!.family, 6);
  assert.deepEqual([...parseIp("::1")!.bytes].slice(14), [0, 1]);
  assert.deepEqual([...parseIp("[fe80::1%eth0]")!.bytes].slice(0, 2), [0xfe, 0x80]);
  assert.deepEqual(parseIp("::ffff:10.1.2.3"), { family: 4, bytes: new Uint8Array([10, 1, 2, 3]) });
  for (const bad of ["", "1.2.3", "256.1.1.1", "1.2.3.4.5", "1::2::3", "g::1", "sbc.example"]) {
    assert.equal(parseIp(bad), null, bad);
  }
});

Deno.test("parseCidr() names the entry it cannot parse", () => {
  assert.equal(parseCidr("10.0.0.0/8").prefix, 8);
  assert.equal(parseCidr("2001:db8::/32").prefix, 32);
  assert.equal(parseCidr("192.0.2.1").prefix, 32);
  assert.throws(() => parseCidr("10.0.0.0/33"), /prefix of "10\.0\.0\.0\/33" is not 0-32/);
  assert.throws(() => parseCidr("sbc.example"), /Cannot parse address or CIDR: "sbc\.example"/);
  assert.throws(() => parseCidr("10.0.0.0/8/1"), SyntaxError);
});

Deno.test("AddressFilter: empty allows all; otherwise only listed hosts and networks", () => {
  assert.ok(new AddressFilter([]).allows("203.0.113.9"));
  const f = new AddressFilter(["192.0.2.10", "10.0.0.0/8", "2001:db8:1::/48", "172.16.0.0/12"]);
  assert.ok(f.allows("192.0.2.10"));
  assert.ok(!f.allows("192.0.2.11"));
  assert.ok(f.allows("10.255.1.2"));
  assert.ok(f.allows("::ffff:10.0.0.1"), "IPv4-mapped source on a dual-stack socket");
  assert.ok(f.allows("2001:db8:1:ffff::5"));
  assert.ok(!f.allows("2001:db8:2::5"));
  assert.ok(f.allows("172.31.255.255"));
  assert.ok(!f.allows("172.32.0.0"));
  assert.ok(!f.allows("not-an-address"));
});

Deno.test("TokenBuckets: a burst, then the rate, per key; 0 turns the limit off", () => {
  let now = 0;
  const b = new TokenBuckets({ rate: 2, burst: 3, now: () => now });
  assert.deepEqual([1, 2, 3, 4].map(() => b.take("a")), [true, true, true, false]);
  assert.ok(b.take("b"), "another source has its own bucket");
  now += 499;
  assert.ok(!b.take("a"), "not yet one token back");
  now += 1;
  assert.ok(b.take("a"));
  assert.ok(!b.take("a"));
  now += 10_000;
  assert.deepEqual([1, 2, 3, 4].map(() => b.take("a")), [true, true, true, false], "capped");
  const off = new TokenBuckets({ rate: 0, burst: 1, now: () => now });
  assert.ok(Array.from({ length: 100 }, () => off.take("x")).every(Boolean));
});

Deno.test("TokenBuckets keeps at most maxKeys sources however many there are", () => {
  let now = 0;
  const b = new TokenBuckets({ rate: 1, burst: 1, now: () => now, maxKeys: 100 });
  for (let i = 0; i < 10_000; i++) {
    b.take(`10.0.${i >> 8}.${i & 255}`);
    now += 1;
  }
  assert.ok(b.size <= 100, `${b.size} keys`);
});

Deno.test("OncePer lets one event a key through per interval and counts the rest", () => {
  let now = 0;
  const o = new OncePer(60_000, () => now);
  assert.equal(o.pass("a"), 0);
  assert.equal(o.pass("a"), null);
  assert.equal(o.pass("a"), null);
  assert.equal(o.pass("b"), 0);
  now += 60_000;
  assert.equal(o.pass("a"), 2, "the two held back are reported with the next line");
});
