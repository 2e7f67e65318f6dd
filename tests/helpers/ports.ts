/** Free loopback ports for tests: bind port 0, read the port, close. */
export function freeTcpPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A port free for both UDP and TCP (SIP listens on both). */
export function freeSipPort(): number {
  for (let i = 0; i < 50; i++) {
    const port = freeTcpPort();
    try {
      const u = Deno.listenDatagram({ hostname: "127.0.0.1", port, transport: "udp" });
      u.close();
      return port;
    } catch {
      // taken for UDP; try another
    }
  }
  throw new Error("no port free for both UDP and TCP");
}

/** An even RTP port range of `size` ports, starting at a random offset in 20000–29999. */
export function rtpRange(size = 200): string {
  const base = 20000 + 2 * Math.floor(Math.random() * ((10000 - size) / 2));
  return `${base}-${base + size - 1}`;
}
