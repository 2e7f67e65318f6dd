/**
 * Late offer (RFC 3261 §13.2.1, RFC 3264 §5): an INVITE without SDP gets our offer in
 * the 2xx and the SRC's answer in the ACK. Our offer: one `recvonly` audio m-line per
 * stream we expect, PCMU, PCMA and telephone-event, our address and an even RTP port
 * each (RTCP on +1). A SIPREC INVITE (RFC 7866 §8.1.1: one stream per direction) gets
 * two m-lines labelled `1` and `2` (the SRC's metadata may name them by these labels);
 * a plain fork gets one. When the call is not recorded, the m-lines are `inactive` on
 * port 9 and no port is taken. Late offers are plain RTP/AVP (no SDES key is offered).
 *
 * The answer is turned into the session's streams by the same code as an offer
 * ({@link buildAnswer}), with our offered ports passed in as the previous answer, so a
 * stream's port is the one we offered at that m-line index.
 */
import type { AnsweredStream, PortAllocator } from "./sdp_answer.ts";
import { SdpOfferError } from "./sdp_answer.ts";
import type { OfferedStream } from "./session.ts";
import type { SdpOrigin } from "./sdp.ts";

/** Our offer, waiting for the ACK's answer. */
export interface LateOffer {
  /** The SDP text sent in the 2xx. */
  sdp: string;
  origin: SdpOrigin;
  /** Our RTP port per m-line index (0: none, not recording). */
  ports: number[];
  labels: string[];
}

/** The m-line labels we offer: two for SIPREC, one for a plain fork. */
export function lateOfferLabels(isSiprec: boolean): string[] {
  return isSiprec ? ["1", "2"] : ["1"];
}

/** What `decide` sees of a late offer: the streams we are about to offer. */
export function lateOfferedStreams(labels: string[]): OfferedStream[] {
  return labels.map((label, index) => ({
    label,
    index,
    codec: null,
    remoteAddr: "",
    remotePort: 0,
    offeredDirection: "sendonly",
  }));
}

/**
 * Builds our offer; takes one port per m-line when recording. Throws
 * {@link SdpOfferError} 503 when the allocator runs dry (ports taken are returned).
 */
export function buildLateOffer(o: {
  host: string;
  labels: string[];
  record: boolean;
  ports: PortAllocator;
  sessionId: string;
}): LateOffer {
  const ports: number[] = [];
  if (o.record) {
    for (const _ of o.labels) {
      const p = o.ports.allocate();
      if (p === null) {
        for (const q of ports) o.ports.release(q);
        throw new SdpOfferError(503, "No RTP port free");
      }
      ports.push(p);
    }
  }
  const ip = o.host.includes(":") ? "IP6" : "IP4";
  const origin: SdpOrigin = {
    username: "selrec",
    sessId: o.sessionId,
    sessVersion: "1",
    netType: "IN",
    addrType: ip,
    address: o.host,
  };
  const lines = [
    "v=0",
    `o=selrec ${o.sessionId} 1 IN ${ip} ${o.host}`,
    "s=selrec",
    `c=IN ${ip} ${o.host}`,
    "t=0 0",
  ];
  o.labels.forEach((label, i) => {
    lines.push(
      `m=audio ${o.record ? ports[i] : 9} RTP/AVP 0 8 101`,
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:8 PCMA/8000",
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-16",
      `a=label:${label}`,
      o.record ? "a=recvonly" : "a=inactive",
    );
  });
  return {
    sdp: lines.join("\r\n") + "\r\n",
    origin,
    ports: o.record ? ports : o.labels.map(() => 0),
    labels: o.labels,
  };
}

/**
 * Our offer as a "previous answer" for {@link buildAnswer}: the stream at each m-line
 * index keeps the port we offered there.
 */
export function offerAsPrevious(
  offer: LateOffer,
): { origin: SdpOrigin; streams: AnsweredStream[] } {
  return {
    origin: offer.origin,
    streams: offer.ports.map((port, index) => ({
      index,
      label: offer.labels[index],
      mid: null,
      port,
      rtcpPort: port === 0 ? 0 : port + 1,
      codec: null,
      codecs: [],
      telephoneEventPt: null,
      remoteAddr: "",
      remotePort: 0,
      remoteRtcpAddr: "",
      remoteRtcpPort: 0,
      offeredDirection: "recvonly",
      direction: "recvonly",
      srtp: null,
      localCrypto: null,
    })),
  };
}
