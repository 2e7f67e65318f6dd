/** What the storage lifecycle needs: config, log, audit and database (the box or a CLI). */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { AuditInput, AuditLog } from "../audit/audit_log.ts";
import type { Db } from "../store/db.ts";

/** Config, log, audit and database. */
export interface StorageHost {
  readonly config: Config;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly store: { readonly db: Db };
}

/** The audit actor of the storage loop. */
export const SYSTEM_ACTOR: AuditInput["actor"] = { type: "system", name: "storage" };

/**
 * A test hook (from `SELREC_ARCHIVE_HOOK=step:file`): on reaching `step`, create `file`
 * and wait until it is removed. Crash tests kill the process while it waits.
 */
export interface StepHook {
  step: string;
  file: string;
}

/** Parses `step:file`; null for empty or malformed text. */
export function parseHook(text: string | undefined): StepHook | null {
  const i = text?.indexOf(":") ?? -1;
  return text && i > 0 ? { step: text.slice(0, i), file: text.slice(i + 1) } : null;
}

/** Runs the hook when `step` is its step. */
export async function atStep(hook: StepHook | null | undefined, step: string): Promise<void> {
  if (!hook || hook.step !== step) return;
  await Deno.writeTextFile(hook.file, step);
  for (;;) {
    try {
      await Deno.stat(hook.file);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
