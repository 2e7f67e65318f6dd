/**
 * How the SRS core names itself: the Contact of its responses, with the `+sip.srs`
 * feature tag (RFC 7866 §6.1.1), and the Via of the requests it sends (RFC 3261 §8.1.1.7,
 * `rport` of RFC 3581), each on the port of the transport in use.
 */
import type { SipTransport } from "./dialog.ts";
import type { SiprecOptions } from "./srs_options.ts";

/** Where we listen: the host and port of each transport. */
export type ListenAddresses = Pick<SiprecOptions, "host" | "udpPort" | "tcpPort" | "tlsPort">;

function portOf(a: ListenAddresses, transport: SipTransport): number {
  if (transport === "tls") return a.tlsPort ?? 0;
  return transport === "tcp" ? a.tcpPort : a.udpPort;
}

/**
 * Contact for our responses. Over TLS a request addressed to a `sips:` URI gets a
 * `sips:` Contact (RFC 5630 §4.1, RFC 3261 §8.1.1.8), else `sip:…;transport=tls`.
 */
export function contactValue(a: ListenAddresses, transport: SipTransport, sips: boolean): string {
  const host = a.host.includes(":") ? `[${a.host}]` : a.host;
  const port = portOf(a, transport);
  if (transport === "tls" && sips) return `<sips:selrec@${host}:${port}>;+sip.srs`;
  const t = transport === "udp" ? "" : `;transport=${transport}`;
  return `<sip:selrec@${host}:${port}${t}>;+sip.srs`;
}

/** A Via with a fresh branch for a request we originate (BYE, UPDATE). */
export function viaValue(a: ListenAddresses, transport: SipTransport): string {
  const port = portOf(a, transport);
  const branch = "z9hG4bK" + crypto.randomUUID().replace(/-/g, "").slice(0, 16);
  return `SIP/2.0/${transport.toUpperCase()} ${a.host}:${port};branch=${branch};rport`;
}
