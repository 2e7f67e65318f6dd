/**
 * Supervisors' live calls: `GET /calls` (the page), `GET /calls/rows` (its table body,
 * polled by /static/calls.js) and `GET /calls.json` (the same calls as JSON). Each lists
 * only the calls the principal may see, by the recordings' rule (src/auth/access.ts:
 * partitions and org hierarchy of the call's agent).
 */
import type { Context, Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import type { ActiveCall } from "../../src/call_control.ts";
import { canAccessRecording } from "../../src/auth/access.ts";
import { agentOrgPath } from "../../src/store/queries/recording_access.ts";
import { CallRows, CallsPage } from "../views/calls_view.tsx";
import { pageContext } from "../views/page.ts";

/** The active calls `c`'s principal may see, in start order. */
export async function visibleCalls(c: Context<AppEnv>): Promise<ActiveCall[]> {
  const p = c.get("principal")!;
  const db = c.get("services").store.db;
  const orgPaths = new Map<string | null, string | null>();
  const visible: ActiveCall[] = [];
  for (const call of c.get("services").callControl?.listActive() ?? []) {
    if (!orgPaths.has(call.agentId)) {
      orgPaths.set(call.agentId, await agentOrgPath(db, call.agentId));
    }
    const facts = {
      partitions: call.partitions,
      agentId: call.agentId,
      agentOrgPath: orgPaths.get(call.agentId) ?? null,
    };
    if (canAccessRecording(p, facts, "recording.search", c.get("auth").scope)) visible.push(call);
  }
  return visible;
}

/** Adds the live-call routes to the calls sub-app. */
export function liveCallRoutes(r: Hono<AppEnv>): void {
  const search = requirePermission("recording.search");
  r.get("/calls", search, async (c) => {
    const calls = await visibleCalls(c);
    return c.html(<CallsPage ctx={pageContext(c)} calls={calls} now={c.get("auth").now()} />);
  });
  r.get("/calls/rows", search, async (c) => {
    const calls = await visibleCalls(c);
    return c.html(<CallRows calls={calls} now={c.get("auth").now()} />);
  });
  r.get("/calls.json", search, async (c) => {
    const calls = await visibleCalls(c);
    return c.json({ now: new Date(c.get("auth").now()).toISOString(), calls });
  });
}
