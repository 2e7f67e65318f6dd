/**
 * Table-driven, CLI half: each audited `selrec` command, run as a real process on a temp
 * data dir, appends exactly its expected audit row (actor `cli`, the OS user); a command
 * that changes nothing appends none. Archive and purge runs log one row per recording.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { query } from "../helpers/db.ts";
import type { AuditEvent } from "../../src/store/schema/audit.ts";
import { assertRow, type Want } from "./audit_rows.ts";
import { selrec as selrecIn, type StorageBox, storageBox } from "../../src/archive/_test_util.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function selrec(dataDir: string, args: string[], stdin = "") {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1", SELREC_DATA_DIR: dataDir, USER: "ops" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

interface CliCase {
  name: string;
  args: (ids: Record<string, string>) => string[];
  stdin?: string;
  code: number;
  /** Remembers a value from stdout (ids of what was created). */
  keep?: (stdout: string, ids: Record<string, string>) => void;
  want: ((ids: Record<string, string>) => Want) | null;
}

const PASS = "a long cli password\n";
const cli = (action: string, target: [string, string], details?: Record<string, unknown>) => ({
  actor: ["cli", "ops"] as [string, string],
  action,
  target,
  details,
});

const CASES: CliCase[] = [
  {
    name: "user add",
    args: () => [
      "user",
      "add",
      "carl",
      "--role",
      "supervisor",
      "--partitions",
      "p1,p2",
      "--agent-id",
      "ag7",
      "--password-stdin",
      "--json",
    ],
    stdin: PASS,
    code: 0,
    keep: (out, ids) => void (ids.carl = String(JSON.parse(out).id)),
    want: (ids) =>
      cli("user.add", ["user", ids.carl], {
        username: "carl",
        role: "supervisor",
        partitions: ["p1", "p2"],
        agentId: "ag7",
        orgUnitId: null,
      }),
  },
  {
    name: "user add of a taken name (nothing changes, no row)",
    args: () => ["user", "add", "carl", "--role", "supervisor", "--password-stdin"],
    stdin: PASS,
    code: 1,
    want: null,
  },
  {
    name: "user passwd",
    args: () => ["user", "passwd", "carl", "--password-stdin"],
    stdin: "another cli password\n",
    code: 0,
    want: (ids) => cli("user.reset_password", ["user", ids.carl], { generated: false }),
  },
  {
    name: "user passwd of an unknown user (no row)",
    args: () => ["user", "passwd", "nobody", "--password-stdin"],
    stdin: PASS,
    code: 1,
    want: null,
  },
  {
    name: "user disable",
    args: () => ["user", "disable", "carl"],
    code: 0,
    want: (ids) => cli("user.disable", ["user", ids.carl]),
  },
  {
    name: "user enable",
    args: () => ["user", "enable", "carl"],
    code: 0,
    want: (ids) => cli("user.enable", ["user", ids.carl]),
  },
  {
    name: "token add",
    args: () => ["token", "add", "--name", "ivr", "--scope", "decisions", "--json"],
    code: 0,
    keep: (out, ids) => void (ids.ivr = String(JSON.parse(out).id)),
    want: (ids) => cli("token.create", ["token", ids.ivr], { name: "ivr", scopes: ["decisions"] }),
  },
  {
    name: "token revoke",
    args: (ids) => ["token", "revoke", ids.ivr],
    code: 0,
    want: (ids) => cli("token.revoke", ["token", ids.ivr]),
  },
  {
    name: "token revoke of a revoked token (no row)",
    args: (ids) => ["token", "revoke", ids.ivr],
    code: 1,
    want: null,
  },
  {
    name: "audit export",
    args: (ids) => [
      "audit",
      "export",
      "--from",
      "2000-01-01",
      "--to",
      "2100-01-01",
      "--out",
      ids.out,
    ],
    code: 0,
    want: () => cli("audit.export", ["file", "audit.csv"], { rows: 6, contiguous: true }),
  },
];

Deno.test({
  name: "every audited CLI command appends exactly its expected audit row",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "selrec-cli-audit-" });
    const db = join(dir, "selrec.db");
    const ids: Record<string, string> = { out: join(dir, "audit.csv") };
    const lastSeq = () => {
      try {
        return query<{ n: number }>(db, "SELECT COALESCE(MAX(seq), 0) AS n FROM audit_events")[0].n;
      } catch {
        return 0; // no database before the first command
      }
    };
    try {
      assert.equal((await selrec(dir, ["migrate"])).code, 0, "only migrate creates the database");
      for (const c of CASES) {
        await t.step(c.name, async () => {
          const before = lastSeq();
          const r = await selrec(dir, c.args(ids), c.stdin);
          assert.equal(r.code, c.code, `${c.name}: exit code; stderr: ${r.stderr}`);
          c.keep?.(r.stdout, ids);
          const rows = query<AuditEvent>(
            db,
            "SELECT * FROM audit_events WHERE seq > ? ORDER BY seq",
            before,
          );
          if (c.want === null) return assert.deepEqual(rows, [], c.name);
          assertRow(rows, c.want(ids), c.name);
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "archive run and purge run append one recording.archive / recording.purge row each",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const target = await Deno.makeTempDir({ prefix: "selrec-cli-nas-" });
    const rows = (box: StorageBox, after: number) =>
      query<AuditEvent>(
        join(box.config.dataDir, "selrec.db"),
        "SELECT * FROM audit_events WHERE seq > ? ORDER BY seq",
        after,
      );
    const env = { USER: "ops", NO_COLOR: "1" };
    try {
      await using box = await storageBox({
        targets: [{ name: "nas", path: target, mount: { type: "local" } }],
      });
      assert.equal((await selrecIn(box, ["storage", "init-target", "nas"], env)).code, 0);
      const [init] = rows(box, 0);
      const rec = await box.addRecording({ bytes: 5000 });
      const r = await selrecIn(box, ["archive", "run", "--json"], env);
      assert.equal(r.code, 0, r.stderr);
      assertRow(rows(box, init.seq), {
        actor: ["cli", "ops"],
        action: "recording.archive",
        target: ["recording", rec.id],
        recording: rec.id,
        details: { target: "nas", path: rec.rel, sha256: rec.sha256, bytes: 5000 },
      }, "archive run");
    } finally {
      await Deno.remove(target, { recursive: true });
    }

    await using box = await storageBox({ purgeAfter: "30d" });
    const old = await box.addRecording({ createdAt: "2025-01-01T00:00:00.000Z" });
    const r = await selrecIn(box, ["purge", "run", "--json"], env);
    assert.equal(r.code, 0, r.stderr);
    assertRow(rows(box, 0), {
      actor: ["cli", "ops"],
      action: "recording.purge",
      target: ["recording", old.id],
      recording: old.id,
      reason: ["retention-policy", "purgeAfter"],
      details: { path: old.rel },
    }, "purge run");
  },
});
