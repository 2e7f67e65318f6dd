/**
 * Seeded SIP message mutator for the fuzzer (src/sim/fuzz_sip.ts): starts from valid
 * requests (OPTIONS, INVITE with SDP, BYE, and the per-vendor SIPREC offers of
 * tests/fixtures/siprec) and applies one to three mutations a hostile peer would try:
 * deleted or duplicated headers, huge values, a wrong Content-Length, broken SDP,
 * multipart and XML bodies, hundreds of m-lines, random bytes, CRLF injection, forged
 * Via parameters. The same seed gives the same messages, so a finding can be replayed.
 */
import { pick, type Random, randomHex, randomInt } from "./rng.ts";

/**
 * A message template: `{callId}`, `{branch}`, `{tag}`, `{host}`, `{port}` (the SRS),
 * `{lport}` (our port) and `{transport}` are filled per message.
 */
export type SipTemplate = string;

/** Largest message sent over UDP (IPv4 datagram payload limit, with room for headers). */
export const MAX_UDP_BYTES = 65_000;

const SDP = [
  "v=0",
  "o=src 1 1 IN IP4 {host}",
  "s=-",
  "c=IN IP4 {host}",
  "t=0 0",
  "m=audio 40000 RTP/AVP 0 8 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=label:1",
  "a=sendonly",
  "m=audio 40002 RTP/AVP 0",
  "a=label:2",
  "a=sendonly",
  "",
].join("\n");

function request(method: string, extra: string[], body = ""): SipTemplate {
  return [
    `${method} sip:srs@{host}:{port} SIP/2.0`,
    "Via: SIP/2.0/{transport} {host}:{lport};branch=z9hG4bK{branch};rport",
    "Max-Forwards: 70",
    "From: <sip:fuzz@{host}>;tag={tag}",
    "To: <sip:srs@{host}>",
    "Call-ID: {callId}",
    `CSeq: 1 ${method}`,
    "Contact: <sip:fuzz@{host}:{lport}>;+sip.src",
    ...extra,
    "",
    body,
  ].join("\n");
}

/** Valid requests the mutations start from (besides a vendor corpus). */
export const BASE_TEMPLATES: readonly SipTemplate[] = [
  request("OPTIONS", []),
  request("INVITE", ["Content-Type: application/sdp"], SDP),
  request("BYE", []),
  request("CANCEL", []),
  request("INFO", ["Content-Type: text/plain"], "hello\n"),
];

/** A mutation: rewrites the message text (LF line ends, no Content-Length yet). */
interface Mutation {
  name: string;
  apply(rng: Random, text: string): string;
}

function split(text: string): { head: string[]; body: string } {
  const i = text.indexOf("\n\n");
  return i < 0
    ? { head: text.split("\n"), body: "" }
    : { head: text.slice(0, i).split("\n"), body: text.slice(i + 2) };
}

function join(head: string[], body: string): string {
  return head.join("\n") + "\n\n" + body;
}

function randomBytes(rng: Random, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(randomInt(rng, 0, 255));
  return s;
}

function onHeader(f: (rng: Random, head: string[], i: number) => void): Mutation["apply"] {
  return (rng, text) => {
    const { head, body } = split(text);
    if (head.length > 1) f(rng, head, randomInt(rng, 1, head.length - 1));
    return join(head, body);
  };
}

