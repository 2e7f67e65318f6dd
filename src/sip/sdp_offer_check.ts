/**
 * Which offered m-lines a recording server can take, and the refusal of an offer as a
 * whole (RFC 3264 §6: a stream we cannot take is refused, an offer with none is a 488):
 * the codecs we record and their companions, the `rtp.srtp` policy for RTP/SAVP with
 * SDES keys (RFC 4568, keys only over TLS: §8.3), and the 488/503 {@link SdpOfferError}.
 */
import { mediaFormats, type RtpFormat, type SdpMedia, type SdpSession } from "./sdp.ts";
import { chooseCrypto } from "./sdp_crypto.ts";

/** Codecs we can record, in no particular preference: the offer's order wins. */
export const RECORDABLE_CODECS = new Set(["pcmu", "pcma", "g722", "g729", "opus"]);
/** Non-audio formats answered beside them (RFC 4733 events, RFC 3389 comfort noise). */
const COMPANION_FORMATS = new Set(["telephone-event", "cn"]);

/**
 * `rtp.srtp`: `off` refuses RTP/SAVP offers, `offered` takes either, `required`
 * refuses plain RTP. SDES keys travel in the SDP, so they are taken only over TLS
 * (RFC 4568 §8.3) unless `sdesAllowed` says otherwise (`allowOverPlainSip`).
 */
export interface SrtpPolicy {
  mode: "off" | "offered" | "required";
  /** The offer came over TLS, or `rtp.srtp.allowOverPlainSip` is set. */
  sdesAllowed: boolean;
}

/** The default policy: SRTP accepted when offered, keys only over TLS. */
export const SRTP_OFFERED_OVER_TLS: SrtpPolicy = { mode: "offered", sdesAllowed: false };

/** An offer we must refuse as a whole: 488 (with Warning text) or 503 (no ports). */
export class SdpOfferError extends Error {
  readonly status: 488 | 503;
  readonly warning: string;
  constructor(status: 488 | 503, warning: string) {
    super(`Cannot answer SDP offer: ${warning}`);
    this.name = "SdpOfferError";
    this.status = status;
    this.warning = warning;
  }
}

/** True for any SRTP profile (RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP…). */
export function isSecureProto(proto: string): boolean {
  return /SAVP/i.test(proto);
}

/** True for a format we record (G.729 in any annex: `G729`, and RFC 4749 `G729A`…). */
export function isRecordableFormat(name: string): boolean {
  return RECORDABLE_CODECS.has(name.toLowerCase());
}

/**
 * The formats we answer for an m-line, in the offer's order: every recordable codec
 * and its telephone-event and CN companions; `codec` is the first recordable one.
 */
export function chooseCodecs(
  formats: RtpFormat[],
): { codec: RtpFormat | null; te: RtpFormat | null; kept: RtpFormat[] } {
  const codec = formats.find((f) => isRecordableFormat(f.name)) ?? null;
  const kept = codec
    ? formats.filter((f) =>
      isRecordableFormat(f.name) || COMPANION_FORMATS.has(f.name.toLowerCase())
    )
    : [];
  const te =
    formats.find((f) =>
      f.name.toLowerCase() === "telephone-event" && f.clockRate === (codec?.clockRate ?? 8000)
    ) ?? formats.find((f) => f.name.toLowerCase() === "telephone-event") ?? null;
  return { codec, te, kept };
}

/** `name/rate` of every format the active audio m-lines offer, once each, for a 488. */
function offeredCodecNames(active: SdpMedia[]): string {
  const names = new Set<string>();
  for (const m of active) {
    for (const f of mediaFormats(m)) names.add(`${f.name}/${f.clockRate}`);
    if (mediaFormats(m).length === 0) { for (const f of m.formats) names.add(`PT ${f}`); }
  }
  return names.size ? [...names].join(", ") : "nothing";
}

/** The values of an m-line's `a=crypto` lines (RFC 4568 §9.1). */
export function cryptoLines(m: SdpMedia): string[] {
  return m.attributes.filter((a) => a.name.toLowerCase() === "crypto").map((a) => a.value ?? "");
}

/** True when we can record the m-line: active audio, a codec we record, SRTP as allowed. */
export function recordable(m: SdpMedia, srtp: SrtpPolicy): boolean {
  if (m.port === 0 || m.type.toLowerCase() !== "audio") return false;
  if (chooseCodecs(mediaFormats(m)).codec === null) return false;
  if (/^RTP\/AVPF?$/i.test(m.proto)) return srtp.mode !== "required";
  return /^RTP\/SAVPF?$/i.test(m.proto) && srtp.mode !== "off" && srtp.sdesAllowed &&
    chooseCrypto(cryptoLines(m)) !== null;
}

/**
 * Refuse an offer we cannot answer at all, before any port is taken → 488: SRTP while
 * `rtp.srtp` is off (never answered as plain RTP/AVP, RFC 3264 §6), plain RTP while it
 * is required, SDES keys over plain SIP (RFC 4568 §8.3), no recordable audio stream.
 */
export function checkOffer(offer: SdpSession, srtp = SRTP_OFFERED_OVER_TLS): void {
  const active = offer.media.filter((m) => m.port !== 0 && m.type.toLowerCase() === "audio");
  const secure = active.find((m) => isSecureProto(m.proto));
  const plain = active.find((m) => !isSecureProto(m.proto));
  if (secure && srtp.mode === "off") {
    throw new SdpOfferError(
      488,
      `SRTP (${secure.proto}) is off here (rtp.srtp.mode); offer RTP/AVP`,
    );
  }
  if (plain && srtp.mode === "required") {
    throw new SdpOfferError(
      488,
      `SRTP is required here (rtp.srtp.mode required); offer RTP/SAVP with a=crypto, not ${plain.proto}`,
    );
  }
  if (secure && !srtp.sdesAllowed && !active.some((m) => recordable(m, srtp))) {
    throw new SdpOfferError(
      488,
      `SDES keys (${secure.proto}) are accepted only over SIP/TLS (RFC 4568 §8.3; rtp.srtp.allowOverPlainSip)`,
    );
  }
  if (!active.some((m) => recordable(m, srtp))) {
    const codecsOk = active.some((m) => chooseCodecs(mediaFormats(m)).codec !== null);
    throw new SdpOfferError(
      488,
      `No recordable audio stream: offered ${offeredCodecNames(active)}${
        codecsOk ? " (RTP/SAVP without a supported a=crypto suite)" : ""
      }`,
    );
  }
}
