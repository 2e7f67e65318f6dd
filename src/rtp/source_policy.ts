/**
 * Which source addresses may send a stream's RTP and RTCP. A recording server only
 * receives, so anything it accepts lands in a stored recording: by default only the
 * address and port the SRC's SDP offer named for the stream (c=/m=, RTCP from a=rtcp
 * (RFC 3605) or port + 1) are accepted. Looser policies are for SBCs that send media
 * from another port or host than they signal. Each policy accepts everything the
 * previous one does:
 *
 * - `offer`: the offered address and port (RTCP: the offered RTCP port);
 * - `offer-address`: the offered address, any port;
 * - `signalling`: also the address the INVITE came from, any port;
 * - `networks`: also any address in the configured media networks (CIDRs).
 */
import { type Cidr, cidrContains, parseCidr, parseIp, sameIp } from "../net/cidr.ts";

/** The configured policy (`rtp.sourcePolicy`). */
export type SourcePolicy = "offer" | "offer-address" | "signalling" | "networks";

/** The policies, strictest first. */
export const SOURCE_POLICIES = ["offer", "offer-address", "signalling", "networks"] as const;

/** What one stream may receive from; plain data, so it crosses to the capture worker. */
export interface SourceSpec {
  policy: SourcePolicy;
  /** The offered RTP address and port (c= and m= of the stream). */
  rtp: { address: string; port: number };
  /** The offered RTCP address and port (a=rtcp, else the RTP address and port + 1). */
  rtcp: { address: string; port: number };
  /** The SIP peer the offer came from. */
  signalling: string | null;
  /** Media networks as CIDR text (`networks` policy only). */
  networks: string[];
}

/** A compiled {@link SourceSpec}: `accepts` never throws. */
export interface SourceFilter {
  accepts(from: { hostname: string; port: number }, rtcp: boolean): boolean;
}

/** Compiles a spec; throws SyntaxError for a network that is not a CIDR. */
export function sourceFilter(spec: SourceSpec): SourceFilter {
  const level = SOURCE_POLICIES.indexOf(spec.policy);
  const networks: Cidr[] = level >= 3 ? spec.networks.map(parseCidr) : [];
  const signalling = level >= 2 ? spec.signalling : null;
  return {
    accepts(from, rtcp) {
      const want = rtcp ? spec.rtcp : spec.rtp;
      if (sameIp(from.hostname, want.address)) {
        if (level >= 1 || from.port === want.port) return true;
      } else if (level >= 1 && sameIp(from.hostname, spec.rtp.address)) return true;
      if (signalling !== null && sameIp(from.hostname, signalling)) return true;
      if (networks.length === 0) return false;
      const bytes = parseIp(from.hostname);
      return bytes !== null && networks.some((n) => cidrContains(n, bytes));
    },
  };
}
