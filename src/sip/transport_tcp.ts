/**
 * SIP over TCP (RFC 3261 §18.3): messages framed by Content-Length, responses sent
 * back over the connection the request came on (§18.2.2). A framing error answers
 * 400/513 when it can and closes that connection only.
 */
import type { PeerAddress } from "./dialog.ts";
import { SipStreamFramer } from "./stream_framer.ts";

const READ_BYTES = 16_384;
const PONG = new Uint8Array([0x0d, 0x0a]);

/** Handlers the transport calls. */
export interface TcpHandlers {
  onMessage(bytes: Uint8Array, from: PeerAddress): void;
  /** Unframeable stream: return a response to write before the connection closes. */
  onFramingError(error: unknown, from: PeerAddress): Uint8Array | null;
  onError(error: unknown): void;
}

/** A TCP SIP listener with its open connections. */
export class TcpTransport implements AsyncDisposable {
  readonly port: number;
  #listener: Deno.Listener;
  #conns = new Map<string, Deno.Conn>();
  #tasks = new Set<Promise<void>>();
  #accept: Promise<void>;
  #closed = false;
  #handlers: TcpHandlers;
  #maxBytes: number;

  constructor(hostname: string, port: number, handlers: TcpHandlers, maxBytes?: number) {
    this.#listener = Deno.listen({ hostname, port, transport: "tcp" });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#handlers = handlers;
    this.#maxBytes = maxBytes ?? 65_535;
    this.#accept = this.#acceptLoop();
  }

  /** Open connections. */
  get connections(): number {
    return this.#conns.size;
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        this.#handlers.onError(error);
        continue;
      }
      const task = this.#serve(conn).finally(() => this.#tasks.delete(task));
      this.#tasks.add(task);
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const addr = conn.remoteAddr as Deno.NetAddr;
    const from: PeerAddress = { transport: "tcp", hostname: addr.hostname, port: addr.port };
    const key = `${addr.hostname}:${addr.port}`;
    this.#conns.set(key, conn);
    const framer = new SipStreamFramer(this.#maxBytes);
    const buf = new Uint8Array(READ_BYTES);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        let broken = false;
        for (const item of framer.push(buf.subarray(0, n))) {
          if (item.kind === "message") this.#safe(() => this.#handlers.onMessage(item.bytes, from));
          else if (item.kind === "keepalive") await conn.write(PONG);
          else {
            let answer: Uint8Array | null = null;
            this.#safe(() => answer = this.#handlers.onFramingError(item.error, from));
            if (answer) await writeAll(conn, answer);
            broken = true;
          }
        }
        if (broken) break;
      }
    } catch (error) {
      if (!this.#closed) this.#handlers.onError(error);
    } finally {
      this.#conns.delete(key);
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#handlers.onError(error);
    }
  }

  /** Write to the open connection of `to`; false when there is none. */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    const conn = this.#conns.get(`${to.hostname}:${to.port}`);
    if (!conn) return false;
    writeAll(conn, bytes).catch((error) => this.#handlers.onError(error));
    return true;
  }

  /** Stop accepting, close every connection, wait for the loops. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    for (const c of this.#conns.values()) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    await this.#accept;
    await Promise.allSettled([...this.#tasks]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
