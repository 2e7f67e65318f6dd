/**
 * A minimal SRS that answers every SIPREC INVITE and counts what arrives: for the
 * simulate tests and the sender-pacing benchmark. It is not the real server (that
 * is src/sip + the recorder); it knows just enough SIP to keep an SRC happy:
 * 100/180/200 with a recvonly SDP answer, 200 to re-INVITE and BYE, no retransmissions.
 *
 * Run as a process: `deno run -A src/sim/sink_srs.ts [--transport udp|tcp] [--shared]`
 * prints `{"port":N}`, and its counts as JSON when stdin closes.
 */
import { parseCSeq } from "../sip/address.ts";
import { extractSiprecBody } from "../sip/multipart.ts";
import { parseSipMessage, serializeSipMessage, type SipRequest } from "../sip/message.ts";
import { createResponse } from "../sip/response.ts";
import { mediaDirection, parseSdp } from "../sip/sdp.ts";
import { SipStreamFramer } from "../sip/stream_framer.ts";

/** Options of {@link SinkSrs}. */
export interface SinkOptions {
  transport: "udp" | "tcp";
  hostname?: string;
  /** One RTP port for every stream (counted by SSRC) instead of one socket per stream. */
  shared?: boolean;
  /** Answer every INVITE with 503 (capacity) instead. */
  reject?: boolean;
  /** Answer streams `inactive` (not recorded). */
  inactive?: boolean;
  /** Skip 100 and 180. */
  noProvisional?: boolean;
}

/** What the sink saw. */
export interface SinkCounts {
  invites: number;
  reinvites: number;
  acks: number;
  byes: number;
  /** Retransmitted requests (same Call-ID, CSeq and method seen before). */
  retransmissions: number;
  /** Directions offered in re-INVITEs, in order. */
  reinviteDirections: string[];
  /** Participants (by count of `<participant`) in the last metadata of each call. */
  participants: Record<string, number>;
  /** RTP packets per destination port (per-stream mode) or per SSRC (shared mode). */
  rtp: Record<string, number>;
  rtpTotal: number;
  /** Metadata bodies of initial INVITEs, by Call-ID. */
  metadata: Record<string, string>;
}

/** The sink; `await using` closes every socket. */
export class SinkSrs implements AsyncDisposable {
  readonly counts: SinkCounts = {
    invites: 0,
    reinvites: 0,
    acks: 0,
    byes: 0,
    retransmissions: 0,
    reinviteDirections: [],
    participants: {},
    rtp: {},
    rtpTotal: 0,
    metadata: {},
  };
  readonly port: number;
  #o: SinkOptions;
  #host: string;
  #udp: Deno.DatagramConn | null = null;
  #tcp: Deno.Listener | null = null;
  #conns = new Set<Deno.Conn>();
  #rtp: Deno.DatagramConn[] = [];
  #calls = new Map<string, number[]>();
  #seen = new Set<string>();
  #tasks: Promise<void>[] = [];
  #shared: number | null = null;

  constructor(o: SinkOptions) {
    this.#o = o;
    this.#host = o.hostname ?? "127.0.0.1";
    if (o.transport === "udp") {
      this.#udp = Deno.listenDatagram({ transport: "udp", hostname: this.#host, port: 0 });
      this.port = (this.#udp.addr as Deno.NetAddr).port;
      this.#tasks.push(this.#udpLoop(this.#udp));
    } else {
      this.#tcp = Deno.listen({ transport: "tcp", hostname: this.#host, port: 0 });
      this.port = (this.#tcp.addr as Deno.NetAddr).port;
      this.#tasks.push(this.#accept(this.#tcp));
    }
    if (o.shared) this.#shared = this.#openRtp();
  }

  async #udpLoop(conn: Deno.DatagramConn): Promise<void> {
    const buf = new Uint8Array(65_535);
    for (;;) {
      let data: Uint8Array, addr: Deno.Addr;
      try {
        [data, addr] = await conn.receive(buf);
      } catch {
        return;
      }
      const reply = (bytes: Uint8Array) => conn.send(bytes, addr).catch(() => {});
      this.#handle(data.slice(), reply);
    }
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      this.#conns.add(conn);
      this.#tasks.push(this.#serve(conn));
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const framer = new SipStreamFramer();
    const buf = new Uint8Array(65_535);
    let writes = Promise.resolve();
    const reply = (bytes: Uint8Array) => {
      writes = writes.then(() => conn.write(bytes)).then(() => {}, () => {});
    };
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      for (const item of framer.push(buf.subarray(0, n))) {
        if (item.kind === "message") this.#handle(item.bytes, reply);
      }
    }
    await writes;
    this.#conns.delete(conn);
    try {
      conn.close();
    } catch { /* closed */ }
  }

