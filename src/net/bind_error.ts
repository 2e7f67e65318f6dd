/**
 * Bind failures that say what could not be bound: `Cannot bind SIP UDP 0.0.0.0:5060:
 * Address already in use (os error 98)`. The error keeps its class and `code` (callers
 * retry on `Deno.errors.AddrInUse`); only its message gains the context.
 */

/** Protocols as the message names them. */
export type BindProtocol = "UDP" | "TCP" | "TLS";

/**
 * Prefixes `err`'s message with the service, protocol, address and port; returns the
 * same error (or a new Error for a non-Error value) for `throw`.
 */
export function bindContext(
  err: unknown,
  service: string,
  proto: BindProtocol,
  address: string,
  port: number,
): Error {
  const where = `Cannot bind ${service} ${proto} ${
    address.includes(":") ? `[${address}]` : address
  }:${port}`;
  if (!(err instanceof Error)) return new Error(`${where}: ${String(err)}`);
  if (!err.message.startsWith("Cannot bind ")) {
    try {
      err.message = `${where}: ${err.message}`;
    } catch {
      return new Error(`${where}: ${err.message}`, { cause: err });
    }
  }
  return err;
}