const MUTATIONS: readonly Mutation[] = [
  { name: "delete-header", apply: onHeader((_r, head, i) => head.splice(i, 1)) },
  { name: "duplicate-header", apply: onHeader((_r, head, i) => head.splice(i, 0, head[i])) },
  {
    name: "huge-value",
    apply: onHeader((rng, head, i) => {
      head[i] += "x".repeat(randomInt(rng, 1_000, 60_000));
    }),
  },
  {
    name: "empty-value",
    apply: onHeader((_r, head, i) => head[i] = head[i].replace(/:.*/, ":")),
  },
  { name: "empty-via", apply: (_r, text) => text.replace(/^Via:.*$/m, "Via: ,") },
  {
    name: "forged-received",
    apply: (_r, text) => text.replace(/^(Via:.*)$/m, "$1;received=127.0.0.1;rport=9"),
  },
  {
    name: "crlf-injection",
    apply: onHeader((rng, head, i) => {
      head[i] += pick(rng, ["\r\nX-Injected: 1", "\rBare-CR: 1", "\n Folded: 1", "\0nul"]);
    }),
  },
  { name: "no-angle-from", apply: (_r, text) => text.replace(/^From:.*$/m, "From: sip:x@y;tag=1") },
  {
    name: "bad-start-line",
    apply: (rng, text) => {
      const { head, body } = split(text);
      head[0] = pick(rng, [
        " sip:srs SIP/2.0",
        "INVITE  SIP/2.0",
        "INVITE sip:srs SIP/9.9",
        `INVITE sip:${"a".repeat(8000)} SIP/2.0`,
        "SIP/2.0 200",
        "SIP/2.0 999999 OK",
        "\u00e9\u00e8 sip:srs SIP/2.0",
        "",
      ]);
      return join(head, body);
    },
  },
  {
    name: "content-length",
    apply: (rng, text) => {
      const v = pick(rng, ["-1", "99999999", "0", "abc", "5", "1e3", "", "4294967296"]);
      const { head, body } = split(text);
      head.push(`Content-Length: ${v}`);
      return join(head, body);
    },
  },
  {
    name: "content-type",
    apply: (rng, text) =>
      text.replace(
        /^Content-Type:.*$/m,
        "Content-Type: " + pick(rng, [
          "multipart/mixed",
          "multipart/mixed;boundary=",
          'multipart/mixed;boundary="unterminated',
          "application/rs-metadata+xml",
          "application/sdp;charset=\u0000",
          "",
        ]),
      ),
  },
  { name: "many-m-lines", apply: manyMLines },
  { name: "break-sdp", apply: breakSdp },
  { name: "break-multipart", apply: breakMultipart },
  { name: "break-xml", apply: breakXml },
  {
    name: "random-bytes",
    apply: (rng, text) => {
      const at = randomInt(rng, 0, text.length);
      return text.slice(0, at) + randomBytes(rng, randomInt(rng, 1, 64)) +
        text.slice(at + randomInt(rng, 0, 32));
    },
  },
  { name: "truncate", apply: (rng, text) => text.slice(0, randomInt(rng, 0, text.length)) },
  {
    name: "many-headers",
    apply: (rng, text) => {
      const { head, body } = split(text);
      const n = randomInt(rng, 100, 2_000);
      for (let i = 0; i < n; i++) head.push(`X-Fuzz-${i}: ${randomHex(rng, 4)}`);
      return join(head, body);
    },
  },
];

function manyMLines(rng: Random, text: string): string {
  const n = randomInt(rng, 5, 600);
  let extra = "";
  for (let i = 0; i < n; i++) {
    extra += `m=audio ${40004 + 2 * i} RTP/AVP 0\na=label:${i + 3}\na=sendonly\n`;
  }
  return text.replace(/(a=sendonly\n)(?![\s\S]*a=sendonly\n)/, `$1${extra}`);
}

function breakSdp(rng: Random, text: string): string {
  return text.replace(
    /^(m=|c=|a=rtpmap:|v=|o=)(.*)$/m,
    (_all, key: string, value: string) =>
      key + pick(rng, [
        "",
        "audio 99999999 RTP/AVP 0",
        "audio -2 RTP/AVP",
        "audio 0/9 RTP/AVP " + "96 ".repeat(500),
        "IN IP4 ",
        "IN IP6 ::ffff:999.1.1.1",
        value + " " + randomBytes(rng, 8),
        "0 PCMU/0",
        "300 x/-1/2",
      ]),
  );
}

function breakMultipart(rng: Random, text: string): string {
  const m = /boundary="?([^";\n]+)/.exec(text);
  if (!m) return text;
  const b = m[1];
  return pick(rng, [
    () => text.replaceAll(`--${b}--`, ""),
    () => text.replaceAll(`--${b}`, `--${b}x`),
    () => text.replace(`--${b}`, `--${b}\n--${b}\n--${b}`),
    () => text.replace(/\n\n(?=[^]*--)/, "\n"),
    () => text + `--${b}\nContent-Type: multipart/mixed;boundary=${b}\n\n`.repeat(50),
  ])();
}

