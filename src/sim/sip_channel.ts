/**
 * The load client's SIP socket: one UDP socket, or one TCP or TLS connection to the
 * SRS, shared by every simulated call. Errors are reported, never thrown from the loops.
 */
import { SipStreamFramer } from "../sip/stream_framer.ts";
import { UdpTransport } from "../sip/transport_udp.ts";

/** Host and port. */
export interface HostPort {
  hostname: string;
  port: number;
}

/** Transports the client speaks. */
export type SimTransport = "udp" | "tcp" | "tls";

/** TLS client settings (PEM text): the CA to trust, and a client certificate for mTLS. */
export interface TlsClientOptions {
  caCerts: string[];
  cert?: string;
  key?: string;
}

/** A connected SIP channel to one SRS. */
export interface SipChannel extends AsyncDisposable {
  readonly transport: SimTransport;
  /** Our address as written into Via and Contact. */
  readonly local: HostPort;
  send(bytes: Uint8Array): void;
  close(): Promise<void>;
}

/** Options of {@link openSipChannel}. */
export interface SipChannelOptions {
  transport: SimTransport;
  /** For `tls` (RFC 3261 §26.2): trust and client certificate. */
  tls?: TlsClientOptions;
  target: HostPort;
  /** Address to bind (UDP) and advertise. */
  localHost: string;
  onMessage(bytes: Uint8Array): void;
  onError(error: unknown): void;
}

/** Opens a UDP socket or connects over TCP or TLS (RFC 3261 §18.1.1, §26.2). */
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
  if (o.transport === "tls") {
    const conn = await Deno.connectTls({
      ...o.target,
      caCerts: o.tls?.caCerts ?? [],
      ...(o.tls?.cert && o.tls.key ? { cert: o.tls.cert, key: o.tls.key } : {}),
    } as Deno.ConnectTlsOptions);
    await conn.handshake();
    return new TcpChannel(conn, o, "tls");
  }
  const conn = await Deno.connect({ ...o.target, transport: "tcp" });
  return new TcpChannel(conn, o, "tcp");
}

class TcpChannel implements SipChannel {
  readonly transport: "tcp" | "tls";
  readonly local: HostPort;
  #conn: Deno.Conn;
  #writes: Promise<void> = Promise.resolve();
  #reader: Promise<void>;
  #closed = false;
  #onError: (error: unknown) => void;

  constructor(conn: Deno.Conn, o: SipChannelOptions, transport: "tcp" | "tls") {
    this.#conn = conn;
    this.transport = transport;
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
        if (!this.#closed) {
          this.#onError(new Error(`SIP ${this.transport} connection closed by the SRS`));
        }
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
