/**
 * `selrec scrub`: re-verifies the file of every finished recording on the spool and the
 * archive targets now (SHA-256 of plain files, chunk authentication of sealed ones), at
 * full speed unless `--bytes-per-second` paces it. Failures are flagged, audited (as the
 * person running it) and alarmed as when a read finds them. A progress line goes to
 * stderr on a TTY; `--json` prints the result on stdout. Exit 1 when any recording failed
 * or its file is missing, 0 when all verified (skipped unhealthy targets are listed).
 */
import { AuditLog } from "../audit/audit_log.ts";
import { createLogger } from "../log.ts";
import { CliExit, type Command, UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";
import { runScrub } from "../archive/scrub_run.ts";
import { parseDuration } from "../duration.ts";
import { IoBudget } from "../archive/io_budget.ts";
import { formatBytes, progressBar } from "../archive/format.ts";
import { KeyringStartError, openKeyring } from "../keys/open_keyring.ts";
import { keyUsage } from "../store/queries/recording_keys.ts";

function budgetOf(text: string | undefined): IoBudget | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 4096) {
    throw new UsageError(`--bytes-per-second: expected an integer ≥ 4096, got "${text}"`);
  }
  return new IoBudget(n);
}

export const scrubCommand: Command = {
  path: ["scrub"],
  summary: "Re-verify every recording file (spool and archive targets); flag and audit failures",
  usage: "[--json] [--bytes-per-second N]",
  options: { json: { type: "boolean" }, "bytes-per-second": { type: "string" } },
  help: "Exit status 1 when any recording failed its integrity check or its file is missing.",
  async run(args, io) {
    const budget = budgetOf(args.values["bytes-per-second"] as string | undefined);
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const json = Boolean(args.values.json);
    const tty = io.isTty && !json;
    // Each finding is printed below (or in the JSON); the log would only repeat it.
    const log = createLogger({ level: "error", format: "json", write: () => {} });
    // The keyring only when a sealed recording needs it (never creates a key here).
    const usage = await keyUsage(store.db);
    const keyring = usage.length > 0
      ? await openKeyring(loaded.config, usage, log).catch((err) => {
        throw err instanceof KeyringStartError ? new CliExit(2, err.message) : err;
      })
      : null;
    const r = await runScrub({ db: store.db, audit: new AuditLog(store.db), log }, {
      actor: cliActor(io),
      keyring,
      throttle: budget?.take,
      stallMs: parseDuration(loaded.config.scrub.stallTimeout),
      onProgress: tty
        ? (p) => io.stderr(`\r${progressBar(p.done, p.total)} ${formatBytes(p.bytes)}`.padEnd(79))
        : undefined,
    });
    if (tty) io.stderr("\n");
    if (json) io.stdout(JSON.stringify(r) + "\n");
    else {
      io.stdout(
        `${r.checked} recordings scrubbed (${formatBytes(r.bytes)}): ${r.ok} ok, ` +
          `${r.failed} failed, ${r.missing} missing, ${r.skipped} skipped\n`,
      );
      for (const i of r.items) io.stdout(`${i.id}  ${i.outcome}  ${i.path}: ${i.detail}\n`);
    }
    return r.failed > 0 || r.missing > 0 ? 1 : 0;
  },
};
