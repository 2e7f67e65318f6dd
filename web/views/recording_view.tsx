/**
 * The recording page: player with waveform and channel solo, metadata, participants,
 * the agents with their spans, decision trace, stream stats, pauses/gaps, and the reasoned actions the user may take.
 */
import type { Recording } from "../../src/store/schema/recordings.ts";
import type { RecordingDetail } from "../../src/store/queries/recordings.ts";
import type { HoldEvent } from "../../src/store/queries/hold_history.ts";
import { CsrfField, Layout, type PageContext } from "./layout.tsx";
import { confirmAttrs } from "./confirm.tsx";
import { flagWords, fmtDuration } from "./recordings_view.tsx";
import { fmtBytes, LocalTime, utcText } from "./format.tsx";
import { TraceTable } from "./trace_table.tsx";
import { HoldHistory, inProgress, Player, Streams } from "./recording_parts.tsx";
function Reason(props: { codes: readonly string[] }) {
  return (
    <>
      <select name="reason_code" required aria-label="Reason code">
        <option value="">Reason…</option>
        {props.codes.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
      <input
        name="reason_text"
        required
        minlength={3}
        maxlength={500}
        placeholder="Why"
        aria-label="Reason text"
      />
    </>
  );
}

type KvValue = string | number | null | undefined | { iso: string | null };

function Kv(props: { rows: [string, KvValue][] }) {
  const shown = (v: KvValue) =>
    v !== null && v !== undefined && v !== "" && (typeof v !== "object" || v.iso !== null);
  return (
    <dl class="kv">
      {props.rows.filter(([, v]) => shown(v)).map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{typeof v === "object" && v ? <LocalTime iso={v.iso} /> : String(v)}</dd>
        </>
      ))}
    </dl>
  );
}

