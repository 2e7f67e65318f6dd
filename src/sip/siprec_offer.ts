/**
 * Building SIPREC offers as an SRC would (RFC 7866 §8, RFC 7865 §6): SDP with one
 * labelled m-line per stream, RFC 7865 metadata, the multipart body, and a whole
 * INVITE. Used by `selrec simulate`, tests and fixtures.
 */
import { SipHeaders } from "./headers.ts";
import type { SipRequest } from "./message.ts";
import { buildMultipart } from "./multipart.ts";
import { RECORDING_NS } from "./metadata.ts";

/** One stream the SRC will send. */
export interface OfferStream {
  label: string;
  /** SRC's RTP port for this stream. */
  port: number;
  codec?: "PCMU" | "PCMA" | "G722" | "G729" | "opus";
  direction?: "sendonly" | "inactive" | "sendrecv";
  /** Media profile (default RTP/AVP); RTP/SAVP with `crypto` for SRTP. */
  proto?: string;
  /** SDES `a=crypto` value (RFC 4568 §9.1), e.g. `1 AES_CM_128_HMAC_SHA1_80 inline:…`. */
  crypto?: string;
}

/** One participant and the labels of the streams it sends/receives. */
export interface OfferParticipant {
  id?: string;
  aor: string;
  name?: string;
  sends: string[];
  receives?: string[];
}

/** Inputs of the builders below. */
export interface SiprecOfferOptions {
  /** SRC media address. */
  host: string;
  streams: OfferStream[];
  participants: OfferParticipant[];
  sessionId?: string;
  sipSessionId?: string;
  /** Rendered as `<extensiondata>` key/values in a private namespace. */
  extensions?: Record<string, string>;
  dataMode?: "complete" | "partial";
  /** o= version; bump on re-offers. */
  sdpVersion?: number;
}

const CODECS = {
  PCMU: { pt: 0, map: "PCMU/8000" },
  PCMA: { pt: 8, map: "PCMA/8000" },
  G722: { pt: 9, map: "G722/8000" },
  G729: { pt: 18, map: "G729/8000" },
  opus: { pt: 111, map: "opus/48000/2" },
};

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** SDP offer: one `sendonly` audio m-line per stream with `a=label`. */
export function buildSiprecSdp(o: SiprecOfferOptions): string {
  const ip = o.host.includes(":") ? "IP6" : "IP4";
  const lines = [
    "v=0",
    `o=src 1 ${o.sdpVersion ?? 1} IN ${ip} ${o.host}`,
    "s=SIPREC",
    `c=IN ${ip} ${o.host}`,
    "t=0 0",
  ];
  for (const s of o.streams) {
    const c = CODECS[s.codec ?? "PCMU"];
    lines.push(
      `m=audio ${s.port} ${s.proto ?? "RTP/AVP"} ${c.pt} 101`,
      `a=rtpmap:${c.pt} ${c.map}`,
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-15",
      ...(s.crypto ? [`a=crypto:${s.crypto}`] : []),
      `a=label:${s.label}`,
      `a=${s.direction ?? "sendonly"}`,
    );
  }
  return lines.join("\r\n") + "\r\n";
}

