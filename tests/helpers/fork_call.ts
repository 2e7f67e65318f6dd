/**
 * A plain RTP-fork call (no SIPREC metadata) over UDP for integration tests: INVITE with
 * an SDP offer of two `sendonly` legs labelled 1 and 2, each with the test's own m-line
 * formats, re-INVITE with a new offer (a codec change), and BYE. Media is sent by the
 * test from {@link ForkCall.legs} to the answered ports.
 */
import { waitFor } from "./db.ts";

const enc = new TextEncoder(), dec = new TextDecoder();
const rand = () => crypto.randomUUID().replace(/-/g, "").slice(0, 12);

/** One offered leg: payload types and their rtpmap/fmtp lines. */
export interface LegOffer {
  /** e.g. `9 0 101`. */
  formats: string;
  /** e.g. `a=rtpmap:9 G722/8000`. */
  attributes: string[];
}

/** One call from a fresh SIP socket and two RTP sockets. */
export class ForkCall {
  readonly sip = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  readonly legs = [0, 1].map(() =>
    Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" })
  );
  readonly callId = rand();
  #tag = rand();
  #toTag = "";
  #cseq = 0;
  #version = 0;
  #inbox: string[] = [];
  #loop: Promise<void>;

  constructor(readonly sipPort: number) {
    this.#loop = (async () => {
      try {
        for (;;) this.#inbox.push(dec.decode((await this.sip.receive())[0]));
      } catch { /* closed */ }
    })();
  }

  #port(sock: Deno.DatagramConn): number {
    return (sock.addr as Deno.NetAddr).port;
  }

  #request(method: string, body = ""): string {
    return [
      `${method} sip:srs@127.0.0.1:${this.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.#port(this.sip)};branch=z9hG4bK${rand()};rport`,
      "Max-Forwards: 70",
      `From: <sip:src@127.0.0.1>;tag=${this.#tag}`,
      `To: <sip:srs@127.0.0.1>${this.#toTag ? `;tag=${this.#toTag}` : ""}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${method === "ACK" ? this.#cseq : ++this.#cseq} ${method}`,
      `Contact: <sip:src@127.0.0.1:${this.#port(this.sip)}>`,
      ...(body ? ["Content-Type: application/sdp"] : []),
      `Content-Length: ${enc.encode(body).length}`,
      "",
      body,
    ].join("\r\n");
  }

  #offer(legs: LegOffer[]): string {
    this.#version++;
    return [
      "v=0",
      `o=src 1 ${this.#version} IN IP4 127.0.0.1`,
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      ...legs.flatMap((l, i) => [
        `m=audio ${this.#port(this.legs[i])} RTP/AVP ${l.formats}`,
        ...l.attributes,
        `a=label:${i + 1}`,
        "a=sendonly",
      ]),
      "",
    ].join("\r\n");
  }

  async #send(text: string): Promise<void> {
    await this.sip.send(enc.encode(text), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: this.sipPort,
    });
  }

  /** The next final response to CSeq `cseq` (whole message). */
  async #final(cseq: number, method: string): Promise<string> {
    const re = new RegExp(`^SIP/2.0 [2-6]\\d\\d[^]*CSeq: ${cseq} ${method}`);
    return await waitFor(`the answer to ${method} ${cseq}`, () => {
      const i = this.#inbox.findIndex((m) => re.test(m));
      return i < 0 ? null : this.#inbox.splice(i, 1)[0];
    }, 10_000);
  }

  /** Offers `legs` (INVITE, or re-INVITE once answered); returns the final response. */
  async offer(legs: LegOffer[]): Promise<{ status: number; text: string; ports: number[] }> {
    await this.#send(this.#request("INVITE", this.#offer(legs)));
    const text = await this.#final(this.#cseq, "INVITE");
    const status = Number(text.slice(8, 11));
    if (!this.#toTag) this.#toTag = /\r\nTo:[^\r]*;tag=([^;\r\s]+)/i.exec(text)?.[1] ?? "";
    await this.#send(this.#request("ACK"));
    const ports = [...text.matchAll(/m=audio (\d+)/g)].map((m) => Number(m[1]));
    return { status, text, ports };
  }

  /** BYE, and its 200. */
  async bye(): Promise<void> {
    await this.#send(this.#request("BYE"));
    await this.#final(this.#cseq, "BYE");
  }

  /** Closes the sockets. */
  async close(): Promise<void> {
    this.sip.close();
    for (const s of this.legs) s.close();
    await this.#loop;
  }
}