function breakXml(rng: Random, text: string): string {
  const i = text.indexOf("<?xml");
  if (i < 0) return text;
  return pick(rng, [
    () => text.slice(0, i + randomInt(rng, 5, Math.max(6, text.length - i))),
    () => text.replace(/<\/[a-z]+>/i, ""),
    () =>
      text.replace(
        "<?xml",
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><?xml',
      ),
    () => text.replace(/>([^<]*)</, ">&b;&unknown;&#xFFFFFF;<"),
    () => text.slice(0, i) + "<a>".repeat(5_000) + text.slice(i),
    () => text.replace(/participant_id="[^"]*"/, `participant_id="${"p".repeat(20_000)}"`),
  ])();
}

/** Names of the mutations, for reports. */
export const MUTATION_NAMES: readonly string[] = MUTATIONS.map((m) => m.name);

/** Values filled into a template. */
export interface Fill {
  host: string;
  port: number;
  lport: number;
  transport: "UDP" | "TCP";
  callId: string;
  branch: string;
  tag: string;
}

/** Fills a template and makes the message wire-shaped: CRLF and a true Content-Length. */
export function fillTemplate(template: SipTemplate, fill: Fill): string {
  const text = template
    .replaceAll("{host}", fill.host)
    .replaceAll("{port}", String(fill.port))
    .replaceAll("{lport}", String(fill.lport))
    .replaceAll("{transport}", fill.transport)
    .replaceAll("{callId}", fill.callId)
    .replaceAll("{branch}", fill.branch)
    .replaceAll("{tag}", fill.tag);
  const { head, body } = split(text);
  const kept = head.filter((l) => !/^(Content-Length|l)\s*:/i.test(l));
  return join([...kept, `Content-Length: ${byteLength(body)}`], body);
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Latin-1 encoding: every char code below 256 is one byte (random bytes stay bytes). */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** One fuzzed message and the mutations applied to it. */
export interface FuzzedMessage {
  bytes: Uint8Array;
  mutations: string[];
  callId: string;
}

/** Makes one mutated message from a template (LF line ends are turned into CRLF). */
export function mutateMessage(rng: Random, template: SipTemplate, fill: Fill): FuzzedMessage {
  let text = fillTemplate(template, fill);
  const applied: string[] = [];
  const n = randomInt(rng, 1, 3);
  for (let i = 0; i < n; i++) {
    const m = pick(rng, MUTATIONS);
    text = m.apply(rng, text);
    applied.push(m.name);
  }
  const bytes = latin1(text.replace(/\r?\n/g, "\r\n"));
  return { bytes: bytes.subarray(0, MAX_UDP_BYTES), mutations: applied, callId: fill.callId };
}

/**
 * Reads the vendor SIPREC offers (`*.sip`) of a corpus directory as templates. Their
 * documentation addresses (192.0.2.0/24) become `{host}` and the Via and Contact point
 * at us, so the SRS answers (and any BYE it sends) reach the fuzzer and no other host.
 */
export async function loadCorpus(dir: string | URL): Promise<SipTemplate[]> {
  const out: SipTemplate[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".sip")) continue;
    const text = await Deno.readTextFile(new URL(e.name, ensureDir(dir)));
    out.push(
      text.replace(/^Call-ID:.*$/m, "Call-ID: {callId}")
        .replace(
          /^Via:.*$/m,
          "Via: SIP/2.0/{transport} {host}:{lport};branch=z9hG4bK{branch};rport",
        )
        .replace(/^(Contact:[^\n]*?)192\.0\.2\.\d+(:\d+)?/m, "$1{host}:{lport}")
        .replace(/^(From:[^\n]*tag=)[^;\s]*/m, "$1{tag}")
        .replace(/192\.0\.2\.\d+/g, "{host}"),
    );
  }
  return out.sort();
}

function ensureDir(dir: string | URL): URL {
  const s = dir instanceof URL ? dir.href : new URL(dir, `file://${Deno.cwd()}/`).href;
  return new URL(s.endsWith("/") ? s : s + "/");
}
