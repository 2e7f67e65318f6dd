/** Call queries: signalled calls as rules see them, with their latest decision. */
import type { Db } from "../db.ts";
import type { Call } from "../schema/calls.ts";

/** A stored call with the fields rules match on and the rule of its latest decision. */
export type CallWithLastRule =
  & Pick<
    Call,
    | "call_key"
    | "started_at"
    | "recorded"
    | "metadata"
    | "business_unit"
    | "customer_type"
    | "language"
    | "dn"
    | "agent_id"
    | "queue"
    | "direction"
    | "ani"
    | "dnis"
  >
  & { rule_id: string | null };

/** Calls started at or after `since` (ISO), oldest first, each with its latest rule id. */
export async function listCallsWithLastRule(db: Db, since: string): Promise<CallWithLastRule[]> {
  return await db.selectFrom("calls").leftJoin(
    (eb) =>
      eb.selectFrom("rule_decisions").select(["call_id", (e) => e.fn.max("id").as("last")])
        .groupBy("call_id").as("d"),
    (j) => j.onRef("d.call_id", "=", "calls.id"),
  ).leftJoin("rule_decisions as rd", "rd.id", "d.last").select([
    "calls.call_key",
    "calls.started_at",
    "calls.recorded",
    "calls.metadata",
    "calls.business_unit",
    "calls.customer_type",
    "calls.language",
    "calls.dn",
    "calls.agent_id",
    "calls.queue",
    "calls.direction",
    "calls.ani",
    "calls.dnis",
    "rd.rule_id",
  ]).where("calls.started_at", ">=", since).orderBy("calls.started_at").execute();
}
