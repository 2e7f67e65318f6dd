/**
 * SDES `a=crypto` attributes (RFC 4568 §9.1) with the suites of RFC 4568 §6.2 and
 * RFC 7714 §12: parse, serialize, pick the first suite we support, and our answer line.
 * Key material is held by {@link SrtpKeys}, which never prints or serializes its key.
 *
 *   a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
 *
 *   key-params = key-param *(";" key-param)
 *   key-param  = "inline:" key-salt ["|" lifetime] ["|" mki-value ":" mki-length]
 *   tag        = 1*9DIGIT             lifetime = ["2^"] 1*DIGIT
 *   key-salt   = 1*(base64)           session-param = 1*(VCHAR)  (space separated)
 */
import { SipParseError } from "./message.ts";

/** SRTP suites we can receive: master key and salt lengths in bytes. */
export const SRTP_SUITES = {
  AES_CM_128_HMAC_SHA1_80: { keyBytes: 16, saltBytes: 14 },
  AES_CM_128_HMAC_SHA1_32: { keyBytes: 16, saltBytes: 14 },
  AEAD_AES_128_GCM: { keyBytes: 16, saltBytes: 12 },
  AEAD_AES_256_GCM: { keyBytes: 32, saltBytes: 12 },
} as const;

/** Name of a suite in {@link SRTP_SUITES}. */
export type SrtpSuite = keyof typeof SRTP_SUITES;

/** True when `name` is a suite we support. */
export function isSrtpSuite(name: string): name is SrtpSuite {
  return Object.hasOwn(SRTP_SUITES, name);
}

/** One `inline:` key parameter (RFC 4568 §6.1). */
export interface CryptoKeyParam {
  /** base64 of master key || master salt, as written. */
  keySalt: string;
  /** Lifetime as written (`2^31`, `1048576`), or null. */
  lifetime: string | null;
  mki: { value: string; length: number } | null;
}

/** One parsed `a=crypto` value. */
export interface CryptoAttribute {
  tag: number;
  suite: string;
  keys: CryptoKeyParam[];
  sessionParams: string[];
}

const TAG = /^\d{1,9}$/;
const SUITE = /^[A-Za-z0-9_]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const LIFETIME = /^(?:2\^)?\d{1,20}$/;
const MKI = /^(\d{1,20}):(\d{1,3})$/;

function fail(what: string, value: string): never {
  throw new SipParseError(`Cannot parse SDP crypto ${what}: "${value.slice(0, 40)}"`);
}

function parseKeyParam(text: string): CryptoKeyParam {
  if (!text.toLowerCase().startsWith("inline:")) fail("key method", text.slice(0, 8));
  const [keySalt, ...rest] = text.slice(7).split("|");
  if (!BASE64.test(keySalt)) fail("key", "inline:…");
  if (rest.length > 2) fail("key parameter", "too many '|' fields");
  // One field: a lifetime or an MKI; two: lifetime then MKI (RFC 4568 §9.1).
  const mkiText = rest.length === 2 || (rest.length === 1 && rest[0].includes(":"))
    ? rest.at(-1)!
    : null;
  const lifetime = rest.length === 2 || (rest.length === 1 && mkiText === null) ? rest[0] : null;
  if (lifetime !== null && !LIFETIME.test(lifetime)) fail("lifetime", lifetime);
  let mki: CryptoKeyParam["mki"] = null;
  if (mkiText !== null) {
    const m = MKI.exec(mkiText);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 128) fail("MKI", mkiText);
    mki = { value: m[1], length: Number(m[2]) };
  }
  return { keySalt, lifetime, mki };
}

/** Parse the value of an `a=crypto` attribute. Throws {@link SipParseError}. */
export function parseCrypto(value: string): CryptoAttribute {
  const f = value.trim().split(/[ \t]+/);
  if (f.length < 3) fail("attribute", "fewer than three fields");
  if (!TAG.test(f[0])) fail("tag", f[0]);
  if (!SUITE.test(f[1])) fail("suite", f[1]);
  const keys = f[2].split(";").map(parseKeyParam);
  return { tag: Number(f[0]), suite: f[1], keys, sessionParams: f.slice(3) };
}

