/**
 * `selrec recordings export ID`: an encrypted export for handing to a third party, in
 * the age format (src/keys/age_export.ts): to `--age-recipient age1…` (repeatable) or to
 * the passphrase in `--passphrase-file`; opened with the standard age CLI.
 */
import { AuditLog } from "../audit/audit_log.ts";
import { createLogger } from "../log.ts";
import { CliExit, type Command, UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";
import { KeyringStartError, openKeyring } from "../keys/open_keyring.ts";
import { keyUsage } from "../store/queries/recording_keys.ts";
import { type AgeTarget, ageTargetProblem } from "../keys/age_export.ts";
import { ExportError, exportRecording } from "../keys/recording_export.ts";

async function targetOf(values: Record<string, unknown>): Promise<AgeTarget> {
  const recipients = (values["age-recipient"] as string[] | undefined) ?? [];
  const file = values["passphrase-file"] as string | undefined;
  if ((recipients.length > 0) === (file !== undefined)) {
    throw new UsageError("give --age-recipient (one or more) or --passphrase-file, not both");
  }
  let t: AgeTarget = { recipients };
  if (file !== undefined) {
    const text = await Deno.readTextFile(file).catch((err) => {
      throw new UsageError(`--passphrase-file: cannot read ${file} (${err.message})`);
    });
    t = { passphrase: text.replace(/\r?\n$/, "") };
  }
  const problem = ageTargetProblem(t);
  if (problem) throw new UsageError(problem);
  return t;
}

export const recordingsExportCommand: Command = {
  path: ["recordings", "export"],
  summary: "Export a recording encrypted (age format) to a recipient key or a passphrase",
  usage:
    "ID (--age-recipient age1… | --passphrase-file FILE) --out FILE --reason TEXT [--format ogg|wav]",
  options: {
    "age-recipient": { type: "string", multiple: true },
    "passphrase-file": { type: "string" },
    out: { type: "string" },
    reason: { type: "string" },
    format: { type: "string" },
  },
  help: [
    "The recipient opens it with the standard age tool (https://age-encryption.org):",
    "  age -d -i key.txt -o rec.ogg rec.ogg.age     (recipient key)",
    "  age -d -o rec.ogg rec.ogg.age                (passphrase, asked for at the prompt)",
    "Give the passphrase to the recipient by another channel than the file. Audited.",
  ].join("\n"),
  async run(args, io) {
    const id = args.positionals[0];
    if (!id || args.positionals.length !== 1) throw new UsageError("expected one recording id");
    const out = args.values.out as string | undefined;
    const reason = (args.values.reason as string | undefined)?.trim();
    if (!out) throw new UsageError("--out FILE is required");
    if (!reason) throw new UsageError("--reason TEXT is required (it goes into the audit)");
    const format = (args.values.format as string | undefined) ?? "ogg";
    if (format !== "ogg" && format !== "wav") {
      throw new UsageError(`--format: expected ogg or wav, got "${format}"`);
    }
    const to = await targetOf(args.values);
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const log = createLogger({ level: "warn", format: "json", write: (l) => io.stderr(l + "\n") });
    // The keyring only when a sealed recording needs it: an export never creates a key.
    const usage = await keyUsage(store.db);
    const keyring = usage.length > 0
      ? await openKeyring(loaded.config, usage, log).catch((err) => {
        throw err instanceof KeyringStartError ? new CliExit(2, err.message) : err;
      })
      : null;
    try {
      const bytes = await exportRecording(
        { db: store.db, audit: new AuditLog(store.db), log, keyring },
        { id, format, to, out, reason, actor: cliActor(io) },
      );
      io.stdout(`wrote ${out} (${bytes} bytes, age-encrypted)\n`);
      return 0;
    } catch (err) {
      if (err instanceof ExportError) throw new CliExit(1, err.message);
      throw err;
    }
  },
};
