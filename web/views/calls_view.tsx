/**
 * Supervisors' live calls: per call whether it is recorded and by which rule (or why
 * not), how long it has run, pause state with the countdown to auto-resume, and a link
 * to the recording. /static/calls.js refreshes the rows from `/calls/rows` every 2 s and
 * ticks the durations and countdowns every second.
 */
import type { ActiveCall } from "../../src/call_control.ts";
import { Layout, type PageContext } from "./layout.tsx";
import { LocalTime } from "./format.tsx";

const NOT_RECORDED: Record<NonNullable<ActiveCall["notRecordedReason"]>, string> = {
  rule: "excluded by rule",
  "quota-exhausted": "quota used up",
  "not-sampled": "not in the sample",
  "no-rule-matched": "no rule matched",
  "not-started": "recording could not start",
};

/** "m:ss" (or "h:mm:ss") of a span in seconds; calls.js writes the same form. */
export function clock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const ss = String(r).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Why the call is or is not recorded, in words. */
export function decisionText(call: ActiveCall): string {
  if (call.recorded) {
    if (call.decidedBy === "api") return "by the decision API";
    if (call.decidedBy === "record-all") return "record-all mode";
    return call.ruleId ? `rule ${call.ruleId}` : "default";
  }
  const why = NOT_RECORDED[call.notRecordedReason ?? "no-rule-matched"];
  return call.notRecordedReason === "rule" && call.ruleId ? `${why} ${call.ruleId}` : why;
}

function PauseState(props: { call: ActiveCall; now: number }) {
  const { call } = props;
  if (!call.recorded) return <>–</>;
  if (call.paused) {
    if (!call.autoResumeAt) return <span class="paused">paused</span>;
    const left = (Date.parse(call.autoResumeAt) - props.now) / 1000;
    return (
      <span class="paused">
        paused, resumes in{" "}
        <span class="countdown" data-until={call.autoResumeAt}>{clock(left)}</span>
      </span>
    );
  }
  return call.noMedia ? <span class="no-media">recording, no media received</span> : <>recording</>;
}

/** The table body rows (also served alone at `/calls/rows`). */
export function CallRows(props: { calls: readonly ActiveCall[]; now: number }) {
  if (props.calls.length === 0) {
    return (
      <tr>
        <td colspan={8}>No active calls you may see.</td>
      </tr>
    );
  }
  return (
    <>
      {props.calls.map((call) => (
        <tr key={call.callId} data-call={call.callId} data-recorded={String(call.recorded)}>
          <td>
            <LocalTime iso={call.startedAt} format="time" />
          </td>
          <td>
            <span class="duration" data-since={call.startedAt}>
              {clock((props.now - Date.parse(call.startedAt)) / 1000)}
            </span>
          </td>
          <td>{call.agentId ?? ""}</td>
          <td>{call.ani ?? ""}</td>
          <td>{call.dnis ?? ""}</td>
          <td class={call.recorded ? "recorded" : "not-recorded"}>
            <strong>{call.recorded ? "recorded" : "not recorded"}</strong>
            <br />
            <small>{decisionText(call)}</small>
          </td>
          <td>
            <PauseState call={call} now={props.now} />
          </td>
          <td>
            {call.recorded && call.recordingId
              ? <a href={`/recordings/${encodeURIComponent(call.recordingId)}`}>open recording</a>
              : "–"}
          </td>
        </tr>
      ))}
    </>
  );
}

/** "N active calls, M recorded". */
export function callCount(calls: readonly ActiveCall[]): string {
  const recorded = calls.filter((c) => c.recorded).length;
  return `${calls.length} active calls, ${recorded} recorded`;
}

/** The /calls page. */
export function CallsPage(props: { ctx: PageContext; calls: readonly ActiveCall[]; now: number }) {
  return (
    <Layout title="Active calls" ctx={props.ctx} scripts={["local_time.js", "calls.js"]}>
      <p id="call-count" aria-live="polite">{callCount(props.calls)}</p>
      <div class="table-scroll" tabindex={0} role="region" aria-label="Active calls">
        <table id="calls" data-rows="/calls/rows">
          <caption class="sr-only">Active calls, refreshed every 2 seconds</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Agent</th>
              <th scope="col">ANI</th>
              <th scope="col">DNIS</th>
              <th scope="col">Recorded</th>
              <th scope="col">Pause</th>
              <th scope="col">Recording</th>
            </tr>
          </thead>
          <tbody>
            <CallRows calls={props.calls} now={props.now} />
          </tbody>
        </table>
      </div>
      <p class="muted" id="calls-updated" aria-live="off">Updates every 2 seconds.</p>
    </Layout>
  );
}