/** Serialize an `a=crypto` value (what {@link parseCrypto} reads back). */
export function serializeCrypto(c: CryptoAttribute): string {
  const keys = c.keys.map((k) =>
    [
      `inline:${k.keySalt}`,
      ...(k.lifetime !== null ? [k.lifetime] : []),
      ...(k.mki ? [`${k.mki.value}:${k.mki.length}`] : []),
    ].join("|")
  );
  return [String(c.tag), c.suite, keys.join(";"), ...c.sessionParams].join(" ");
}

/**
 * Master key and salt of one SRTP direction. The bytes are reachable only through
 * {@link SrtpKeys.keySalt}; printing, JSON and structured clone show the suite only.
 */
export class SrtpKeys {
  readonly suite: SrtpSuite;
  /** Changes with every new key (a re-key is a stream change), carries no key bits. */
  readonly generation: number;
  #keySalt: Uint8Array;
  static #next = 1;

  constructor(suite: SrtpSuite, keySalt: Uint8Array) {
    const { keyBytes, saltBytes } = SRTP_SUITES[suite];
    if (keySalt.length !== keyBytes + saltBytes) {
      throw new RangeError(`Cannot use SRTP key: ${suite} needs ${keyBytes + saltBytes} bytes`);
    }
    this.suite = suite;
    this.generation = SrtpKeys.#next++;
    this.#keySalt = keySalt.slice();
  }

  /** A copy of master key || master salt. */
  keySalt(): Uint8Array {
    return this.#keySalt.slice();
  }

  /** Same suite and key bytes (the SRC kept its key in a re-offer). */
  sameKey(other: SrtpKeys): boolean {
    const a = this.#keySalt, b = other.#keySalt;
    return this.suite === other.suite && a.length === b.length && a.every((x, i) => x === b[i]);
  }

  toJSON(): { suite: SrtpSuite; key: string } {
    return { suite: this.suite, key: "<redacted>" };
  }

  [Symbol.for("Deno.customInspect")](): string {
    return `SrtpKeys(${this.suite})`;
  }
}

function decodeBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The offer's crypto line we take for a stream, with the SRC's key. */
export interface ChosenCrypto {
  tag: number;
  remote: SrtpKeys;
}

/**
 * First `a=crypto` value (offer order, RFC 4568 §7.1.1) we can use: a supported suite,
 * one key without MKI, the right key length, no session parameters (we do not do
 * UNENCRYPTED_SRTP, KDR, FEC_ORDER…). Lines that do not parse are skipped.
 */
export function chooseCrypto(values: string[]): ChosenCrypto | null {
  for (const v of values) {
    let c: CryptoAttribute;
    try {
      c = parseCrypto(v);
    } catch {
      continue;
    }
    if (!isSrtpSuite(c.suite) || c.keys.length !== 1 || c.keys[0].mki) continue;
    if (c.sessionParams.length > 0) continue;
    const bytes = decodeBase64(c.keys[0].keySalt);
    const { keyBytes, saltBytes } = SRTP_SUITES[c.suite];
    if (!bytes || bytes.length !== keyBytes + saltBytes) continue;
    return { tag: c.tag, remote: new SrtpKeys(c.suite, bytes) };
  }
  return null;
}

/** Our answer's crypto value (RFC 4568 §7.1.2): the offer's tag and suite, a fresh key. */
export function answerCrypto(chosen: ChosenCrypto): string {
  const { keyBytes, saltBytes } = SRTP_SUITES[chosen.remote.suite];
  const key = crypto.getRandomValues(new Uint8Array(keyBytes + saltBytes));
  const keySalt = btoa(String.fromCharCode(...key));
  return serializeCrypto({
    tag: chosen.tag,
    suite: chosen.remote.suite,
    keys: [{ keySalt, lifetime: null, mki: null }],
    sessionParams: [],
  });
}

/** SDP text with every `inline:` key replaced by `inline:<redacted>`. */
export function redactSdpKeys(text: string): string {
  return text.replace(/inline:[^|;\s]*/gi, "inline:<redacted>");
}
