/** `version`, `migrate` and `config check`. */
import {
  ConfigError,
  configWarnings,
  parseConfigYaml,
  redactConfig,
  resolveConfig,
} from "../config.ts";
import { VERSION } from "../version.ts";
import { stringify } from "yaml";
import type { Command } from "./command.ts";
import { configFor, createStoreFor } from "./context.ts";
import { appliedMigrations } from "../store/db.ts";

export const versionCommand: Command = {
  path: ["version"],
  summary: "Print the selrec version",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  run(args, io) {
    io.stdout(
      args.values.json
        ? JSON.stringify({ version: VERSION, deno: Deno.version.deno }) + "\n"
        : `selrec ${VERSION} (deno ${Deno.version.deno})\n`,
    );
    return Promise.resolve(0);
  },
};

export const migrateCommand: Command = {
  path: ["migrate"],
  summary: "Create or upgrade the database in the data directory",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await createStoreFor(loaded);
    const rows = await appliedMigrations(store.db);
    io.stdout(
      args.values.json
        ? JSON.stringify({ database: store.path, migrations: rows }) + "\n"
        : `database ${store.path} is at the latest schema (${rows.length} migrations)\n`,
    );
    return 0;
  },
};

export const configCheckCommand: Command = {
  path: ["config", "check"],
  summary: "Validate a config file and print the effective config with secrets redacted",
  usage: "[FILE] [--json]",
  options: { json: { type: "boolean" } },
  help: "Exit 2 listing every bad field with its path and the file; deprecated keys are " +
    "warned about on stderr (exit 0).",
  async run(args, io) {
    const file = args.positionals[0];
    let effective;
    let source: string;
    if (file) {
      try {
        const text = await Deno.readTextFile(file).catch((err) => {
          throw new ConfigError(file, [`cannot read file: ${(err as Error).message}`]);
        });
        effective = resolveConfig(parseConfigYaml(text, file), io.env, file);
        source = file;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        io.stderr(err.message + "\n");
        return 2;
      }
    } else {
      const loaded = await configFor(args, io);
      if (!loaded) return 2;
      effective = loaded.config;
      source = loaded.source;
    }
    for (const w of configWarnings(effective)) io.stderr(`warning: ${source}: ${w}\n`);
    const shown = redactConfig(effective);
    io.stdout(
      args.values.json
        ? JSON.stringify({ source, config: shown }, null, 2) + "\n"
        : `# effective configuration from ${source}\n${stringify(shown)}`,
    );
    return 0;
  },
};