/** A long call's segments (recorder.maxSegmentSeconds): where this one is, with links. */
function Segments(props: { id: string; segments: RecordingDetail["segments"] }) {
  const all = props.segments;
  const at = all.findIndex((s) => s.id === props.id);
  if (all.length < 2 || at < 0) return null;
  const href = (id: string) => `/recordings/${encodeURIComponent(id)}`;
  const prev = all[at - 1], next = all[at + 1];
  return (
    <section class="segments">
      <h2>Segments</h2>
      <p>
        Segment {all[at].segment} of {all.length}
        {prev && (
          <>
            {" · "}
            <a href={href(prev.id)} rel="prev">previous</a>
          </>
        )}
        {next && (
          <>
            {" · "}
            <a href={href(next.id)} rel="next">next</a>
          </>
        )}
      </p>
      <ol>
        {all.map((s) => (
          <li key={s.id}>
            {s.id === props.id
              ? <strong>segment {s.segment}</strong>
              : <a href={href(s.id)}>segment {s.segment}</a>}{" "}
            {s.startedAt.replace("T", " ").slice(0, 19)} · {fmtDuration(s.durationMs)} · {s.state}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The agents on the recording (a transfer adds one) with their spans. */
function Agents(props: { agents: RecordingDetail["agents"] }) {
  if (props.agents.length === 0) return null;
  return (
    <section class="agents table-scroll" tabindex={0} aria-labelledby="agents">
      <h2 id="agents">Agents</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Joined</th>
            <th scope="col">Left</th>
          </tr>
        </thead>
        <tbody>
          {props.agents.map((a) => (
            <tr key={`${a.agent_id}@${a.joined_ms}`}>
              <td>{a.agent_id}</td>
              <td>{fmtDuration(a.joined_ms)}</td>
              <td>{a.left_ms === null ? "to the end" : fmtDuration(a.left_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** "decided by API at T by token N" when the decision was the API's, else null. */
function apiDecisionText(trace: string): string | null {
  try {
    const t = JSON.parse(trace);
    return t?.decidedBy === "api" && typeof t.text === "string" ? t.text : null;
  } catch {
    return null;
  }
}

function Actions(props: {
  rec: Recording;
  can: (p: string) => boolean;
  csrf?: string;
  reasonCodes: readonly string[];
}) {
  const { rec, can } = props;
  const base = `/recordings/${encodeURIComponent(rec.id)}`;
  return (
    <section class="actions">
      <h2>Actions</h2>
      {can("recording.export") && inProgress(rec) && (
        <p id="export-later">
          <button type="button" disabled aria-describedby="export-why">Download</button>{" "}
          <span id="export-why">Export is possible once the recording has finished.</span>
        </p>
      )}
      {can("recording.export") && !inProgress(rec) && (
        <form method="post" action={`${base}/export`}>
          <CsrfField token={props.csrf} />
          <label>
            Format
            <select name="format">
              <option value="ogg">Ogg Opus</option>
              <option value="wav">WAV</option>
            </select>
          </label>
          <fieldset class="age-export">
            <legend>For a third party (age-encrypted, opened with the age tool)</legend>
            <label>
              Encrypt
              <select name="encrypt">
                <option value="">No: plain download</option>
                <option value="recipient">To their age public key</option>
                <option value="passphrase">With a passphrase</option>
              </select>
            </label>
            <label>
              age public key (age1…)
              <input name="age_recipient" autocomplete="off" spellcheck={false} />
            </label>
            <label>
              Passphrase (at least 12 characters; give it by another channel)
              <input name="passphrase" type="password" autocomplete="new-password" />
            </label>
          </fieldset>
          <Reason codes={props.reasonCodes} />
          <button type="submit">Download</button>
        </form>
      )}
      {can("recording.hold") && (
        <form
          method="post"
          action={`${base}/hold`}
          {...(rec.legal_hold
            ? confirmAttrs({
              question: "Release the legal hold? Retention and deletion apply to this " +
                "recording again.",
              label: "Release legal hold",
            })
            : {})}
        >
          <CsrfField token={props.csrf} />
          <input type="hidden" name="on" value={rec.legal_hold ? "0" : "1"} />
          <Reason codes={props.reasonCodes} />
          <button type="submit">
            {rec.legal_hold ? "Release legal hold" : "Place legal hold"}
          </button>
        </form>
      )}
      {can("recording.delete") && !rec.legal_hold && (
        <form
          method="post"
          action={`${base}/delete`}
          {...confirmAttrs({
            question: "Delete this recording? Its audio is removed for good; the audit trail " +
              "keeps who deleted it and why.",
            label: "Delete recording",
          })}
        >
          <CsrfField token={props.csrf} />
          <Reason codes={props.reasonCodes} />
          <button type="submit" class="danger">Delete recording</button>
        </form>
      )}
    </section>
  );
}

/** A readable title: date, agent and customer. */
export function recordingTitle(rec: Recording): string {
  const parts = [`Call of ${utcText(rec.started_at).slice(0, 16)} UTC`];
  if (rec.agent_id) parts.push(`agent ${rec.agent_id}`);
  if (rec.customer_id) parts.push(`customer ${rec.customer_id}`);
  return parts.join(" · ");
}

/** Renders the recording page. */
export function RecordingPage(props: {
  ctx: PageContext;
  rec: Recording;
  d: RecordingDetail;
  canPlay: boolean;
  /** Config `web.actionReasonCodes`, offered in the actions' forms. */
  reasonCodes: readonly string[];
  /** Legal hold actions on the recording, from the audit trail. */
  holds?: readonly HoldEvent[];
}) {
  const { rec, d } = props;
  const can = (p: string) => props.ctx.principal?.permissions.has(p as never) ?? false;
  const base = `/recordings/${encodeURIComponent(rec.id)}`;
  const labels = [0, 1].map((ch) =>
    d.participants.find((p) => p.channel === ch)?.role ?? `channel ${ch + 1}`
  );
  return (
    <Layout
      title={recordingTitle(rec)}
      ctx={props.ctx}
      scripts={["local_time.js", "player.js"]}
    >
      <p class="muted">Recording {rec.id}</p>
      {inProgress(rec) && !props.canPlay && (
        <p class="in-progress" role="status" id="in-progress">Recording in progress.</p>
      )}
      {rec.integrity_failed_at && (
        <p class="error" role="alert" id="integrity-failed">
          This recording failed its integrity check on {rec.integrity_failed_at}{" "}
          ({rec.integrity_detail}): it is not played or exported until its file is restored.
        </p>
      )}
      {props.canPlay && rec.state !== "deleted" && <Player rec={rec} labels={labels} base={base} />}
      <section>
        <h2>Recording</h2>
        <Kv
          rows={[
            ["State", inProgress(rec) ? "recording in progress" : rec.state],
            ["Started", { iso: rec.started_at }],
            ["Ended", { iso: rec.ended_at }],
            ["Duration", fmtDuration(rec.duration_ms)],
            ["Format", `${rec.format}, ${rec.sample_rate / 1000} kHz`],
            ["Size", rec.size_bytes === null ? null : fmtBytes(rec.size_bytes)],
            ["SHA-256", rec.sha256],
            ["Agent", rec.agent_id],
            ["Customer", rec.customer_id],
            ["ANI", rec.ani],
            ["DNIS", rec.dnis],
            ["Direction", rec.direction],
            ["Business unit", rec.business_unit],
            ["Customer type", rec.customer_type],
            ["Language", rec.language],
            ["Partitions", d.partitions.join(", ")],
            ["Rule", rec.rule_id],
            ["Mode", rec.mode],
            ["Retention", rec.retention_class],
            ["Expires", { iso: rec.expires_at }],
            ["Flags", flagWords(rec).join(", ")],
            ["Deleted", rec.deleted_at ? `${rec.deleted_at} (${rec.delete_reason})` : null],
          ]}
        />
      </section>
      <Segments id={rec.id} segments={d.segments} />
      <section class="table-scroll" tabindex={0} aria-labelledby="participants">
        <h2 id="participants">Participants</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Name</th>
              <th scope="col">AOR</th>
              <th scope="col">Channel</th>
              <th scope="col">Joined</th>
              <th scope="col">Left</th>
            </tr>
          </thead>
          <tbody>
            {d.participants.map((p) => (
              <tr key={p.id}>
                <td>{p.role}</td>
                <td>{p.name ?? ""}</td>
                <td>{p.aor ?? ""}</td>
                <td>{p.channel ?? ""}</td>
                <td>{fmtDuration(p.joined_ms)}</td>
                <td>{fmtDuration(p.left_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <Agents agents={d.agents} />
      <section>
        <h2>Pauses and gaps</h2>
        <ul class="spans">
          {d.pauses.map((p) => (
            <li key={`p${p.id}`}>
              Paused {fmtDuration(p.start_ms)}–{fmtDuration(p.end_ms)} by {p.source}
              {p.reason_code ? ` (${p.reason_code})` : ""}
            </li>
          ))}
          {d.gaps.map((g) => (
            <li key={`g${g.id}`}>
              Gap on channel {g.channel + 1} {fmtDuration(g.start_ms)}–{fmtDuration(g.end_ms)}
            </li>
          ))}
        </ul>
      </section>
      <Streams streams={d.streams} />
      <section>
        <h2>Metadata</h2>
        <Kv rows={d.metadata.map((m) => [m.key, m.value])} />
      </section>
      <section>
        <h2>Why recorded</h2>
        {d.decisions.map((x) => (
          <div class="decision" key={x.id}>
            <h3>
              <LocalTime iso={x.evaluated_at} /> {x.origin}: {x.record ? "record" : "do not record"}
              {" "}
              by rule {x.rule_id ?? "(none)"} (rules {x.ruleset_version})
              {apiDecisionText(x.trace) ? ` — ${apiDecisionText(x.trace)}` : ""}
            </h3>
            <TraceTable trace={x.trace} />
          </div>
        ))}
      </section>
      {props.holds && <HoldHistory events={props.holds} />}
      {rec.state !== "deleted" && (
        <Actions rec={rec} can={can} csrf={props.ctx.csrfToken} reasonCodes={props.reasonCodes} />
      )}
    </Layout>
  );
}
