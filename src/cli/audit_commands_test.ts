import assert from "node:assert/strict";
import { join } from "node:path";
import { migrate, openStore } from "../store/db.ts";
import { AuditLog } from "../audit/audit_log.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function selrec(dir: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { SELREC_DATA_DIR: dir, SELREC_LOG_LEVEL: "error", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function seeded(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "selrec-cli-audit-" });
  await using store = openStore(join(dir, "selrec.db"));
  await migrate(store.db);
  let t = Date.parse("2026-03-01T00:00:00Z");
  const log = new AuditLog(store.db, { now: () => new Date(t += 3_600_000) });
  for (let i = 0; i < 8; i++) {
    await log.append({
      actor: { type: "user", id: i, name: `u${i}` },
      action: "recording.play",
      recordingId: `r${i}`,
    });
  }
  return dir;
}

Deno.test(
  "selrec audit verify exits 0 on an intact chain and 1 naming the broken seq",
  opts,
  async () => {
    const dir = await seeded();
    assert.equal((await selrec(dir, "audit", "checkpoint")).code, 0);
    const ok = await selrec(dir, "audit", "verify", "--json");
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout);
    assert.deepEqual([report.ok, report.checked, report.checkpoints], [true, 8, 1]);
    {
      await using store = openStore(join(dir, "selrec.db"));
      store.raw.exec("DROP TRIGGER audit_events_no_update");
      store.raw.exec("UPDATE audit_events SET actor_name = 'nobody' WHERE seq = 3");
    }
    const bad = await selrec(dir, "audit", "verify");
    assert.equal(bad.code, 1);
    assert.match(
      bad.stdout,
      /^audit chain BROKEN at seq 3: hash does not match the entry's content$/m,
    );
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test(
  "selrec audit export writes a CSV that verify --csv accepts until edited",
  opts,
  async () => {
    const dir = await seeded();
    const out = join(dir, "range.csv");
    const exp = await selrec(
      dir,
      "audit",
      "export",
      "--from",
      "2026-03-01T03:00:00Z",
      "--to",
      "2026-03-01T06:00:00Z",
      "--out",
      out,
      "--json",
    );
    assert.equal(exp.code, 0, exp.stderr);
    assert.deepEqual(JSON.parse(exp.stdout).rows, 3);
    const ok = await selrec(dir, "audit", "verify", "--csv", out);
    assert.equal(ok.code, 0, ok.stdout);
    const text = await Deno.readTextFile(out);
    await Deno.writeTextFile(out, text.replace("r4", "r9"));
    const bad = await selrec(dir, "audit", "verify", "--csv", out);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /BROKEN at seq 5/); // r4 is seq 5
    const whole = await selrec(dir, "audit", "verify");
    assert.equal(whole.code, 0, whole.stdout);
    assert.match(whole.stdout, /9 rows \(seq 1\.\.9\)/); // the export itself is audited
    assert.equal((await selrec(dir, "audit", "export", "--from", "2026-03-01")).code, 2);
    assert.equal((await selrec(dir, "audit", "export", "--out", out, "--to", "soon")).code, 2);
    await Deno.remove(dir, { recursive: true });
  },
);
