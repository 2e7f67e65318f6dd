/**
 * `selrec archive run`, `selrec purge run`, `selrec storage status` and
 * `selrec storage init-target NAME`. Progress bars go to stderr on a TTY; `--json` prints
 * one JSON document on stdout.
 */
import { AuditLog } from "../audit/audit_log.ts";
import { createLogger } from "../log.ts";
import type { CliIO, Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { cliActor, configFor, storeFor } from "./context.ts";
import type { Store } from "../store/db.ts";
import type { LoadedConfig } from "../config.ts";
import { parseDuration } from "../duration.ts";
import { parseHook, type StorageHost } from "../archive/host.ts";
import { runArchive } from "../archive/archive_run.ts";
import { runPurge } from "../archive/purge_run.ts";
import { storageStatus } from "../archive/status.ts";
import { markTarget, specOf, syncTargets } from "../archive/locations.ts";
import { CopyWorker } from "../archive/copy_worker.ts";
import { setLocationVolumeId } from "../store/queries/storage.ts";
import { formatBytes, progressBar, statusText } from "../archive/format.ts";
import { targetsDropIn, updateTargetsDropIn } from "../archive/unit_dropin.ts";

function hostOf(loaded: LoadedConfig, store: Store, io: CliIO): StorageHost {
  const log = createLogger({ level: "warn", format: "json", write: (l) => io.stderr(l + "\n") });
  return { config: loaded.config, log, audit: new AuditLog(store.db), store };
}

function progress(io: CliIO, json: boolean) {
  if (!io.isTty || json) return { tick: (_d: number, _t: number, _l: string) => {}, end: () => {} };
  return {
    tick: (done: number, total: number, label: string) =>
      io.stderr(`\r${progressBar(done, total)} ${label}`.padEnd(79)),
    end: () => io.stderr("\n"),
  };
}

export const archiveRunCommand: Command = {
  path: ["archive", "run"],
  summary: "Copy due recordings to the archive target (verified), then free the spool",
  usage: "[--dry-run] [--json] [--pressure]",
  options: {
    "dry-run": { type: "boolean" },
    json: { type: "boolean" },
    pressure: { type: "boolean" },
  },
  help: "--pressure archives every unarchived recording now, as the high watermark does.",
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const json = Boolean(args.values.json);
    const bar = progress(io, json);
    const r = await runArchive(hostOf(loaded, store, io), {
      dryRun: Boolean(args.values["dry-run"]),
      pressure: Boolean(args.values.pressure),
      actor: cliActor(io),
      hook: parseHook(io.env.SELREC_ARCHIVE_HOOK),
      onProgress: (p) => bar.tick(p.done, p.total, formatBytes(p.bytes)),
    });
    bar.end();
    if (json) io.stdout(JSON.stringify(r) + "\n");
    else {
      const verb = r.dryRun ? "due" : "archived";
      io.stdout(
        `${r.dryRun ? r.candidates : r.archived} recordings ${verb} (${formatBytes(r.bytes)})` +
          `${r.failed ? `, ${r.failed} failed` : ""}${r.resumed ? `, ${r.resumed} resumed` : ""}\n`,
      );
      for (const t of r.targets) {
        io.stdout(`target ${t.name}: ${t.healthy ? "healthy" : `UNAVAILABLE: ${t.error}`}\n`);
      }
      for (const i of r.items.filter((i) => i.error)) io.stdout(`${i.id}: ${i.error}\n`);
    }
    return r.failed > 0 || r.items.some((i) => i.outcome === "skipped") ? 1 : 0;
  },
};

export const purgeRunCommand: Command = {
  path: ["purge", "run"],
  summary: "Purge expired recordings by policy (tombstones kept; legal hold respected)",
  usage: "[--dry-run] [--json] [--accept-clock]",
  options: {
    "dry-run": { type: "boolean" },
    json: { type: "boolean" },
    "accept-clock": { type: "boolean" },
  },
  help: "--accept-clock confirms the wall clock after the clock guard suspended purging.",
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const json = Boolean(args.values.json);
    const bar = progress(io, json);
    const r = await runPurge(hostOf(loaded, store, io), {
      dryRun: Boolean(args.values["dry-run"]),
      acceptClock: Boolean(args.values["accept-clock"]),
      actor: cliActor(io),
      onProgress: (p) => bar.tick(p.done, p.total, p.id),
    });
    bar.end();
    if (json) io.stdout(JSON.stringify(r) + "\n");
    else if (r.suspended) io.stdout(`purge suspended: ${r.suspended}\n`);
    else {
      const n = r.dryRun ? r.items.length : r.purged;
      io.stdout(`${n} recordings ${r.dryRun ? "due for purge" : "purged"}\n`);
      for (const i of r.items) io.stdout(`${i.id}  ${i.action}  ${i.outcome}\n`);
    }
    return r.suspended ? 1 : 0;
  },
};

