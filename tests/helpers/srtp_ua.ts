/**
 * Pieces of the SRTP interop tests: a small SIP UA over UDP that places a SIPREC call
 * with RTP/SAVP streams (SDP built here, media sent by tests/helpers/srtp_send.py), and
 * the byte search the no-keys-anywhere checks use.
 */
/** Debian python3 with python3-pylibsrtp. */
export const PYTHON = "/usr/bin/python3";
/** The suite these tests offer. */
export const SUITE = "AES_CM_128_HMAC_SHA1_80";
const enc = new TextEncoder(), dec = new TextDecoder();

/**
 * A two-stream SIPREC SDP offer: RTP/SAVP with one key per stream, or plain RTP. A
 * changed re-offer needs the next `version` (RFC 3264 §8: same o= version, same SDP).
 */
export function offerSdp(keys: string[] | null, from = [31000, 31002], version = 1): string {
  const m = (port: number, label: string, key: string | null) => [
    `m=audio ${port} ${key ? "RTP/SAVP" : "RTP/AVP"} 0`,
    "a=rtpmap:0 PCMU/8000",
    ...(key ? [`a=crypto:1 ${SUITE} inline:${key}`] : []),
    `a=label:${label}`,
    "a=sendonly",
  ];
  return [
    "v=0",
    `o=src 1 ${version} IN IP4 127.0.0.1`,
    "s=SIPREC",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    ...m(from[0], "10", keys?.[0] ?? null),
    ...m(from[1], "20", keys?.[1] ?? null),
  ].join("\r\n") + "\r\n";
}

/** RFC 7865 metadata: caller sends stream 10, callee stream 20. */
export const METADATA = `<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>complete</datamode>
<session session_id="srtp-1"><sipSessionID>srtp-1</sipSessionID></session>
<participant participant_id="caller"><nameID aor="sip:alice@example.com"/></participant>
<participant participant_id="callee"><nameID aor="sip:bob@example.com"/></participant>
<stream stream_id="st10" session_id="srtp-1"><label>10</label></stream>
<stream stream_id="st20" session_id="srtp-1"><label>20</label></stream>
<participantstreamassoc participant_id="caller"><send>st10</send></participantstreamassoc>
<participantstreamassoc participant_id="callee"><send>st20</send></participantstreamassoc>
</recording>`;

/** A small SIP UA over UDP: requests of one dialog, final responses back. */
export class Ua {
  sock = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  me = (this.sock.addr as Deno.NetAddr).port;
  toTag = "";
  cseq = 0;
  constructor(readonly sipPort: number, readonly callId: string) {}

  async request(method: string, body = "", type = "application/sdp"): Promise<string> {
    const cseq = method === "ACK" ? this.cseq : ++this.cseq;
    const msg = [
      `${method} sip:srs@127.0.0.1:${this.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.me};branch=z9hG4bK-${crypto.randomUUID()};rport`,
      `From: <sip:src@127.0.0.1:${this.me}>;tag=src`,
      `To: <sip:srs@127.0.0.1:${this.sipPort}>${this.toTag ? `;tag=${this.toTag}` : ""}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:src@127.0.0.1:${this.me}>;+sip.src`,
      "Max-Forwards: 70",
      ...(method === "INVITE" ? ["Require: siprec"] : []),
      ...(body ? [`Content-Type: ${type}`] : []),
      `Content-Length: ${enc.encode(body).length}`,
      "",
      body,
    ].join("\r\n");
    const to = { transport: "udp" as const, hostname: "127.0.0.1", port: this.sipPort };
    await this.sock.send(enc.encode(msg), to);
    if (method === "ACK") return "";
    while (true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const [bytes] = await Promise.race([
        this.sock.receive(),
        new Promise<never>((_, no) => timer = setTimeout(() => no(new Error(method)), 5000)),
      ]).finally(() => clearTimeout(timer));
      const text = dec.decode(bytes);
      if (/^SIP\/2\.0 1\d\d/.test(text)) continue;
      this.toTag ||= /^To:.*;tag=([^;\r\n]+)/mi.exec(text)?.[1] ?? "";
      return text;
    }
  }

  invite(sdp: string): Promise<string> {
    const body = [
      "--b",
      "Content-Type: application/sdp",
      "",
      sdp,
      "--b",
      "Content-Type: application/rs-metadata+xml",
      "Content-Disposition: recording-session",
      "",
      METADATA,
      "--b--",
      "",
    ].join("\r\n");
    return this.request("INVITE", body, "multipart/mixed;boundary=b");
  }
}

/** Base64 of bytes. */
export const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

/** Every file under `dir`, as bytes (the database, its WAL, recordings, journals…). */
export async function* filesUnder(dir: string): AsyncGenerator<[string, Uint8Array]> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* filesUnder(p);
    else if (e.isFile) yield [p, await Deno.readFile(p)];
  }
}

/** True when `needle` occurs in `hay`. */
export function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** A key's raw bytes, base64 and hex: what must not appear anywhere. */
export function keyNeedles(keys: Uint8Array[]): Uint8Array[] {
  const hex = (k: Uint8Array) => Array.from(k, (x) => x.toString(16).padStart(2, "0")).join("");
  return keys.flatMap((k) => [k, enc.encode(b64(k)), enc.encode(hex(k))]);
}

/** UDP ports free right now (a sender binds them next: the offer's media ports). */
export function freeUdpPorts(n: number): number[] {
  return Array.from({ length: n }, () => {
    const s = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    s.close();
    return (s.addr as Deno.NetAddr).port;
  });
}
