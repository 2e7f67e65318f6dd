import assert from "node:assert/strict";
import {
  BASE_TEMPLATES,
  loadCorpus,
  MAX_UDP_BYTES,
  mutateMessage,
  MUTATION_NAMES,
} from "./fuzz_mutate.ts";
import { seededRandom } from "./rng.ts";

const FILL = {
  host: "127.0.0.1",
  port: 5060,
  lport: 5999,
  transport: "UDP" as const,
  callId: "c1@127.0.0.1",
  branch: "b1",
  tag: "t1",
};

function run(seed: number, n: number): Uint8Array[] {
  const rng = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => mutateMessage(rng, BASE_TEMPLATES[i % 5], FILL).bytes);
}

Deno.test("mutateMessage() gives the same messages for the same seed and others for another", () => {
  assert.deepEqual(run(3, 50), run(3, 50));
  assert.notDeepEqual(run(3, 50), run(4, 50));
});

Deno.test("mutateMessage() applies every mutation over a run and stays within a UDP datagram", () => {
  const rng = seededRandom(11);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const m = mutateMessage(rng, BASE_TEMPLATES[i % BASE_TEMPLATES.length], FILL);
    assert.ok(m.bytes.length <= MAX_UDP_BYTES);
    m.mutations.forEach((x) => seen.add(x));
  }
  assert.deepEqual([...seen].sort(), [...MUTATION_NAMES].sort());
});

Deno.test("loadCorpus() points every vendor offer at the fuzzer, never at their documented hosts", async () => {
  const corpus = await loadCorpus(new URL("../../tests/fixtures/siprec/", import.meta.url));
  assert.ok(corpus.length >= 8);
  for (const t of corpus) {
    assert.doesNotMatch(t, /192\.0\.2\./);
    assert.match(t, /^Via: SIP\/2\.0\/\{transport\} \{host\}:\{lport\};/m);
    assert.match(t, /^Call-ID: \{callId\}$/m);
  }
});