export const storageStatusCommand: Command = {
  path: ["storage", "status"],
  summary: "Spool usage and watermark, archive backlog, target health, open storage alarms",
  usage: "[--json]",
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const s = await storageStatus(hostOf(loaded, store, io), new Date());
    io.stdout(args.values.json ? JSON.stringify(s) + "\n" : statusText(s));
    return 0;
  },
};

export const storageInitTargetCommand: Command = {
  path: ["storage", "init-target"],
  summary: "Write the volume-ID sentinel on a mounted archive target and remember it",
  usage: "NAME",
  async run(args, io) {
    const name = args.positionals[0];
    if (!name) throw new UsageError("expected the target NAME");
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const row = (await syncTargets(store.db, loaded.config)).find((t) => t.name === name);
    if (!row) throw new UsageError(`no archive target named "${name}" in the config`);
    await using worker = CopyWorker.spawn({
      timeoutMs: parseDuration(loaded.config.storage.copyTimeout),
    });
    const r = await worker.call({ op: "init", spec: specOf(row) });
    if (r.ev === "error" || !r.volumeId) {
      io.stderr(`selrec storage init-target: ${r.ev === "error" ? r.message : "no volume ID"}\n`);
      return 1;
    }
    await setLocationVolumeId(store.db, row.id, r.volumeId);
    await markTarget(store.db, { ...row, volume_id: r.volumeId }, null, new Date());
    await new AuditLog(store.db).append({
      actor: cliActor(io),
      action: "storage.init-target",
      target: { type: "storage_location", id: name },
      details: { path: row.path, volumeId: r.volumeId },
    });
    io.stdout(`target ${name} initialised: volume ${r.volumeId}\n`);
    await reportDropIn(loaded, io);
    return 0;
  },
};

/**
 * Rewrites the unit drop-in that makes the targets writable for the service
 * (`$SELREC_SYSTEMD_DIR`, default /etc/systemd/system) and reloads systemd when it can;
 * otherwise prints the command to run as root.
 */
async function reportDropIn(loaded: LoadedConfig, io: CliIO): Promise<void> {
  const unitDir = io.env.SELREC_SYSTEMD_DIR ?? "/etc/systemd/system";
  const up = await updateTargetsDropIn(unitDir, loaded.config.storage.targets);
  if (up.outcome === "unchanged") return;
  if (up.outcome === "denied") {
    io.stderr(
      `cannot write ${up.file} (${up.error}); until it lists the target the service cannot ` +
        `write there. As root: selrec storage dropin --config ${loaded.source} > ${up.file} ` +
        `&& systemctl daemon-reload && systemctl restart selrec\n`,
    );
    return;
  }
  const systemctl = io.env.SELREC_SYSTEMCTL ?? "systemctl";
  const reload = await new Deno.Command(systemctl, { args: ["daemon-reload"], stderr: "null" })
    .output().then((o) => o.success, () => false);
  io.stdout(
    `wrote ${up.file}; ${reload ? "" : "run `systemctl daemon-reload`, then "}` +
      "`systemctl restart selrec` to let the service write the target\n",
  );
}

export const storageDropInCommand: Command = {
  path: ["storage", "dropin"],
  summary: "Print the systemd drop-in that makes the archive targets writable for the service",
  usage: "",
  help: "install.sh writes it to /etc/systemd/system/selrec.service.d/targets.conf.",
  async run(args, io) {
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    io.stdout(targetsDropIn(loaded.config.storage.targets));
    return 0;
  },
};

/** The storage commands, for src/cli/commands.ts. */
export const STORAGE_COMMANDS: Command[] = [
  archiveRunCommand,
  purgeRunCommand,
  storageStatusCommand,
  storageInitTargetCommand,
  storageDropInCommand,
];
