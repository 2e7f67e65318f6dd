/**
 * The SIP/TCP connection limits the box runs with: `sip.tcp.*` from the config,
 * with the connection cap kept under a quarter of the process's descriptor limit so
 * that idle TCP peers can never take the descriptors that RTP sockets, recordings,
 * the database and the web UI need.
 */
import type { Logger } from "./log.ts";
import type { TcpLimits } from "./sip/transport_tcp.ts";

/** Share of the descriptor limit SIP/TCP connections may use. */
const TCP_SHARE = 0.25;
/** Never cap below this, however low the limit. */
const TCP_FLOOR = 8;

/** The soft "Max open files" of this process (Linux), or null when unknown. */
export function openFileLimit(
  read: (path: string) => string = Deno.readTextFileSync,
): number | null {
  try {
    const line = read("/proc/self/limits").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

/** `sip.tcp` config as seconds, as the transport wants it. */
export interface TcpConfig {
  maxConnections: number;
  maxConnectionsPerSource: number;
  idleSeconds: number;
  headerTimeoutSeconds: number;
}

/**
 * A connection cap lowered (and logged, naming `key`) to fit `share` of the open-file
 * limit when each connection holds `fdsPerConnection` descriptors; at least `floor`.
 */
export function capToDescriptors(
  key: string,
  configured: number,
  nofile: number | null,
  fit: { share: number; fdsPerConnection: number; floor: number; what: string },
  log?: Logger,
): number {
  if (nofile === null) return configured;
  const cap = Math.max(fit.floor, Math.floor(nofile * fit.share / fit.fdsPerConnection));
  if (cap >= configured) return configured;
  log?.warn(`${key} lowered to ${fit.what}`, { configured, used: cap, openFileLimit: nofile });
  return cap;
}

/** Transport limits from config, the cap lowered (and logged) to fit `nofile`. */
export function sipTcpLimits(
  cfg: TcpConfig,
  nofile: number | null,
  log?: Logger,
): TcpLimits {
  const maxConnections = capToDescriptors("sip.tcp.maxConnections", cfg.maxConnections, nofile, {
    share: TCP_SHARE,
    fdsPerConnection: 1,
    floor: TCP_FLOOR,
    what: "a quarter of the open-file limit",
  }, log);
  return {
    maxConnections,
    maxConnectionsPerSource: Math.min(cfg.maxConnectionsPerSource, maxConnections),
    idleMs: cfg.idleSeconds * 1000,
    headerTimeoutMs: cfg.headerTimeoutSeconds * 1000,
  };
}
