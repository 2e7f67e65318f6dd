/**
 * The service manager's notification protocol (sd_notify(3)) for a `Type=notify` unit:
 * `READY=1` once every service has started, `WATCHDOG=1` every half `WatchdogSec` from a
 * timer on the main event loop (a stuck loop stops pinging and systemd restarts the box),
 * `STOPPING=1` when the drain begins.
 *
 * Wire format (sd_notify(3), "NOTES"): one datagram of newline-separated `KEY=VALUE`
 * assignments to the AF_UNIX SOCK_DGRAM socket named by `$NOTIFY_SOCKET`; a name starting
 * with `@` is in the abstract namespace (the `@` stands for a leading NUL byte).
 * `$WATCHDOG_USEC` is the watchdog period in µs; `$WATCHDOG_PID`, when set, names the
 * one process that is to ping.
 *
 * Sending never throws: a failed send is logged once and the box goes on.
 */
import type { Logger } from "./log.ts";

/** The environment variables systemd sets for a notify unit (main.ts passes `Deno.env`). */
export interface NotifyEnv {
  NOTIFY_SOCKET?: string;
  WATCHDOG_USEC?: string;
  WATCHDOG_PID?: string;
}

/** Formats one notification datagram: `KEY=VALUE` lines (sd_notify(3)). */
export function notifyMessage(fields: Record<string, string>): string {
  return Object.entries(fields).map(([k, v]) => `${k}=${v.replaceAll("\n", " ")}`).join("\n");
}

/** The socket path Deno binds to for `$NOTIFY_SOCKET`; `@name` is the abstract `\0name`. */
export function notifySocketPath(value: string): string {
  return value.startsWith("@") ? "\0" + value.slice(1) : value;
}

/**
 * The watchdog ping interval in ms: half of `$WATCHDOG_USEC` (as sd_watchdog_enabled(3)
 * advises), or null when the watchdog is off or is meant for another process.
 */
export function watchdogIntervalMs(env: NotifyEnv, pid: number): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** Talks to the service manager; every method is a no-op outside a notify unit. */
export class SdNotifier {
  #path: string | null;
  #intervalMs: number | null;
  #log: Logger;
  #conn: Deno.DatagramConn | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #failed = false;
  #enc = new TextEncoder();

  /** Reads the notify socket and watchdog period from `env` (see {@link NotifyEnv}). */
  constructor(env: NotifyEnv, log: Logger, pid: number = Deno.pid) {
    this.#path = env.NOTIFY_SOCKET ? notifySocketPath(env.NOTIFY_SOCKET) : null;
    this.#intervalMs = this.#path ? watchdogIntervalMs(env, pid) : null;
    this.#log = log;
  }

  /** True when running under a service manager that listens. */
  get enabled(): boolean {
    return this.#path !== null;
  }

  /** The watchdog ping interval in ms, or null when the unit has no watchdog. */
  get watchdogIntervalMs(): number | null {
    return this.#intervalMs;
  }

  /** Sends `fields` as one datagram; false (logged once) when it could not be sent. */
  async send(fields: Record<string, string>): Promise<boolean> {
    if (!this.#path) return false;
    try {
      // An empty path autobinds an abstract address: nothing is created on disk.
      this.#conn ??= Deno.listenDatagram({ transport: "unixpacket", path: "" });
      const data = this.#enc.encode(notifyMessage(fields));
      await this.#conn.send(data, { transport: "unixpacket", path: this.#path });
      return true;
    } catch (err) {
      if (!this.#failed) {
        this.#failed = true;
        this.#log.warn("cannot notify the service manager", {
          socket: this.#path.replace("\0", "@"),
          error: err,
        });
      }
      return false;
    }
  }

  /** `READY=1` and starts the watchdog pings when the unit has `WatchdogSec`. */
  async ready(status = "running"): Promise<void> {
    await this.send({ READY: "1", STATUS: status });
    if (this.#intervalMs !== null && this.#timer === undefined) {
      const timer = setInterval(() => void this.send({ WATCHDOG: "1" }), this.#intervalMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** `STOPPING=1`: the drain has begun. The watchdog keeps pinging until {@link close}. */
  async stopping(status = "draining"): Promise<void> {
    await this.send({ STOPPING: "1", STATUS: status });
  }

  /** Stops the watchdog pings and closes the socket. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#conn?.close();
    this.#conn = null;
  }
}
