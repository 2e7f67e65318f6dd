/**
 * Live calls. Agents: `GET /agent` shows their own active call with Pause/Resume
 * (`POST /agent/pause|resume`), `GET /agent/state` for the refresh script. Agent desktops:
 * `POST /api/v1/calls/:id/pause|resume` with a token or session, where `:id` is the SIPREC
 * session id, SIP Call-ID, UCID or call id; only the caller's own call, else 404.
 * Supervisors: `GET /calls` lists active calls they may see (web/routes/live_calls.tsx).
 * A reason code is required; every pause/resume is audited before it is applied.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { requirePermission } from "../middleware/authenticate.ts";
import { type ActiveCall, CallControlError } from "../../src/call_control.ts";
import { findRecordingCustomer } from "../../src/store/queries/recording_rows.ts";
import { httpError } from "../http_error.ts";
import { auditActor, checkReasonCode } from "../recording_access.ts";
import { CsrfField, Layout } from "../views/layout.tsx";
import { pageContext } from "../views/page.ts";
import { liveCallRoutes } from "./live_calls.tsx";

function control(c: Context<AppEnv>) {
  const cc = c.get("services").callControl;
  if (!cc) httpError(503, "call control is not available");
  return cc;
}

async function pauseOrResume(
  c: Context<AppEnv>,
  call: ActiveCall,
  op: "pause" | "resume",
  field: string,
  given: unknown,
) {
  const codes = c.get("services").config.recorder.pauseReasonCodes;
  const reasonCode = checkReasonCode(field, given, codes);
  if (!call.allowPause) httpError(409, "pausing is not enabled for this call");
  const p = c.get("principal")!;
  const svc = c.get("services");
  const rec = call.recordingId === null
    ? undefined
    : await findRecordingCustomer(svc.store.db, call.recordingId);
  const audit = {
    ...auditActor(c),
    action: `call.${op}`,
    target: { type: "call", id: call.callId },
    recordingId: call.recordingId,
    customerId: rec?.customer_id ?? null,
    interactionType: rec?.interaction_type ?? null,
    reason: { code: reasonCode },
  };
  await svc.audit.append(audit);
  const request = {
    source: p.kind === "token" ? "api" as const : "agent" as const,
    reasonCode,
    userId: p.userId,
  };
  try {
    await (op === "pause"
      ? control(c).pause(call.callId, request)
      : control(c).resume(call.callId, request));
  } catch (err) {
    await svc.audit.append({
      ...audit,
      outcome: "failed",
      details: { error: (err as Error).message },
    });
    if (err instanceof CallControlError) httpError(409, err.message);
    throw err;
  }
}

function ownCall(c: Context<AppEnv>, idOrKey?: string): ActiveCall | null {
  const p = c.get("principal")!;
  if (!p.agentId) return null;
  const cc = control(c);
  const call = idOrKey === undefined
    ? cc.activeCallForAgent(p.agentId)
    : cc.findActiveCall(idOrKey);
  return call && call.agentId === p.agentId ? call : null;
}

function CallBox(props: { call: ActiveCall | null; csrf?: string; reasonCodes: string[] }) {
  const call = props.call;
  const state = call ? (call.paused ? "Recording paused" : "Recording") : "No active call";
  return (
    <section id="call-state" data-state={state}>
      <p class={call?.paused ? "paused" : ""} role="status">{state}</p>
      {call && (
        <>
          <p>Call from {call.ani ?? "?"} to {call.dnis ?? "?"} since {call.startedAt}</p>
          {call.paused && call.autoResumeAt && (
            <p>Recording resumes automatically at {call.autoResumeAt}.</p>
          )}
          {call.allowPause
            ? (
              <form method="post" action={call.paused ? "/agent/resume" : "/agent/pause"}>
                <CsrfField token={props.csrf} />
                <label>
                  Reason{" "}
                  <select name="reason_code" required>
                    {props.reasonCodes.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </label>
                <button type="submit" id={call.paused ? "resume" : "pause"}>
                  {call.paused ? "Resume" : "Pause"}
                </button>
              </form>
            )
            : <p>Pausing is not enabled for this call.</p>}
        </>
      )}
    </section>
  );
}

/** Agent page and supervisors' active calls (HTML). */
export function callRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const own = requirePermission("pause.own");
  r.get("/agent", own, (c) => {
    const call = c.get("services").callControl && c.get("principal")!.agentId ? ownCall(c) : null;
    return c.html(
      <Layout title="My call" ctx={pageContext(c)} scripts={["agent.js"]}>
        {!c.get("principal")!.agentId && <p class="error">Your user has no agent id.</p>}
        {!c.get("services").callControl && <p class="error">Call control is not available.</p>}
        <CallBox
          call={call}
          csrf={c.get("session")?.csrfToken}
          reasonCodes={c.get("services").config.recorder.pauseReasonCodes}
        />
      </Layout>,
    );
  });
  r.get(
    "/agent/state",
    own,
    (c) => c.json({ call: c.get("services").callControl ? ownCall(c) : null }),
  );
  for (const op of ["pause", "resume"] as const) {
    r.post(`/agent/${op}`, own, async (c) => {
      const call = ownCall(c);
      if (!call) httpError(404, "no active call");
      const body = await c.req.parseBody();
      await pauseOrResume(c, call, op, "reason_code", body.reason_code);
      return c.redirect("/agent", 303);
    });
  }
  liveCallRoutes(r);
  return r;
}

/** `POST /api/v1/calls/:id/pause|resume` for agent desktops (JSON or form body). */
export function callApiRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  for (const op of ["pause", "resume"] as const) {
    r.post(`/:id/${op}`, requirePermission("pause.own", { notFound: true }), async (c) => {
      const call = ownCall(c, c.req.param("id"));
      if (!call) httpError(404, "not found");
      const type = c.req.header("Content-Type") ?? "";
      const body: Record<string, unknown> = type.startsWith("application/json")
        ? await c.req.json().catch(() => httpError(400, "body is not JSON"))
        : await c.req.parseBody();
      const given = body.reasonCode ?? body.reason_code;
      await pauseOrResume(c, call, op, "reasonCode", given);
      const after = control(c).findActiveCall(call.callId);
      return c.json({ callId: call.callId, paused: after?.paused ?? op === "pause" });
    });
  }
  return r;
}
