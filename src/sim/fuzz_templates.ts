/**
 * The messages the SIP fuzzer (src/sim/fuzz_sip.ts) starts from and their wire form:
 * valid requests (OPTIONS, INVITE with SDP, BYE, CANCEL, INFO), the per-vendor SIPREC
 * offers of a corpus directory (tests/fixtures/siprec) turned into templates, a
 * template filled per message with a true Content-Length, and the Latin-1 bytes that
 * keep random bytes bytes.
 */

/**
 * A message template: `{callId}`, `{branch}`, `{tag}`, `{host}`, `{port}` (the SRS),
 * `{lport}` (our port) and `{transport}` are filled per message.
 */
export type SipTemplate = string;

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

/** A message split at its blank line: start line and headers, and the body. */
export function splitMessage(text: string): { head: string[]; body: string } {
  const i = text.indexOf("\n\n");
  return i < 0
    ? { head: text.split("\n"), body: "" }
    : { head: text.slice(0, i).split("\n"), body: text.slice(i + 2) };
}

/** The inverse of {@link splitMessage}. */
export function joinMessage(head: string[], body: string): string {
  return head.join("\n") + "\n\n" + body;
}

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
  const { head, body } = splitMessage(text);
  const kept = head.filter((l) => !/^(Content-Length|l)\s*:/i.test(l));
  return joinMessage([...kept, `Content-Length: ${byteLength(body)}`], body);
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
