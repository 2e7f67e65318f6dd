import assert from "node:assert/strict";
import { sourceFilter, type SourcePolicy, type SourceSpec } from "./source_policy.ts";

function spec(policy: SourcePolicy, networks: string[] = []): SourceSpec {
  return {
    policy,
    rtp: { address: "192.0.2.10", port: 16000 },
    rtcp: { address: "192.0.2.10", port: 16001 },
    signalling: "192.0.2.5",
    networks,
  };
}

const from = (hostname: string, port: number) => ({ hostname, port });

/** Which of a fixed set of sources each policy accepts for RTP (r) and RTCP (c). */
function table(policy: SourcePolicy, networks: string[] = []): string[] {
  const f = sourceFilter(spec(policy, networks));
  const sources: [string, string, number][] = [
    ["offered", "192.0.2.10", 16000],
    ["offered-rtcp", "192.0.2.10", 16001],
    ["offered-other-port", "192.0.2.10", 30000],
    ["signalling", "192.0.2.5", 5060],
    ["media-network", "198.51.100.7", 16000],
    ["attacker", "203.0.113.66", 16000],
  ];
  return sources.flatMap(([name, host, port]) => [
    ...(f.accepts(from(host, port), false) ? [`${name}:r`] : []),
    ...(f.accepts(from(host, port), true) ? [`${name}:c`] : []),
  ]);
}

Deno.test("sourceFilter(offer) accepts only the offered address and port (RTCP on its own)", () => {
  assert.deepEqual(table("offer"), ["offered:r", "offered-rtcp:c"]);
});

Deno.test("sourceFilter(offer-address) accepts any port of the offered address", () => {
  assert.deepEqual(table("offer-address"), [
    "offered:r",
    "offered:c",
    "offered-rtcp:r",
    "offered-rtcp:c",
    "offered-other-port:r",
    "offered-other-port:c",
  ]);
});

Deno.test("sourceFilter(signalling) adds the SIP peer's address; networks adds the CIDRs", () => {
  assert.deepEqual(table("signalling").filter((s) => !s.startsWith("offered")), [
    "signalling:r",
    "signalling:c",
  ]);
  assert.deepEqual(
    table("networks", ["198.51.100.0/24"]).filter((s) => !s.startsWith("offered")),
    ["signalling:r", "signalling:c", "media-network:r", "media-network:c"],
  );
  assert.ok(!table("networks", ["198.51.100.0/24"]).some((s) => s.startsWith("attacker")));
});

Deno.test("sourceFilter() matches IPv4-mapped sources and refuses an unparseable offer address", () => {
  const f = sourceFilter(spec("offer"));
  assert.ok(f.accepts(from("::ffff:192.0.2.10", 16000), false));
  const host = sourceFilter({ ...spec("offer"), rtp: { address: "sbc.example", port: 16000 } });
  assert.ok(!host.accepts(from("192.0.2.10", 16000), false));
});

Deno.test("sourceFilter() throws SyntaxError naming a bad network", () => {
  assert.throws(() => sourceFilter(spec("networks", ["10.0.0.0/40"])), /10\.0\.0\.0\/40/);
});