  #openRtp(): number {
    const sock = Deno.listenDatagram({ transport: "udp", hostname: this.#host, port: 0 });
    const port = (sock.addr as Deno.NetAddr).port;
    this.#rtp.push(sock);
    const shared = this.#o.shared ?? false;
    this.#tasks.push((async () => {
      const buf = new Uint8Array(2048);
      for (;;) {
        let data: Uint8Array;
        try {
          [data] = await sock.receive(buf);
        } catch {
          return;
        }
        if (data.length < 12) continue;
        const key = shared
          ? String(new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(8))
          : String(port);
        this.counts.rtp[key] = (this.counts.rtp[key] ?? 0) + 1;
        this.counts.rtpTotal++;
      }
    })());
    return port;
  }

  #handle(bytes: Uint8Array, reply: (b: Uint8Array) => void): void {
    let req: SipRequest;
    try {
      const msg = parseSipMessage(bytes);
      if (msg.kind !== "request") return;
      req = msg;
    } catch {
      return;
    }
    const callId = req.headers.get("Call-ID") ?? "";
    const cseq = parseCSeq(req.headers.get("CSeq"));
    const txKey = `${callId} ${cseq.seq} ${cseq.method}`;
    const again = this.#seen.has(txKey);
    if (again) this.counts.retransmissions++;
    this.#seen.add(txKey);
    const send = (status: number, body?: { contentType: string; text: string }) =>
      reply(serializeSipMessage(createResponse(req, status, {
        toTag: "sink" + callId.length,
        headers: status === 200 && req.method === "INVITE"
          ? [["Contact", `<sip:srs@${this.#host}:${this.port}>;+sip.srs`]]
          : [],
        body,
      })));
    if (req.method === "ACK") {
      if (!again) this.counts.acks++;
    } else if (req.method === "BYE") {
      if (!again) this.counts.byes++;
      send(200);
    } else if (req.method === "INVITE") {
      this.#invite(req, callId, again, send);
    } else send(req.method === "OPTIONS" ? 200 : 405);
  }

  #invite(
    req: SipRequest,
    callId: string,
    again: boolean,
    send: (status: number, body?: { contentType: string; text: string }) => void,
  ): void {
    const isRe = /;\s*tag=/i.test(req.headers.get("To") ?? "");
    const body = extractSiprecBody(req.headers.get("Content-Type"), req.body);
    if (!again) {
      if (isRe) this.counts.reinvites++;
      else this.counts.invites++;
      if (body.metadata) {
        this.counts.participants[callId] = body.metadata.split("<participant ").length - 1;
        if (!isRe) this.counts.metadata[callId] = body.metadata;
      }
    }
    if (this.#o.reject && !isRe) return send(503);
    if (!this.#o.noProvisional && !isRe) {
      send(100);
      send(180);
    }
    const offer = parseSdp(body.sdp ?? "");
    let ports = this.#calls.get(callId);
    if (!ports) {
      ports = offer.media.map(() => this.#shared ?? this.#openRtp());
      this.#calls.set(callId, ports);
    }
    const dirs = offer.media.map((m) => mediaDirection(offer, m));
    if (isRe && !again) this.counts.reinviteDirections.push(dirs[0] ?? "");
    const lines = [
      "v=0",
      `o=sink 1 1 IN IP4 ${this.#host}`,
      "s=sink",
      `c=IN IP4 ${this.#host}`,
      "t=0 0",
    ];
    offer.media.forEach((m, i) => {
      const label = m.attributes.find((a) => a.name === "label")?.value;
      const dir = this.#o.inactive || dirs[i] === "inactive" ? "inactive" : "recvonly";
      lines.push(`m=audio ${ports[i]} RTP/AVP ${m.formats[0]}`);
      if (label) lines.push(`a=label:${label}`);
      lines.push(`a=${dir}`);
    });
    send(200, { contentType: "application/sdp", text: lines.join("\r\n") + "\r\n" });
  }

  /** Packets received on the RTP port(s) of a call, in stream order (per-stream mode). */
  packetsOf(callId: string): number[] {
    return (this.#calls.get(callId) ?? []).map((p) => this.counts.rtp[String(p)] ?? 0);
  }

  /** Close every socket and wait for the loops. */
  async close(): Promise<void> {
    this.#udp?.close();
    this.#tcp?.close();
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    for (const s of this.#rtp) s.close();
    await Promise.all(this.#tasks);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

if (import.meta.main) {
  const args = Deno.args;
  const sink = new SinkSrs({
    transport: args.includes("tcp") ? "tcp" : "udp",
    shared: args.includes("--shared"),
  });
  console.log(JSON.stringify({ port: sink.port }));
  for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
  await new Promise((r) => setTimeout(r, 200));
  const { metadata: _m, participants: _p, ...counts } = sink.counts;
  console.log(
    JSON.stringify({ ...counts, rtp: undefined, rtpStreams: Object.keys(counts.rtp).length }),
  );
  await sink.close();
}
