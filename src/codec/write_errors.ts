/**
 * Which file write failures are worth waiting out. Deno reports a full disk or an I/O
 * error as a plain `Error` whose `code` is the errno name (not a `Deno.errors` class).
 */

/** errno names of failures that pass when space returns or the device recovers. */
export const TRANSIENT_WRITE_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT", "EIO"]);

/** The errno name of a failed file operation, if it has one. */
export function writeErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True for a disk-full or I/O error: keep the data and retry later. */
export function isTransientWriteError(err: unknown): boolean {
  const code = writeErrorCode(err);
  return code !== undefined && TRANSIENT_WRITE_CODES.has(code);
}

/**
 * Bytes held in memory while writes wait for the disk, shared by every file that
 * waits (across threads through a SharedArrayBuffer, see write_budget.ts in the
 * recorder). A file stops adding audio once `full` and records the loss instead.
 */
export interface WriteBudget {
  /** Counts `bytes` in (positive) or out (negative). */
  add(bytes: number): void;
  /** True once the held bytes reach the limit. */
  readonly full: boolean;
}
