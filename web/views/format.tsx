/**
 * Human forms of raw values shared by pages: byte sizes, and times as `<time>` elements
 * that carry UTC ISO (shown on hover) and are turned into the browser's time zone by
 * /static/local_time.js (no inline script: CSP).
 */

/** Formats a byte count as B, KiB, MiB or GiB with three significant digits. */
export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) [v, i] = [v / 1024, i + 1];
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

/** "2026-03-01 09:00:00 UTC" from an ISO time (the text before the script localizes it). */
export function utcText(iso: string): string {
  return `${iso.replace("T", " ").slice(0, 19)} UTC`;
}

/**
 * A time shown in the browser's zone by local_time.js, UTC on hover. `format`
 * `datetime` (default), `date` or `time` picks what the script prints.
 */
export function LocalTime(
  props: { iso: string | null | undefined; format?: "datetime" | "date" | "time" },
) {
  if (!props.iso) return <>–</>;
  const utc = utcText(props.iso);
  return (
    <time datetime={props.iso} title={utc} data-local={props.format ?? "datetime"}>
      {utc}
    </time>
  );
}
