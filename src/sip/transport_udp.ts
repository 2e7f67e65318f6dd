/**
 * SIP over UDP (RFC 3261 §18): one datagram = one message. Receives into a
 * preallocated buffer; the loop never dies on bad input (the core counts and drops).
 */
import type { PeerAddress } from "./dialog.ts";
import { bindContext } from "../net/bind_error.ts";

/** Largest datagram we read; bigger ones are truncated by the kernel and fail to parse. */
const BUFFER_BYTES = 65_535;

/** A bound UDP SIP socket. */
export class UdpTransport implements AsyncDisposable {
  readonly port: number;
  #conn: Deno.DatagramConn;
  #loop: Promise<void>;
  #closed = false;
  #onError: (error: unknown) => void;

  constructor(
    hostname: string,
    port: number,
    onMessage: (bytes: Uint8Array, from: PeerAddress) => void,
    onError: (error: unknown) => void = () => {},
  ) {
    try {
      this.#conn = Deno.listenDatagram({ hostname, port, transport: "udp" });
    } catch (err) {
      throw bindContext(err, "SIP", "UDP", hostname, port);
    }
    this.port = (this.#conn.addr as Deno.NetAddr).port;
    this.#onError = onError;
    this.#loop = this.#run(onMessage);
  }

  async #run(onMessage: (bytes: Uint8Array, from: PeerAddress) => void): Promise<void> {
    const buf = new Uint8Array(BUFFER_BYTES);
    while (!this.#closed) {
      let data: Uint8Array;
      let addr: Deno.Addr;
      try {
        [data, addr] = await this.#conn.receive(buf);
      } catch (error) {
        if (this.#closed) return;
        this.#onError(error);
        continue;
      }
      const net = addr as Deno.NetAddr;
      try {
        onMessage(data.slice(), { transport: "udp", hostname: net.hostname, port: net.port });
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Send one datagram; errors are reported, not thrown. */
  send(bytes: Uint8Array, to: PeerAddress): void {
    if (this.#closed) return;
    this.#conn.send(bytes, { transport: "udp", hostname: to.hostname, port: to.port })
      .catch((error) => this.#onError(error));
  }

  /** Close the socket and wait for the loop to stop. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close();
    await this.#loop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
