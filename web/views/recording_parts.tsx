/**
 * Parts of the recording page: the player (waveform slider with time axis, playhead,
 * click and keyboard seek, legend, channel solo, speed — driven by /static/player.js),
 * the in-progress notice, stream statistics with the estimated MOS, and the hold history.
 */
import type { Recording } from "../../src/store/schema/recordings.ts";
import type { RecordingDetail } from "../../src/store/queries/recordings.ts";
import type { HoldEvent } from "../../src/store/queries/hold_history.ts";
import { estimateQuality } from "../../src/recorder/quality.ts";
import { LocalTime } from "./format.tsx";
import { fmtDuration } from "./recordings_view.tsx";

/** Whether the recording is still being written. */
export function inProgress(rec: Recording): boolean {
  return rec.state === "recording";
}

/** Why the recording's audio cannot be played yet, or null when it can. */
export function notPlayableYet(rec: Recording): string | null {
  if (!inProgress(rec) || rec.format === "opus") return null;
  return "A WAV recording cannot be played until the call ends (its header is written last).";
}

/** The player: audio, waveform slider (or why none yet), legend, solo and speed. */
export function Player(props: { rec: Recording; labels: string[]; base: string }) {
  const { rec, labels, base } = props;
  const running = inProgress(rec);
  const blocked = notPlayableYet(rec);
  const durationMs = rec.duration_ms ?? 0;
  return (
    <section class="player" data-channels={labels.join(",")} aria-label="Player">
      {running && (
        <p class="in-progress" role="status" id="in-progress">
          Recording in progress.{" "}
          {blocked ?? "The audio recorded so far can be played; reload for more."}
        </p>
      )}
      {blocked ? null : (
        <audio
          id="player"
          controls
          preload="metadata"
          src={`${base}/audio`}
          data-wav={running ? undefined : `${base}/audio.wav`}
          data-played={`${base}/played`}
        >
        </audio>
      )}
      {running ? <p class="muted" id="waveform-later">Waveform when finished.</p> : (
        <div
          class="wave-box"
          id="waveform"
          tabindex={0}
          role="slider"
          aria-label="Position in the recording (arrow keys: 5 seconds)"
          aria-valuemin={0}
          aria-valuemax={Math.round(durationMs / 1000)}
          aria-valuenow={0}
          aria-valuetext={`0:00 of ${fmtDuration(durationMs)}`}
          data-duration-ms={durationMs}
        >
          <img
            class="waveform"
            src={`${base}/waveform.svg`}
            alt="Waveform of both parties with pauses and gaps marked"
          />
          <div class="playhead" aria-hidden="true"></div>
          <div class="wave-axis" aria-hidden="true"></div>
        </div>
      )}
      <ul class="legend" aria-label="Waveform legend">
        <li>
          <span class="swatch pause"></span>paused (both parties silenced)
        </li>
        <li>
          <span class="swatch gap"></span>media gap (no packets on that channel)
        </li>
      </ul>
      {blocked ? null : (
        <div class="player-controls">
          <div class="solo" role="group" aria-label="Listen to">
            Listen to: <button type="button" data-solo="both" aria-pressed="true">both</button>{" "}
            <button type="button" data-solo="0" aria-pressed="false">{labels[0]}</button>{" "}
            <button type="button" data-solo="1" aria-pressed="false">{labels[1]}</button>
          </div>
          <label>
            Speed
            <select id="speed">
              {["0.75", "1", "1.25", "1.5", "2"].map((s) => (
                <option key={s} value={s} selected={s === "1"}>{s}×</option>
              ))}
            </select>
          </label>
        </div>
      )}
    </section>
  );
}

/** Stream statistics shown on the recording page: stats key → column title. */
const STREAM_STATS: [string, string][] = [
  ["received", "Received"],
  ["expected", "Expected"],
  ["lost", "Lost"],
  ["duplicated", "Duplicated"],
  ["reordered", "Reordered"],
  ["jitterMs", "Jitter ms"],
  ["ssrcChanges", "SSRC changes"],
  ["telephoneEvents", "DTMF events"],
  ["comfortNoise", "CN"],
];

function parseStats(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

function Mos(props: { codec: string; st: Record<string, unknown> }) {
  const num = (k: string) => typeof props.st[k] === "number" ? props.st[k] as number : null;
  const expected = num("expected"), lost = num("lost"), jitter = num("jitterMs");
  if (expected === null || lost === null || jitter === null || expected === 0) return <>–</>;
  const q = estimateQuality({ codec: props.codec, expected, lost, jitterMs: jitter });
  if (!q) return <span title="no G.113 values for this codec">–</span>;
  const why = `R ${q.r.toFixed(1)}: loss ${q.ppl.toFixed(2)}%, delay ${
    q.delayMs.toFixed(0)
  } ms (jitter buffer), Ie,eff ${q.ieEff.toFixed(1)}, Id ${q.id.toFixed(1)}`;
  return <span class="mos" title={why}>{q.mos.toFixed(2)}</span>;
}

/** The streams with their statistics and estimated MOS (ITU-T G.107 E-model). */
export function Streams(props: { streams: RecordingDetail["streams"] }) {
  return (
    <section>
      <h2>Streams</h2>
      <div class="table-scroll" tabindex={0} role="region" aria-label="Streams">
        <table>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Codec</th>
              <th scope="col">Channel</th>
              {STREAM_STATS.map(([, title]) => <th scope="col" key={title}>{title}</th>)}
              <th scope="col">
                <abbr title="Estimated mean opinion score, ITU-T G.107 E-model">MOS</abbr>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.streams.map((s) => {
              const st = parseStats(s.stats);
              return (
                <tr key={s.id}>
                  <td>{s.label}</td>
                  <td>
                    {s.codec}
                    {s.received_codecs && s.received_codecs !== s.codec
                      ? ` (sent ${s.received_codecs.replaceAll(",", " → ")})`
                      : ""}
                  </td>
                  <td>{s.channel ?? ""}</td>
                  {STREAM_STATS.map(([key]) => <td key={key}>{String(st[key] ?? "–")}</td>)}
                  <td>
                    <Mos codec={s.codec} st={st} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="muted">
        MOS: estimated from codec, packet loss and jitter with the ITU-T G.107 E-model (4.4 is the
        best G.711 can reach, below 3.6 many users are dissatisfied).
      </p>
    </section>
  );
}

/** Who placed or released the legal hold, when and why (from the audit trail). */
export function HoldHistory(props: { events: readonly HoldEvent[] }) {
  return (
    <section>
      <h2>Legal hold history</h2>
      {props.events.length === 0
        ? <p>No legal hold was ever placed on this recording.</p>
        : (
          <div class="table-scroll" tabindex={0} role="region" aria-label="Legal hold history">
            <table id="hold-history">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Who</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {props.events.map((e, i) => (
                  <tr key={i}>
                    <td>
                      <LocalTime iso={e.ts} />
                    </td>
                    <td>
                      {e.on ? "placed" : "released"}
                      {e.outcome === "ok" ? "" : ` (${e.outcome})`}
                    </td>
                    <td>{e.actor ?? "–"}</td>
                    <td>
                      {e.reasonCode ?? ""}
                      {e.reasonText ? `: ${e.reasonText}` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
