/**
 * The load client's SIP socket: one UDP socket or one TCP connection to the SRS,
 * shared by every simulated call. Errors are reported, never thrown from the loops.
 */
import { SipStreamFramer } from "../sip/stream_framer.ts";
import { UdpTransport } from "../sip/transport_udp.ts";

/** Host and port. */
export interface HostPort {
  hostname: string;
  port: number;
}

/** A connected SIP channel to one SRS. */
export interface SipChannel extends AsyncDisposable {
  readonly transport: "udp" | "tcp";
  /** Our address as written into Via and Contact. */
  readonly local: HostPort;
  send(bytes: Uint8Array): void;
  close(): Promise<void>;
}

/** Options of {@link openSipChannel}. */
export interface SipChannelOptions {
  transport: "udp" | "tcp";
  target: HostPort;
  /** Address to bind (UDP) and advertise. */
  localHost: string;
  onMessage(bytes: Uint8Array): void;
  onError(error: unknown): void;
}

/** Opens a UDP socket or connects over TCP (RFC 3261 §18.1.1). */
export async function openSipChannel(o: SipChannelOptions): Promise<SipChannel> {
  if (o.transport === "udp") {
    const udp = new UdpTransport(o.localHost, 0, (bytes) => o.onMessage(bytes), o.onError);
    const to = { transport: "udp" as const, ...o.target };
    return {
      transport: "udp",
      local: { hostname: o.localHost, port: udp.port },
      send: (bytes) => udp.send(bytes, to),
      close: () => udp.close(),
      [Symbol.asyncDispose]: () => udp.close(),
    };
  }
  const conn = await Deno.connect({ ...o.target, transport: "tcp" });
  return new TcpChannel(conn, o);
}

class TcpChannel implements SipChannel {
  readonly transport = "tcp" as const;
  readonly local: HostPort;
  #conn: Deno.TcpConn;
  #writes: Promise<void> = Promise.resolve();
  #reader: Promise<void>;
  #closed = false;
  #onError: (error: unknown) => void;

  constructor(conn: Deno.TcpConn, o: SipChannelOptions) {
    this.#conn = conn;
    this.#onError = o.onError;
    this.local = { hostname: o.localHost, port: (conn.localAddr as Deno.NetAddr).port };
    this.#reader = this.#read(o.onMessage);
  }

  async #read(onMessage: (bytes: Uint8Array) => void): Promise<void> {
    const framer = new SipStreamFramer();
    const buf = new Uint8Array(16_384);
    while (!this.#closed) {
      let n: number | null;
      try {
        n = await this.#conn.read(buf);
      } catch (error) {
        if (!this.#closed) this.#onError(error);
        return;
      }
      if (n === null) {
        if (!this.#closed) this.#onError(new Error("SIP TCP connection closed by the SRS"));
        return;
      }
      for (const item of framer.push(buf.subarray(0, n))) {
        if (item.kind === "message") onMessage(item.bytes);
        else if (item.kind === "error") this.#onError(item.error);
      }
    }
  }

  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#writes = this.#writes.then(async () => {
      let off = 0;
      while (off < bytes.length && !this.#closed) {
        off += await this.#conn.write(bytes.subarray(off));
      }
    }).catch((error) => this.#onError(error));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#writes;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed by the peer */ }
    await this.#reader;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
