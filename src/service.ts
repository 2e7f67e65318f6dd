/**
 * The lifecycle contract of the box's long-running parts, and what `/healthz` reports.
 * Services import this module, never the composition root, for these types.
 */

/** A long-running part of the box with a lifecycle. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Refuse new work and finish in-flight work until `deadline`. */
  drain?(deadline: number): Promise<void>;
  stop(): Promise<void>;
}

/** Health as reported by `GET /healthz`. */
export interface Health {
  status: "ok" | "draining" | "degraded";
  version: string;
  uptimeSeconds: number;
  db: "ok" | "error";
}

/** Raised when the box cannot start with what it was given (bad rules at startup). */
export class StartupError extends Error {
  override name = "StartupError";
}
