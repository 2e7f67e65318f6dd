/**
 * UAS dialog state (RFC 3261 §12.1.1, §12.2.2): identifiers, remote CSeq ordering,
 * remote target and route set, and the offer/answer lock that yields 491/500 on
 * overlapping re-INVITEs (§14.2, RFC 3311 §5.2).
 */
import { parseCSeq, parseNameAddr } from "./address.ts";
import { SipHeaders } from "./headers.ts";
import type { SipRequest } from "./message.ts";

/** SIP transports we serve (RFC 3261 §18, §26.2 for TLS). */
export type SipTransport = "udp" | "tcp" | "tls";

/** Where a dialog's peer is reached: the transport the INVITE came over. */
export interface PeerAddress {
  transport: SipTransport;
  hostname: string;
  port: number;
}

/** Result of checking an in-dialog request's CSeq (§12.2.2). */
export type CSeqCheck = "ok" | "out-of-order";

/** Dialog id `Call-ID;local-tag;remote-tag`. */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

/** Tags and Call-ID of a request as the UAS sees them. */
export function requestDialogIds(
  req: SipRequest,
): { callId: string; fromTag: string; toTag: string } {
  const tag = (v: string | undefined) => {
    try {
      return v ? parseNameAddr(v).params.get("tag") ?? "" : "";
    } catch {
      return "";
    }
  };
  return {
    callId: req.headers.get("Call-ID") ?? "",
    fromTag: tag(req.headers.get("From")),
    toTag: tag(req.headers.get("To")),
  };
}

/** A confirmed or early UAS dialog. */
export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** From of the INVITE (their URI) and To (ours), as sent, without our tag. */
  readonly remoteParty: string;
  readonly localParty: string;
  readonly peer: PeerAddress;
  readonly routeSet: string[];
  remoteTarget: string;
  remoteCSeq: number;
  localCSeq = 0;
  /** An INVITE transaction on this dialog has not sent its final response yet. */
  inviteInProgress = false;
  /** Our 2xx answer is out and its ACK not in: offer/answer not yet complete. */
  awaitingAck = false;

  constructor(invite: SipRequest, localTag: string, peer: PeerAddress) {
    const ids = requestDialogIds(invite);
    this.callId = ids.callId;
    this.localTag = localTag;
    this.remoteTag = ids.fromTag;
    this.remoteParty = invite.headers.get("From") ?? "";
    this.localParty = invite.headers.get("To") ?? "";
    this.peer = peer;
    // §12.1.1: route set = Record-Route in order; remote target = Contact URI.
    this.routeSet = invite.headers.getAll("Record-Route");
    this.remoteTarget = contactUri(invite) ?? parseNameAddr(this.remoteParty).uri;
    this.remoteCSeq = parseCSeq(invite.headers.get("CSeq")).seq;
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * §12.2.2: a request with a lower (or equal) CSeq than the last is out of order
   * and gets 500. ACK and CANCEL reuse the INVITE's number and are not checked here.
   */
  checkCSeq(req: SipRequest): CSeqCheck {
    const seq = parseCSeq(req.headers.get("CSeq")).seq;
    if (seq <= this.remoteCSeq) return "out-of-order";
    this.remoteCSeq = seq;
    const target = contactUri(req);
    if (target && req.method === "INVITE") this.remoteTarget = target; // §12.2.2 target refresh
    return "ok";
  }

  /** A BYE from us (§15.1.1): Route from the route set, Request-URI the remote target. */
  buildBye(via: string, contact: string): SipRequest {
    return this.buildRequest("BYE", via, contact);
  }

  /**
   * A request of ours inside the dialog (§12.2.1.1): a new local CSeq, Route from the
   * route set, Request-URI the remote target (BYE, and UPDATE refreshes of RFC 4028).
   */
  buildRequest(
    method: string,
    via: string,
    contact: string,
    extra: [string, string][] = [],
  ): SipRequest {
    this.localCSeq = Math.max(this.localCSeq, 1) + 1;
    const headers = new SipHeaders([
      ["Via", via],
      ["Max-Forwards", "70"],
      ["From", `${this.localParty};tag=${this.localTag}`],
      ["To", this.remoteParty],
      ["Call-ID", this.callId],
      ["CSeq", `${this.localCSeq} ${method}`],
      ["Contact", contact],
      ...extra,
    ]);
    // UAS route set is the Record-Route list in order (§12.1.1).
    for (const r of this.routeSet) headers.append("Route", r);
    return { kind: "request", method, uri: this.remoteTarget, headers, body: "" };
  }
}

function contactUri(req: SipRequest): string | null {
  const c = req.headers.getAll("Contact")[0];
  if (!c) return null;
  try {
    return parseNameAddr(c).uri;
  } catch {
    return null;
  }
}
