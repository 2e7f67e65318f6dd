/** Reads the recordings search form (query string) into a filter; bad values are ignored. */
import type { RecordingFilter } from "../src/store/queries/recordings.ts";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function dayIso(text: string | undefined, plusDays = 0): string | undefined {
  if (!text || !DATE.test(text)) return undefined;
  const t = Date.parse(`${text}T00:00:00.000Z`);
  return Number.isNaN(t) ? undefined : new Date(t + plusDays * 86_400_000).toISOString();
}

function str(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t && t.length <= 200 ? t : undefined;
}

function seconds(v: string | undefined): number | undefined {
  if (!v || !/^\d{1,7}$/.test(v.trim())) return undefined;
  return Number(v) * 1000;
}

function flag(v: string | undefined): boolean | undefined {
  return v === "yes" ? true : v === "no" ? false : undefined;
}

/** Parses `meta` as `key=value; key2=value2`. */
export function parseMetadataFilter(text: string | undefined): { key: string; value: string }[] {
  if (!text) return [];
  return text.split(";").map((p) => p.trim()).filter((p) => p.includes("=")).slice(0, 10)
    .map((p) => {
      const i = p.indexOf("=");
      return { key: p.slice(0, i).trim(), value: p.slice(i + 1).trim() };
    }).filter((kv) => kv.key.length > 0 && kv.key.length <= 100 && kv.value.length <= 200);
}

/** The filter for a query (dates are UTC days; `to` is inclusive of its day). */
export function filterFromQuery(q: Record<string, string | undefined>): RecordingFilter {
  return {
    from: dayIso(q.from),
    to: dayIso(q.to, 1),
    agentId: str(q.agent),
    customerId: str(q.customer),
    number: str(q.number),
    businessUnit: str(q.bu),
    customerType: str(q.ctype),
    language: str(q.lang),
    minDurationMs: seconds(q.min_s),
    maxDurationMs: seconds(q.max_s),
    interrupted: flag(q.interrupted),
    noMedia: flag(q.no_media),
    sessionExpired: flag(q.session_expired),
    mediaTimeout: flag(q.media_timeout),
    oneWay: flag(q.one_way),
    paused: flag(q.paused),
    legalHold: flag(q.hold),
    metadata: parseMetadataFilter(q.meta),
  };
}

/** Search form field names, in display order, for links that keep the filter. */
export const SEARCH_FIELDS = [
  "from",
  "to",
  "agent",
  "customer",
  "number",
  "bu",
  "ctype",
  "lang",
  "min_s",
  "max_s",
  "interrupted",
  "no_media",
  "session_expired",
  "media_timeout",
  "one_way",
  "paused",
  "hold",
  "meta",
] as const;
