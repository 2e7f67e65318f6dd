/** `recordings list` and `recordings show ID`. */
import { parseDuration } from "../duration.ts";
import { type Command, table, UsageError } from "./command.ts";
import { configFor, storeFor } from "./context.ts";
import { listRecentRecordings, recordingShowData } from "../store/queries/recording_rows.ts";
import { listSegments } from "../store/queries/recording_segments.ts";

export const recordingsListCommand: Command = {
  path: ["recordings", "list"],
  summary: "List recordings, newest first",
  usage: "[--since 7d|ISO] [--limit N] [--json]",
  options: { since: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" } },
  async run(args, io) {
    const limit = Number(args.values.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
      throw new UsageError(
        `--limit expects a whole number from 1 to 100000, got "${args.values.limit}"`,
      );
    }
    let since: string | null = null;
    const s = args.values.since as string | undefined;
    if (s) {
      const d = /^\d{4}-\d{2}-\d{2}/.test(s)
        ? new Date(s)
        : new Date(Date.now() - parseDuration(s));
      if (Number.isNaN(d.getTime())) {
        throw new UsageError(`--since expects 7d or an ISO date, got "${s}"`);
      }
      since = d.toISOString();
    }
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const rows = (await listRecentRecordings(store.db, { since, limit })).map((r) => ({
      ...r,
      partitions: r.partitions.join(","),
      flags: [
        r.flag_interrupted ? "interrupted" : "",
        r.flag_no_media ? "no-media" : "",
        r.flag_one_way ? "one-way" : "",
        r.flag_paused ? "paused" : "",
        r.flag_foreign_media ? "foreign-media" : "",
        r.flag_session_expired ? "session-expired" : "",
        r.flag_media_timeout ? "media-timeout" : "",
      ].filter(Boolean).join(","),
    }));
    if (args.values.json) io.stdout(JSON.stringify(rows) + "\n");
    else {
      io.stdout(
        table(
          rows.map((r) => ({
            ...r,
            duration: r.duration_ms === null ? "" : `${(r.duration_ms / 1000).toFixed(1)}s`,
          })),
          [
            "id",
            "state",
            "started_at",
            "duration",
            "agent_id",
            "business_unit",
            "rule_id",
            "flags",
          ],
        ),
      );
    }
    return 0;
  },
};

export const recordingsShowCommand: Command = {
  path: ["recordings", "show"],
  summary: "Show a recording: metadata, participants, streams, flags, pauses, file",
  usage: "ID [--json]",
  options: { json: { type: "boolean" } },
  async run(args, io) {
    const id = args.positionals[0];
    if (!id) throw new UsageError("a recording id is required");
    const loaded = await configFor(args, io);
    if (!loaded) return 2;
    await using store = await storeFor(loaded);
    const found = await recordingShowData(store.db, id);
    if (!found) {
      io.stderr(`no recording "${id}"\n`);
      return 1;
    }
    const segments = await listSegments(store.db, id);
    const { rec, location, participants, streams, metadata, pauses, gaps, decision } = found;
    const out = {
      ...rec,
      partitions: found.partitions.join(","),
      file: location ? `${location.path}/${rec.path}` : rec.path,
      storage: location?.name ?? null,
      participants: participants.map((p) => ({ ...p })),
      streams: streams.map((s) => ({ ...s, stats: JSON.parse(s.stats) })),
      metadata: Object.fromEntries(metadata.map((m) => [m.key, m.value])),
      pauses: pauses.map((p) => ({ ...p })),
      gaps: gaps.map((g) => ({ ...g })),
      segments,
      decision: decision
        ? {
          ...decision,
          partitions: decision.partitions.join(","),
          trace: JSON.parse(decision.trace),
        }
        : null,
    };
    if (args.values.json) {
      io.stdout(JSON.stringify(out, null, 2) + "\n");
      return 0;
    }
    const lines = [
      `recording ${rec.id} (${rec.state})`,
      `  file       ${out.file}`,
      `  sha256     ${rec.sha256 ?? "-"}`,
      `  started    ${rec.started_at}   ended ${rec.ended_at ?? "-"}`,
      `  duration   ${rec.duration_ms === null ? "-" : (rec.duration_ms / 1000).toFixed(2) + " s"}`,
      `  audio      ${rec.format} at ${rec.sample_rate} Hz`,
      `  rule       ${rec.rule_id ?? "-"}   mode ${rec.mode ?? "-"}   partitions ${
        out.partitions || "-"
      }`,
      `  flags      interrupted=${rec.flag_interrupted} no-media=${rec.flag_no_media} one-way=${rec.flag_one_way} paused=${rec.flag_paused} gaps=${rec.flag_gaps} foreign-media=${rec.flag_foreign_media} session-expired=${rec.flag_session_expired} media-timeout=${rec.flag_media_timeout}`,
      ...(segments.length > 1
        ? [
          `segments (${segments.length}, this is ${rec.segment}):`,
          ...segments.map((s) =>
            `  ${s.id === rec.id ? "*" : " "} ${s.segment} ${s.id} ${s.startedAt} ${
              s.durationMs === null ? "-" : (s.durationMs / 1000).toFixed(2) + " s"
            } ${s.state}`
          ),
        ]
        : []),
      "participants:",
      ...participants.map((p) =>
        `  ${p.role.padEnd(8)} ch${p.channel ?? "-"} ${p.aor ?? ""} ${p.name ?? ""}`
      ),
      "streams:",
      ...out.streams.map((s) =>
        `  label ${s.label} ${s.codec}${
          s.received_codecs && s.received_codecs !== s.codec ? ` (sent ${s.received_codecs})` : ""
        } port ${s.port} ch${s.channel ?? "-"} received ${s.stats.received ?? 0} lost ${
          s.stats.lost ?? 0
        } jitter ${s.stats.jitterMs ?? 0} ms foreign ${s.stats.foreignPackets ?? 0} oversize ${
          s.stats.oversizePackets ?? 0
        }`
      ),
      "pauses:",
      ...pauses.map((p) =>
        `  ${p.start_ms}–${p.end_ms ?? "…"} ms  ${p.source} ${p.reason_code ?? ""}`
      ),
      "metadata:",
      ...metadata.map((m) => `  ${m.key} = ${m.value}`),
    ];
    io.stdout(lines.join("\n") + "\n");
    return 0;
  },
};
