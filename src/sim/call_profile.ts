/**
 * Per-call variation for the load client: who is on the call and the attached data
 * an SBC would pass along (business unit, customer type, language, agent, partitions,
 * UCID). Drawn from a seeded generator so a run can be replayed.
 */
import { pick, type Random, randomHex, randomInt } from "./rng.ts";

/** Everything that varies between simulated calls except the audio. */
export interface CallProfile {
  callId: string;
  fromTag: string;
  /** RFC 7865 session id (base64-like). */
  sessionId: string;
  customerAor: string;
  agentAor: string;
  /** Agent the call is transferred to, when a transfer happens. */
  transferAor: string;
  /** Attached data, rendered as metadata extension data. */
  data: {
    businessUnit: string;
    customerType: string;
    language: string;
    agentId: string;
    GRECORD_PARTITIONS: string;
    UCID: string;
  };
}

const BUSINESS_UNITS = ["Sales", "Support", "Collections", "Retention", "Billing"] as const;
const CUSTOMER_TYPES = ["Standard", "Standard", "Gold", "VIP", "New"] as const;
const LANGUAGES = ["en", "en", "en", "es", "fr", "de", "pt"] as const;
const REGIONS = ["east", "west", "central"] as const;

function agent(rng: Random): string {
  return `agent-${String(randomInt(rng, 1, 999)).padStart(3, "0")}`;
}

/** The profile of call number `index` of a run. */
export function callProfile(rng: Random, index: number, domain = "sim.selrec.test"): CallProfile {
  const businessUnit = pick(rng, BUSINESS_UNITS);
  const agentId = agent(rng);
  let transferId = agent(rng);
  if (transferId === agentId) transferId = agentId === "agent-999" ? "agent-001" : agent(rng);
  const ucid = randomHex(rng, 10).toUpperCase();
  return {
    callId: `sim-${index}-${randomHex(rng, 8)}@${domain}`,
    fromTag: randomHex(rng, 6),
    sessionId: btoa(
      String.fromCharCode(...Array.from({ length: 16 }, () => randomInt(rng, 0, 255))),
    ),
    customerAor: `tel:+1555${String(randomInt(rng, 0, 9_999_999)).padStart(7, "0")}`,
    agentAor: `sip:${agentId}@${domain}`,
    transferAor: `sip:${transferId}@${domain}`,
    data: {
      businessUnit,
      customerType: pick(rng, CUSTOMER_TYPES),
      language: pick(rng, LANGUAGES),
      agentId,
      GRECORD_PARTITIONS: `BU_${businessUnit},region_${pick(rng, REGIONS)}`,
      UCID: ucid,
    },
  };
}
