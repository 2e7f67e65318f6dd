/**
 * `POST /api/v1/decisions`: the decision block a routing strategy calls before
 * TRouteCall. Authenticated by an API token with the `decisions` scope; the body is
 * zod-validated and a 400 names the bad field. The decision goes the recorder's path
 * (src/recorder/decision.ts): its trace is stored, a positive decision charges the
 * rule's quotas once per call, and the decision binds the SIPREC call that arrives with
 * one of the request's keys (ucid, callId, siprecSessionId) within
 * `decisions.bindSeconds`.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { httpError } from "../http_error.ts";
import { bearerToken } from "../../src/auth/api_tokens.ts";
import { sha256Hex } from "../../src/auth/password.ts";
import { findLiveToken, parseScopes, touchToken } from "../../src/store/queries/tokens.ts";
import { callFacts } from "../../src/recorder/call_facts.ts";
import { decideByRules, storeApiDecision } from "../../src/recorder/decision.ts";

/** Token scope that grants this API (not a user permission). */
export const DECISIONS_SCOPE = "decisions";

const text = z.string().trim().min(1).max(256);

/** Request body: a call id and its attached data (built-in fields may go in either). */
export const DecisionRequest = z.strictObject({
  callId: text,
  ucid: text.optional(),
  siprecSessionId: text.optional(),
  attachedData: z.record(z.string().min(1).max(128), z.string().max(4096)).default({}),
});

/** The decisions sub-app. */
export function decisionRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post("/", async (c) => {
    const svc = c.get("services");
    const raw = bearerToken(c.req.header("Authorization"));
    const token = raw && raw.startsWith("sr_")
      ? await findLiveToken(
        svc.store.db,
        await sha256Hex(raw),
        new Date(c.get("auth").now()).toISOString(),
      )
      : undefined;
    if (!token || !parseScopes(token.scopes).includes(DECISIONS_SCOPE)) {
      c.header("WWW-Authenticate", 'Bearer realm="selrec"');
      httpError(401, "an API token with the decisions scope is required");
    }
    await touchToken(svc.store.db, token.id, new Date().toISOString());
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      httpError(400, "body: expected a JSON object");
    }
    const parsed = DecisionRequest.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue.path.length ? issue.path.join(".") : "body";
      httpError(400, `${path}: ${issue.message}`);
    }
    const req = parsed.data;
    const metadata: Record<string, string> = { ...req.attachedData };
    if (req.ucid) metadata.UCID = req.ucid;
    const facts = callFacts({
      key: req.callId,
      sessionId: req.siprecSessionId ?? req.callId,
      sipCallId: req.callId,
      source: "api",
      streams: [],
      participants: [],
      metadata,
    });
    const rules = svc.rules?.current();
    if (!rules) {
      httpError(503, "no rule set is loaded (recorder.recordAll is on or rules are starting)");
    }
    const d = decideByRules(rules, facts, {
      salt: svc.config.rules.salt,
      store: svc.store,
      now: new Date(),
    });
    const bindSeconds = svc.config.decisions.bindSeconds;
    await storeApiDecision(svc.store.db, {
      facts,
      decision: d,
      keys: [req.ucid, req.siprecSessionId, req.callId],
      token: { id: token.id, name: token.name },
      bindSeconds,
    });
    return c.json({
      callKey: facts.callKey,
      record: d.record,
      mode: d.mode,
      partitions: d.partitions,
      ruleId: d.ruleId,
      retention: d.retention,
      allowPause: d.allowPause,
      format: d.format,
      trace: d.trace,
      bindsUntil: bindSeconds > 0
        ? new Date(d.at.getTime() + bindSeconds * 1000).toISOString()
        : null,
    });
  });
  return r;
}
