/**
 * The SRC side of one SIPREC dialog (RFC 3261 §12.1.2, §12.2.1.1): the initial
 * INVITE comes from src/sip's offer builder; re-INVITEs, ACK and BYE reuse its
 * headers with the remote tag, the remote target and the next CSeq.
 */
import { parseNameAddr } from "../sip/address.ts";
import { extractSiprecBody } from "../sip/multipart.ts";
import { SipHeaders, type SipRequest, type SipResponse } from "../sip/message.ts";
import { mediaConnection, mediaDirection, parseSdp, type SdpDirection } from "../sip/sdp.ts";
import {
  buildSiprecBody,
  buildSiprecInvite,
  buildSiprecSdp,
  type InviteAddressing,
  type SiprecOfferOptions,
} from "../sip/siprec_offer.ts";
import { type Random, randomHex } from "./rng.ts";

/** Dialog state kept by the SRC. */
export interface SrcDialog {
  addressing: InviteAddressing;
  /** To header with the SRS's tag, once answered. */
  to: string | null;
  /** Remote target: the SRS's Contact URI (§12.1.2). */
  remoteTarget: string | null;
  cseq: number;
}

/** A fresh RFC 3261 §8.1.1.7 branch. */
export function newBranch(rng: Random): string {
  return "z9hG4bK" + randomHex(rng, 8);
}

/** The initial SIPREC INVITE (multipart SDP + metadata, `Require: siprec`, `+sip.src`). */
export function initialInvite(d: SrcDialog, offer: SiprecOfferOptions, rng: Random): SipRequest {
  const req = buildSiprecInvite(offer, { ...d.addressing, cseq: d.cseq, branch: newBranch(rng) });
  req.headers.append("Supported", "replaces");
  req.headers.append("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE");
  return req;
}

/** Learn the remote tag and target from a 2xx (§12.1.2). */
export function confirmDialog(d: SrcDialog, res: SipResponse): void {
  d.to = res.headers.get("To") ?? d.to;
  const contact = res.headers.get("Contact");
  if (contact) {
    try {
      d.remoteTarget = parseNameAddr(contact).uri;
    } catch { /* keep the Request-URI */ }
  }
}

function inDialog(d: SrcDialog, req: SipRequest): SipRequest {
  if (d.to) req.headers.set("To", d.to);
  if (d.remoteTarget) req.uri = d.remoteTarget;
  return req;
}

/**
 * A re-INVITE (RFC 7866 §8.1.4): SDP only for a pause/resume (direction change),
 * SDP + metadata when the metadata changed (transfer).
 */
export function reInvite(
  d: SrcDialog,
  offer: SiprecOfferOptions,
  withMetadata: boolean,
  rng: Random,
): SipRequest {
  d.cseq++;
  const req = buildSiprecInvite(offer, { ...d.addressing, cseq: d.cseq, branch: newBranch(rng) });
  if (!withMetadata) {
    req.headers.set("Content-Type", "application/sdp");
    req.body = buildSiprecSdp(offer);
  } else {
    const body = buildSiprecBody(offer);
    req.headers.set("Content-Type", body.contentType);
    req.body = body.body;
  }
  return inDialog(d, req);
}

/** ACK for a 2xx (§13.2.2.4): new branch, CSeq number of the INVITE it acknowledges. */
export function ackFor(d: SrcDialog, inviteCseq: number, rng: Random): SipRequest {
  return inDialog(d, bareRequest(d, "ACK", inviteCseq, rng));
}

/** BYE (§15.1.1) with the next CSeq. */
export function bye(d: SrcDialog, rng: Random): SipRequest {
  d.cseq++;
  return inDialog(d, bareRequest(d, "BYE", d.cseq, rng));
}

function bareRequest(d: SrcDialog, method: string, cseq: number, rng: Random): SipRequest {
  const a = d.addressing;
  const headers = new SipHeaders([
    ["Via", `SIP/2.0/${a.transport.toUpperCase()} ${a.src};branch=${newBranch(rng)};rport`],
    ["Max-Forwards", "70"],
    ["From", `<sip:src@${a.src}>;tag=${a.fromTag}`],
    ["To", `<sip:srs@${a.srs}>`],
    ["Call-ID", a.callId],
    ["CSeq", `${cseq} ${method}`],
  ]);
  return { kind: "request", method, uri: `sip:srs@${a.srs}`, headers, body: "" };
}

/** What the SRS answered for one offered stream. */
export interface AnsweredLeg {
  label: string;
  /** Where to send; null when refused (port 0) or missing. */
  target: { hostname: string; port: number } | null;
  direction: SdpDirection | "missing";
}

/**
 * Read the SDP answer (RFC 3264 §6): one m-line per offered stream in offer order;
 * matched by `a=label` when the SRS echoes labels, by position otherwise.
 * Throws SipParseError when the SDP does not parse.
 */
export function readAnswer(
  res: SipResponse,
  labels: string[],
  fallbackHost: string,
): AnsweredLeg[] {
  const text = extractSiprecBody(res.headers.get("Content-Type"), res.body).sdp ?? res.body;
  const sdp = parseSdp(text);
  return labels.map((label, i) => {
    const m = sdp.media.find((x) =>
      x.attributes.some((a) =>
        a.name.toLowerCase() === "label" && a.value === label
      )
    ) ?? sdp.media[i];
    if (!m) return { label, target: null, direction: "missing" };
    const addr = mediaConnection(sdp, m)?.address;
    const hostname = !addr || addr === "0.0.0.0" || addr === "::" ? fallbackHost : addr;
    return {
      label,
      target: m.port === 0 ? null : { hostname, port: m.port },
      direction: mediaDirection(sdp, m),
    };
  });
}
