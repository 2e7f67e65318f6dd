/** Shared helpers for commands: config loading with exit-2 errors, opening the store. */
import { ConfigError, loadConfig, type LoadedConfig } from "../config.ts";
import { databasePath, openDataStore, type Store } from "../store/db.ts";
import { type CliArgs, CliExit, type CliIO } from "./command.ts";
import type { AuditInput } from "../audit/audit_log.ts";

/** Who a CLI command acts as in the audit: the person behind sudo, else the login user. */
export function cliActor(io: CliIO): AuditInput["actor"] {
  return { type: "cli", name: io.env.SUDO_USER || io.env.USER || null };
}

/** Loads config for a command; on error prints every problem and returns null (exit 2). */
export async function configFor(args: CliArgs, io: CliIO): Promise<LoadedConfig | null> {
  try {
    return await loadConfig(args.values.config as string | undefined, io.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(err.message + "\n");
      return null;
    }
    throw err;
  }
}

/**
 * Opens and migrates the existing store in the config's data directory. Only `serve`
 * and `migrate` create one (see {@link createStoreFor}); any other command facing a
 * missing database ends with exit 2 rather than leave an empty data directory behind.
 */
export async function storeFor(loaded: LoadedConfig): Promise<Store> {
  const path = databasePath(loaded.config.dataDir);
  try {
    await Deno.stat(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    throw new CliExit(
      2,
      `no database at ${path} (config: ${loaded.source}); is this the right config? ` +
        "(`selrec migrate` creates one)",
    );
  }
  return await openDataStore(loaded.config.dataDir);
}

/** Opens the store, creating the data directory and database when missing (`migrate`). */
export function createStoreFor(loaded: LoadedConfig): Promise<Store> {
  return openDataStore(loaded.config.dataDir);
}
