/**
 * Seeded SIP message mutator for the fuzzer (src/sim/fuzz_sip.ts): starts from valid
 * requests (OPTIONS, INVITE with SDP, BYE, and the per-vendor SIPREC offers of
 * tests/fixtures/siprec) and applies one to three mutations a hostile peer would try:
 * deleted or duplicated headers, huge values, a wrong Content-Length, broken SDP,
 * multipart and XML bodies, hundreds of m-lines, random bytes, CRLF injection, forged
 * Via parameters. The same seed gives the same messages, so a finding can be replayed.
 */
import { pick, type Random, randomInt } from "./rng.ts";
import { MUTATIONS } from "./fuzz_mutations.ts";
import { type Fill, fillTemplate, latin1, type SipTemplate } from "./fuzz_templates.ts";

export { MUTATION_NAMES } from "./fuzz_mutations.ts";
export {
  BASE_TEMPLATES,
  type Fill,
  fillTemplate,
  latin1,
  loadCorpus,
  type SipTemplate,
} from "./fuzz_templates.ts";

/** Largest message sent over UDP (IPv4 datagram payload limit, with room for headers). */
export const MAX_UDP_BYTES = 65_000;

/** One fuzzed message and the mutations applied to it. */
export interface FuzzedMessage {
  bytes: Uint8Array;
  mutations: string[];
  callId: string;
}

/** Makes one mutated message from a template (LF line ends are turned into CRLF). */
export function mutateMessage(rng: Random, template: SipTemplate, fill: Fill): FuzzedMessage {
  let text = fillTemplate(template, fill);
  const applied: string[] = [];
  const n = randomInt(rng, 1, 3);
  for (let i = 0; i < n; i++) {
    const m = pick(rng, MUTATIONS);
    text = m.apply(rng, text);
    applied.push(m.name);
  }
  const bytes = latin1(text.replace(/\r?\n/g, "\r\n"));
  return { bytes: bytes.subarray(0, MAX_UDP_BYTES), mutations: applied, callId: fill.callId };
}