/** RFC 7865 metadata document for the offer. */
export function buildSiprecMetadata(o: SiprecOfferOptions): string {
  const sid = o.sessionId ?? "c2Vzc2lvbi0x";
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<recording xmlns="${RECORDING_NS}">`,
    `  <datamode>${o.dataMode ?? "complete"}</datamode>`,
    `  <session session_id="${xmlEscape(sid)}">`,
    ...(o.sipSessionId ? [`    <sipSessionID>${xmlEscape(o.sipSessionId)}</sipSessionID>`] : []),
    `  </session>`,
  ];
  if (o.extensions && Object.keys(o.extensions).length > 0) {
    out.push(`  <extensiondata xmlns:x="urn:selrec:simulate">`);
    for (const [k, v] of Object.entries(o.extensions)) {
      out.push(`    <x:param name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
    }
    out.push(`  </extensiondata>`);
  }
  o.participants.forEach((p, i) => {
    const pid = p.id ?? `p${i + 1}`;
    out.push(
      `  <participant participant_id="${xmlEscape(pid)}">`,
      `    <nameID aor="${xmlEscape(p.aor)}">${
        p.name ? `<name>${xmlEscape(p.name)}</name>` : ""
      }</nameID>`,
      `  </participant>`,
    );
  });
  for (const s of o.streams) {
    out.push(
      `  <stream stream_id="s-${xmlEscape(s.label)}" session_id="${xmlEscape(sid)}">`,
      `    <label>${xmlEscape(s.label)}</label>`,
      `  </stream>`,
    );
  }
  o.participants.forEach((p, i) => {
    out.push(`  <participantstreamassoc participant_id="${xmlEscape(p.id ?? `p${i + 1}`)}">`);
    for (const l of p.sends) out.push(`    <send>s-${xmlEscape(l)}</send>`);
    for (const l of p.receives ?? []) out.push(`    <recv>s-${xmlEscape(l)}</recv>`);
    out.push(`  </participantstreamassoc>`);
  });
  out.push(`</recording>`);
  return out.join("\r\n") + "\r\n";
}

/** multipart/mixed body: SDP + metadata with `Content-Disposition: recording-session`. */
export function buildSiprecBody(o: SiprecOfferOptions): { contentType: string; body: string } {
  return buildMultipart([
    { contentType: "application/sdp", body: buildSiprecSdp(o) },
    {
      contentType: "application/rs-metadata+xml",
      disposition: "recording-session",
      body: buildSiprecMetadata(o),
    },
  ]);
}

/** Addressing of {@link buildSiprecInvite}. */
export interface InviteAddressing {
  /** SRS address, e.g. `127.0.0.1:5060`. */
  srs: string;
  /** SRC (our) address, e.g. `127.0.0.1:5070`. */
  src: string;
  transport: "udp" | "tcp" | "tls";
  /** Address the SRS with a `sips:` Request-URI (RFC 5630; needs `tls`). */
  sips?: boolean;
  callId: string;
  fromTag: string;
  cseq?: number;
  branch?: string;
}

/** A complete SIPREC INVITE (`Require: siprec`, `+sip.src` Contact). */
export function buildSiprecInvite(o: SiprecOfferOptions, a: InviteAddressing): SipRequest {
  const { contentType, body } = buildSiprecBody(o);
  const t = a.transport.toUpperCase();
  const branch = a.branch ?? "z9hG4bK" + crypto.randomUUID().replace(/-/g, "").slice(0, 12);
  const headers = new SipHeaders([
    ["Via", `SIP/2.0/${t} ${a.src};branch=${branch};rport`],
    ["Max-Forwards", "70"],
    ["From", `<sip:src@${a.src}>;tag=${a.fromTag}`],
    ["To", `<sip:srs@${a.srs}>`],
    ["Call-ID", a.callId],
    ["CSeq", `${a.cseq ?? 1} INVITE`],
    ["Contact", srcContact(a)],
    ["Require", "siprec"],
    ["Accept", "application/sdp, application/rs-metadata+xml"],
    ["Content-Type", contentType],
  ]);
  const uri = a.sips ? `sips:srs@${a.srs}` : `sip:srs@${a.srs}`;
  return { kind: "request", method: "INVITE", uri, headers, body };
}

/** The SRC's Contact: `sips:` for a sips dialog, else `transport=` for stream transports. */
function srcContact(a: InviteAddressing): string {
  if (a.sips) return `<sips:src@${a.src}>;+sip.src`;
  const t = a.transport === "udp" ? "" : `;transport=${a.transport}`;
  return `<sip:src@${a.src}${t}>;+sip.src`;
}
