/**
 * Server-side SVG charts, no client code: a grouped bar chart and a line chart with
 * axes, "nice" y ticks, gridlines, x labels (thinned when crowded), a legend, and an
 * accessible `<title>`/`<desc>` (role="img"). Colours go in presentation attributes, so
 * a strict CSP (no inline styles) does not strip them. Every value also gets a `<title>`
 * tooltip.
 */

/** One named series; `values[i]` belongs to `labels[i]`. */
export interface ChartSeries {
  name: string;
  values: readonly (number | null)[];
}

/** What to draw. */
export interface ChartSpec {
  kind: "bar" | "line";
  title: string;
  labels: readonly string[];
  series: readonly ChartSeries[];
  yLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ["#2f6db5", "#d9822b", "#3a9a5b", "#b5443a", "#7a5bb5", "#5b8a9a"];
const M = { top: 34, right: 16, bottom: 64, left: 64 };

/** Escapes text for SVG/XML content and attributes. */
export function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Up to ~5 round tick values from 0 to at least `max`. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Short number: 1234 → "1.2k", 2.5e9 → "2.5G". */
export function shortNumber(v: number): string {
  const a = Math.abs(v);
  for (const [d, s] of [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]] as const) {
    if (a >= d) return `${Number((v / d).toFixed(1))}${s}`;
  }
  return String(Number(v.toFixed(2)));
}

/** Renders `spec` as a standalone SVG document fragment. */
export function renderChart(spec: ChartSpec): string {
  const W = spec.width ?? 720, H = spec.height ?? 320;
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  const n = spec.labels.length;
  const all = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const ticks = niceTicks(Math.max(0, ...all));
  const top = ticks[ticks.length - 1];
  const y = (v: number) => Math.round((M.top + ph - (v / top) * ph) * 10) / 10;
  const id = `c${Math.abs(hashCode(spec.title + n))}`;
  const summary =
    `${spec.kind === "bar" ? "Bar" : "Line"} chart of ${
      spec.series.map((s) => s.name).join(", ")
    } over ${n} ${n === 1 ? "category" : "categories"}` +
    (n > 0 ? ` from ${spec.labels[0]} to ${spec.labels[n - 1]}` : "");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" ` +
    `role="img" aria-labelledby="${id}-t ${id}-d" font-family="sans-serif" font-size="11">`,
    `<title id="${id}-t">${xmlEscape(spec.title)}</title>`,
    `<desc id="${id}-d">${xmlEscape(summary)}</desc>`,
    `<text x="${M.left}" y="18" font-size="14" font-weight="bold">${xmlEscape(spec.title)}</text>`,
  ];
  for (const t of ticks) {
    out.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${shortNumber(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${
      M.top + ph
    }" stroke="#333"/>`,
  );
  if (spec.yLabel) {
    out.push(
      `<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${
        xmlEscape(spec.yLabel)
      }</text>`,
    );
  }
  if (n === 0 || all.length === 0) {
    out.push(
      `<text x="${M.left + pw / 2}" y="${
        M.top + ph / 2
      }" text-anchor="middle" fill="#666">No data</text>`,
    );
  } else {
    out.push(...(spec.kind === "bar" ? bars(spec, pw, y) : lines(spec, pw, y)));
    out.push(...xLabels(spec.labels, pw, M.top + ph));
  }
  out.push(...legend(spec.series, W));
  out.push("</svg>");
  return out.join("\n");
}

function bars(spec: ChartSpec, pw: number, y: (v: number) => number): string[] {
  const n = spec.labels.length, k = spec.series.length;
  const band = pw / n, bw = Math.max(1, (band * 0.8) / k);
  const out: string[] = [];
  spec.series.forEach((s, si) => {
    s.values.forEach((v, i) => {
      if (v === null) return;
      const x = M.left + i * band + band * 0.1 + si * bw;
      const h = y(0) - y(v);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${
          h.toFixed(1)
        }" fill="${PALETTE[si % PALETTE.length]}"><title>${
          xmlEscape(`${s.name}, ${spec.labels[i]}: ${v}`)
        }</title></rect>`,
      );
    });
  });
  return out;
}

function lines(spec: ChartSpec, pw: number, y: (v: number) => number): string[] {
  const band = pw / spec.labels.length;
  const x = (i: number) => M.left + i * band + band / 2;
  const out: string[] = [];
  spec.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const pts = s.values.map((v, i) => v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)
      .filter((p) => p !== null);
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>`,
    );
    s.values.forEach((v, i) => {
      if (v === null) return;
      out.push(
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="${
          band < 8 ? 1.5 : 3
        }" fill="${color}"><title>${
          xmlEscape(`${s.name}, ${spec.labels[i]}: ${v}`)
        }</title></circle>`,
      );
    });
  });
  return out;
}

function xLabels(labels: readonly string[], pw: number, baseY: number): string[] {
  const n = labels.length;
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / 40))));
  const band = pw / n;
  const out: string[] = [];
  labels.forEach((l, i) => {
    if (i % every !== 0) return;
    const x = M.left + i * band + band / 2;
    const text = l.length > 14 ? l.slice(0, 13) + "…" : l;
    out.push(
      `<text transform="translate(${x.toFixed(1)} ${baseY + 12}) rotate(-35)" text-anchor="end">${
        xmlEscape(text)
      }</text>`,
    );
  });
  return out;
}

function legend(series: readonly ChartSeries[], W: number): string[] {
  if (series.length < 2) return [];
  return series.map((s, i) => {
    const x = W - M.right - (series.length - i) * 120;
    return `<rect x="${x}" y="8" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>` +
      `<text x="${x + 14}" y="17">${xmlEscape(s.name)}</text>`;
  });
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}
