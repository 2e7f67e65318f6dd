/**
 * The mutations of the SIP fuzzer, each one a hostile peer would try on a valid
 * message: deleted or duplicated headers, huge or empty values, CRLF injection, forged
 * Via parameters, a broken start line, a wrong Content-Length or Content-Type, broken
 * SDP, multipart and XML bodies, hundreds of m-lines or headers, random bytes, a cut.
 * All randomness comes from the seeded {@link Random}, so a finding can be replayed.
 */
import { pick, type Random, randomHex, randomInt } from "./rng.ts";
import { joinMessage, splitMessage } from "./fuzz_templates.ts";

/** A mutation: rewrites the message text (LF line ends, no Content-Length yet). */
export interface Mutation {
  name: string;
  apply(rng: Random, text: string): string;
}

function randomBytes(rng: Random, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(randomInt(rng, 0, 255));
  return s;
}

function onHeader(f: (rng: Random, head: string[], i: number) => void): Mutation["apply"] {
  return (rng, text) => {
    const { head, body } = splitMessage(text);
    if (head.length > 1) f(rng, head, randomInt(rng, 1, head.length - 1));
    return joinMessage(head, body);
  };
}

/** Every mutation, in a fixed order (a seed picks among them). */
export const MUTATIONS: readonly Mutation[] = [
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
      const { head, body } = splitMessage(text);
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
      return joinMessage(head, body);
    },
  },
  {
    name: "content-length",
    apply: (rng, text) => {
      const v = pick(rng, ["-1", "99999999", "0", "abc", "5", "1e3", "", "4294967296"]);
      const { head, body } = splitMessage(text);
      head.push(`Content-Length: ${v}`);
      return joinMessage(head, body);
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
      const { head, body } = splitMessage(text);
      const n = randomInt(rng, 100, 2_000);
      for (let i = 0; i < n; i++) head.push(`X-Fuzz-${i}: ${randomHex(rng, 4)}`);
      return joinMessage(head, body);
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
