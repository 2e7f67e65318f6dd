import assert from "node:assert/strict";
import { AddressFilter, OncePer, TokenBuckets } from "./admission.ts";

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
  assert.throws(() => new AddressFilter(["10.0.0.0/8", "sbc.example"]), /"sbc\.example"/);
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
