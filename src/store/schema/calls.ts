import type { Generated, Selectable } from "kysely";

/** One signalled call or recording session (SIPREC session, RTP fork or API call). */
export interface CallTable {
  id: string;
  /** Stable key for sampling and lookups: SIPREC session id, else UCID, else Call-ID. */
  call_key: string;
  sip_call_id: string | null;
  siprec_session_id: string | null;
  ucid: string | null;
  source: "siprec" | "fork" | "api";
  direction: string | null;
  ani: string | null;
  dnis: string | null;
  dn: string | null;
  agent_id: string | null;
  queue: string | null;
  business_unit: string | null;
  customer_type: string | null;
  language: string | null;
  customer_id: string | null;
  started_at: string;
  ended_at: string | null;
  end_reason: string | null;
  /** 1 when the rules decided to record, 0 when not, null before a decision. */
  recorded: number | null;
  /** JSON of the flattened session metadata (attached data, extension data, headers). */
  metadata: string;
}
export type Call = Selectable<CallTable>;

/** Every rule evaluation with its trace, so "why (not) recorded?" has an answer. */
export interface RuleDecisionTable {
  id: Generated<number>;
  call_id: string | null;
  call_key: string;
  evaluated_at: string;
  /** Where the evaluation came from: siprec, update, api, simulate. */
  origin: string;
  record: number;
  rule_id: string | null;
  mode: string | null;
  retention: string | null;
  trace: string;
  ruleset_version: string;
}
export type RuleDecision = Selectable<RuleDecisionTable>;

/**
 * A rule decision's partitions (GRECORD_PARTITIONS and rule partitions), the only place
 * they are stored (the `rule_decisions.partitions` string went in migration 0010); the
 * reports' scope filter matches them against the reader's.
 */
export interface DecisionPartitionTable {
  decision_id: number;
  partition: string;
}

/**
 * An API decision bound to one of the call's keys (migration 0013) until the SIPREC call
 * with that key arrives; `outcome` is the decision as JSON (queries/decision_bindings.ts).
 */
export interface DecisionBindingTable {
  id: Generated<number>;
  key: string;
  decided_at: string;
  decision_id: number;
  token_id: number | null;
  token_name: string | null;
  outcome: string;
}

/** A recorded call charged against a quota scope (rule × key × period). */
export interface QuotaChargeTable {
  scope: string;
  call_key: string;
  period_start: string;
  charged_at: string;
}
