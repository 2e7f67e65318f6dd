/**
 * Who a TLS peer is, from its certificate, and whether `sip.tls.allowedPeerNames`
 * lets it in. RFC 5922 §7.1 (SIP domain certificates): the identities are the
 * subjectAltName entries (DNS names, IP addresses, and the host of `sip:`/`sips:`
 * URIs); only a certificate with no such entry is identified by its subject CN
 * (RFC 6125 §6.4.4). Names compare case-insensitively; an allowed pattern `*.example.net`
 * matches exactly one leading label (RFC 6125 §6.4.3), never the bare domain.
 *
 * The subjectAltName text is the one `node:tls` prints (`getPeerCertificate()`):
 *
 *   subjectaltname = entry *(", " entry)
 *   entry          = type ":" value          ; value may be a JSON string when it holds ", "
 *   type           = "DNS" / "IP Address" / "URI" / "email" / "othername" / …
 */

/** A subjectAltName text that cannot be split into entries. */
export class PeerNameError extends SyntaxError {
  override name = "PeerNameError";
}

/** One subjectAltName entry. */
export interface AltName {
  type: string;
  value: string;
}

/** Splits node's subjectaltname text into entries; throws {@link PeerNameError}. */
export function parseSubjectAltName(text: string): AltName[] {
  const out: AltName[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(":", i);
    if (colon < 0) {
      throw new PeerNameError(`Cannot parse subjectAltName: no type at "${text.slice(i)}"`);
    }
    const type = text.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      const end = closingQuote(text, j);
      try {
        value = JSON.parse(text.slice(j, end + 1)) as string;
      } catch {
        throw new PeerNameError(`Cannot parse subjectAltName: bad quoted value at ${j}`);
      }
      j = end + 1;
    } else {
      const comma = text.indexOf(", ", j);
      const stop = comma < 0 ? text.length : comma;
      value = text.slice(j, stop);
      j = stop;
    }
    out.push({ type, value });
    if (j < text.length && !text.startsWith(", ", j)) {
      throw new PeerNameError(`Cannot parse subjectAltName: expected ", " at ${j}`);
    }
    i = j + 2;
  }
  return out;
}

function closingQuote(text: string, open: number): number {
  for (let k = open + 1; k < text.length; k++) {
    if (text[k] === "\\") k++;
    else if (text[k] === '"') return k;
  }
  throw new PeerNameError(`Cannot parse subjectAltName: unterminated quote at ${open}`);
}

/** Serializes entries back into node's text form (quoting values that hold ", " or a quote). */
export function formatSubjectAltName(names: readonly AltName[]): string {
  return names.map((n) => `${n.type}:${/, |^"/.test(n.value) ? JSON.stringify(n.value) : n.value}`)
    .join(", ");
}

/** The identities of a certificate (lowercase): SAN DNS/IP/SIP-URI hosts, else the CN. */
export function certificateNames(
  subjectAltName: string | undefined,
  commonName: string | undefined,
): string[] {
  const names: string[] = [];
  for (const n of subjectAltName ? parseSubjectAltName(subjectAltName) : []) {
    if (n.type === "DNS" || n.type === "IP Address") names.push(n.value.toLowerCase());
    else if (n.type === "URI") {
      const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>]+)/i.exec(n.value);
      if (m) names.push(m[1].replace(/^\[|\]$/g, "").toLowerCase());
    }
  }
  if (names.length === 0 && commonName) names.push(commonName.toLowerCase());
  return names;
}

/** True when one of `names` matches one of the `allowed` patterns. */
export function peerNameAllowed(names: readonly string[], allowed: readonly string[]): boolean {
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (!p.startsWith("*.")) return names.includes(p);
    const suffix = p.slice(1); // ".example.net"
    return names.some((n) => n.endsWith(suffix) && !n.slice(0, -suffix.length).includes("."));
  });
}
