/**
 * Server-computed waveform: one min/max envelope per channel as an SVG path, with paused
 * spans (all channels) and media gaps (their channel) marked on the timeline. The SVG
 * carries no script and is served as image/svg+xml under the same CSP.
 */
import type { Pcm } from "../../src/codec/decode_file.ts";

/** A marked span in milliseconds. */
export interface Span {
  startMs: number;
  endMs: number;
  /** Channel index for gaps; undefined marks every channel (pauses). */
  channel?: number;
  label: string;
}

/** Drawing options. */
export interface WaveformOptions {
  width?: number;
  laneHeight?: number;
  /** Lane labels, e.g. ["customer", "agent"]. */
  labels?: string[];
}

function envelope(samples: Float32Array, columns: number): [number, number][] {
  const out: [number, number][] = [];
  const per = samples.length / columns;
  for (let x = 0; x < columns; x++) {
    let lo = 0, hi = 0;
    const a = Math.floor(x * per), b = Math.min(samples.length, Math.floor((x + 1) * per));
    for (let i = a; i < b; i++) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out.push([lo, hi]);
  }
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Renders the SVG document. */
export function waveformSvg(pcm: Pcm, spans: readonly Span[], o: WaveformOptions = {}): string {
  const width = o.width ?? 800, lane = o.laneHeight ?? 60;
  const nc = Math.max(1, pcm.channels.length);
  const height = lane * nc;
  const durationMs = ((pcm.channels[0]?.length ?? 0) / pcm.sampleRate) * 1000;
  const parts: string[] = [];
  const xOf = (ms: number) =>
    durationMs > 0 ? Math.max(0, Math.min(width, (ms / durationMs) * width)) : 0;
  for (const s of spans) {
    const x = xOf(s.startMs), w = Math.max(1, xOf(s.endMs) - x);
    const [y, h] = s.channel === undefined ? [0, height] : [s.channel * lane, lane];
    const cls = s.channel === undefined ? "pause" : "gap";
    const fill = cls === "pause" ? "#f5c2c2" : "#ffe08a";
    parts.push(
      `<rect class="${cls}" fill="${fill}" x="${x.toFixed(1)}" y="${y}" width="${
        w.toFixed(1)
      }" height="${h}">` +
        `<title>${escapeXml(s.label)}</title></rect>`,
    );
  }
  pcm.channels.forEach((samples, ch) => {
    const mid = ch * lane + lane / 2, half = lane / 2 - 2;
    const env = envelope(samples, width);
    let d = "";
    env.forEach(([lo, hi], x) => {
      d += `M${x} ${(mid - hi * half).toFixed(1)}V${(mid - lo * half + 0.5).toFixed(1)}`;
    });
    const label = o.labels?.[ch] ?? `channel ${ch + 1}`;
    const stroke = ch === 0 ? "#2b5797" : "#1e7b4f";
    parts.push(
      `<path class="wave ch${ch}" stroke="${stroke}" stroke-width="1" d="${d}"><title>${
        escapeXml(label)
      }</title></path>`,
    );
    parts.push(
      `<text x="4" y="${ch * lane + 12}" font-size="10" fill="#444">${escapeXml(label)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" aria-label="waveform">` +
    `${parts.join("")}</svg>`;
}
