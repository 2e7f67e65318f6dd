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

/** Transport limits from config, the cap lowered (and logged) to fit `nofile`. */
export function sipTcpLimits(
  cfg: TcpConfig,
  nofile: number | null,
  log?: Logger,
): TcpLimits {
  let maxConnections = cfg.maxConnections;
  if (nofile !== null) {
    const fit = Math.max(TCP_FLOOR, Math.floor(nofile * TCP_SHARE));
    if (fit < maxConnections) {
      log?.warn("sip.tcp.maxConnections lowered to a quarter of the open-file limit", {
        configured: maxConnections,
        used: fit,
        openFileLimit: nofile,
      });
      maxConnections = fit;
    }
  }
  return {
    maxConnections,
    maxConnectionsPerSource: Math.min(cfg.maxConnectionsPerSource, maxConnections),
    idleMs: cfg.idleSeconds * 1000,
    headerTimeoutMs: cfg.headerTimeoutSeconds * 1000,
  };
}
