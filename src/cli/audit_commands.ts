/** `audit verify|export|checkpoint|prune`. */
import { AuditLog, AuditWriteError } from "../audit/audit_log.ts";
import { AuditChainBrokenError, writeCheckpoint } from "../audit/checkpoint.ts";
import { loadOrCreateSigningKey } from "../audit/checkpoint_key.ts";
import { exportAuditToFile } from "../audit/export.ts";
import { type AuditFilter, isoBound } from "../audit/query.ts";
import { pruneAudit } from "../audit/retention.ts";
import { type AuditVerifyReport, verifyAuditCsv, verifyAuditStore } from "../audit/verify_store.ts";
import { type CliArgs, type CliIO, type Command, UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";

function str(args: CliArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function printReport(report: AuditVerifyReport, json: boolean, io: CliIO): number {
  if (json) {
    io.stdout(JSON.stringify(report) + "\n");
  } else if (report.ok) {
    const range = report.firstSeq === null ? "empty" : `seq ${report.firstSeq}..${report.lastSeq}`;
    const cp = report.latestCheckpoint
      ? `, latest checkpoint seq ${report.latestCheckpoint.seq} at ${report.latestCheckpoint.ts}`
      : "";
    io.stdout(
      `audit chain intact: ${report.checked} rows (${range}), ${report.checkpoints} checkpoints${cp}\n`,
    );
    for (const w of report.warnings) io.stdout(`warning: ${w}\n`);
  } else {
    const b = report.firstBroken!;
    io.stdout(`audit chain BROKEN at seq ${b.seq}: ${b.reason}\n`);
    io.stdout(`${report.checked} rows verified before the break\n`);
  }
  return report.ok ? 0 : 1;
}

export const auditVerifyCommand: Command = {
  path: ["audit", "verify"],
  summary:
    "Verify the audit hash chain and signed checkpoints (exit 1 names the first broken link)",
  usage: "[--json] [--csv FILE [--checkpoints FILE --public-key FILE] [--complete] [--filtered]]",
  options: {
    json: { type: "boolean" },
    csv: { type: "string" },
    checkpoints: { type: "string" },
    "public-key": { type: "string" },
    complete: { type: "boolean" },
    filtered: { type: "boolean" },
  },
  help: [
    "Without --csv, verifies the database of the data directory against",
    "<dataDir>/audit-checkpoints.jsonl. With --csv, verifies an export offline:",
    "--complete when it is the whole trail (anchor and checkpointed tail required),",
    "--filtered when it was exported with user/action/recording/customer filters.",
  ].join("\n"),
  async run(args, io) {
    const json = Boolean(args.values.json);
    const csv = str(args, "csv");
    if (csv) {
      const checkpointsFile = str(args, "checkpoints");
      const publicKeyFile = str(args, "public-key");
      if (checkpointsFile && !publicKeyFile) {
        throw new UsageError("--checkpoints needs --public-key to check signatures");
      }
      const report = await verifyAuditCsv(csv, {
        checkpointsFile,
        publicKeyFile,
        complete: Boolean(args.values.complete),
        filtered: Boolean(args.values.filtered),
      });
      return printReport(report, json, io);
    }
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    return printReport(await verifyAuditStore(store.db, loaded.config.dataDir), json, io);
  },
};

function filterFrom(args: CliArgs): AuditFilter {
  const f: AuditFilter = {
    from: str(args, "from"),
    to: str(args, "to"),
    user: str(args, "user"),
    action: str(args, "action"),
    recordingId: str(args, "recording"),
    customerId: str(args, "customer"),
  };
  try {
    if (f.from) isoBound(f.from);
    if (f.to) isoBound(f.to);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return f;
}

export const auditExportCommand: Command = {
  path: ["audit", "export"],
  summary: "Export audit rows with their chain fields to CSV (the export is itself audited)",
  usage: "--out FILE [--from ISO] [--to ISO] [--user U] [--action A] [--recording ID] " +
    "[--customer ID] [--json]",
  options: {
    out: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    user: { type: "string" },
    action: { type: "string" },
    recording: { type: "string" },
    customer: { type: "string" },
    json: { type: "boolean" },
  },
  async run(args, io) {
    const out = str(args, "out");
    if (!out) throw new UsageError("--out FILE is required");
    const filter = filterFrom(args);
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    try {
      const info = await exportAuditToFile(
        store.db,
        new AuditLog(store.db),
        out,
        filter,
        cliActor(io),
      );
      io.stdout(
        args.values.json
          ? JSON.stringify({ file: out, ...info }) + "\n"
          : `exported ${info.rows} audit rows to ${out} (sha256 ${info.sha256})\n`,
      );
      return 0;
    } catch (err) {
      if (!(err instanceof AuditWriteError) && !(err instanceof Deno.errors.NotFound)) throw err;
      io.stderr(`selrec audit export: ${(err as Error).message}\n`);
      return 1;
    }
  },
};

export const auditCheckpointCommand: Command = {
  path: ["audit", "checkpoint"],
  summary: "Sign a checkpoint of the audit chain now (the service does this periodically)",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const key = await loadOrCreateSigningKey(loaded.config.dataDir);
    try {
      const cp = await writeCheckpoint(store.db, loaded.config.dataDir, key);
      io.stdout(
        args.values.json
          ? JSON.stringify(cp) + "\n"
          : cp
          ? `checkpoint at seq ${cp.seq} (${cp.count} rows)\n`
          : "audit trail is empty: no checkpoint\n",
      );
      return 0;
    } catch (err) {
      if (!(err instanceof AuditChainBrokenError)) throw err;
      io.stderr(`selrec audit checkpoint: ${err.message}\n`);
      return 1;
    }
  },
};

export const auditPruneCommand: Command = {
  path: ["audit", "prune"],
  summary: "Remove audit rows older than audit.retention (a verified prefix, re-anchored)",
  usage: "[--dry-run] [--archive FILE] [--json]",
  options: {
    "dry-run": { type: "boolean" },
    archive: { type: "string" },
    json: { type: "boolean" },
  },
  help: "Refuses to prune a chain that does not verify. --archive writes the removed rows first.",
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const key = await loadOrCreateSigningKey(loaded.config.dataDir);
    try {
      const res = await pruneAudit(store, new AuditLog(store.db), loaded.config.dataDir, key, {
        retention: loaded.config.audit.retention,
        actor: cliActor(io),
        archiveFile: str(args, "archive"),
        dryRun: Boolean(args.values["dry-run"]),
      });
      const verb = args.values["dry-run"] ? "would remove" : "removed";
      io.stdout(
        args.values.json
          ? JSON.stringify(res) + "\n"
          : res.removed === 0
          ? `nothing older than ${res.cutoff} to remove\n`
          : `${verb} ${res.removed} audit rows (seq ${res.fromSeq}..${res.toSeq}) older than ${res.cutoff}\n`,
      );
      return 0;
    } catch (err) {
      if (!(err instanceof AuditChainBrokenError) && !(err instanceof AuditWriteError)) throw err;
      io.stderr(`selrec audit prune: ${err.message}\n`);
      return 1;
    }
  },
};

/** Every audit command, for COMMANDS. */
export const AUDIT_COMMANDS: Command[] = [
  auditVerifyCommand,
  auditExportCommand,
  auditCheckpointCommand,
  auditPruneCommand,
];
