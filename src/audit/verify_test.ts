import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { openStore } from "../store/db.ts";
import type { AuditEvent } from "../store/schema/audit.ts";
import { copyDb, dropAuditTriggers, seedAudit, tempBox } from "./_test_util.ts";
import { AUDIT_COLUMNS } from "./audit_csv.ts";
import { writeCheckpoint } from "./checkpoint.ts";
import { loadOrCreateSigningKey } from "./checkpoint_key.ts";
import { verifyChain } from "./verify.ts";
import { auditEventsInSeqOrder } from "../store/queries/audit.ts";
import { verifyAuditStore } from "./verify_store.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

async function rowsOf(box: Awaited<ReturnType<typeof tempBox>>): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const r of auditEventsInSeqOrder(box.store.db, {})) out.push(r);
  return out;
}

Deno.test("verifyChain() accepts an intact chain and counts every row", opts, async () => {
  await using box = await tempBox();
  await seedAudit(box, 12);
  const res = await verifyChain(auditEventsInSeqOrder(box.store.db, {}, 0, 5));
  assert.deepEqual({ ...res }, {
    ok: true,
    checked: 12,
    firstSeq: 1,
    lastSeq: 12,
    lastHash: res.lastHash,
    checkpointsMatched: 0,
    firstBroken: null,
  });
});

Deno.test("verifyChain() names a deleted row as a gap", opts, async () => {
  await using box = await tempBox();
  await seedAudit(box, 6);
  const rows = (await rowsOf(box)).filter((r) => r.seq !== 4);
  const res = await verifyChain(rows);
  assert.deepEqual(res.firstBroken, { seq: 5, reason: "gap: seq 4..4 missing" });
  assert.equal(res.checked, 3);
});

Deno.test("verifyChain() names a reorder and a cut head", opts, async () => {
  await using box = await tempBox();
  await seedAudit(box, 6);
  const rows = await rowsOf(box);
  const swapped = [rows[0], rows[2], rows[1], ...rows.slice(3)];
  assert.deepEqual((await verifyChain(swapped)).firstBroken, {
    seq: 3,
    reason: "gap: seq 2..2 missing",
  });
  const back = [rows[0], rows[1], rows[0]];
  assert.deepEqual((await verifyChain(back)).firstBroken, {
    seq: 1,
    reason: "seq out of order: 1 after 2",
  });
  assert.deepEqual((await verifyChain(rows.slice(2))).firstBroken, {
    seq: 3,
    reason: "chain starts at seq 3, expected 1: seq 1..2 missing",
  });
  assert.equal((await verifyChain(rows.slice(2), { anchor: "first-row" })).ok, true);
});

Deno.test(
  "verifyChain() catches an edited field, a relinked row and a cut tail",
  opts,
  async () => {
    await using box = await tempBox();
    await seedAudit(box, 5);
    const rows = await rowsOf(box);
    const edited = rows.map((r) => r.seq === 3 ? { ...r, actor_name: "mallory" } : r);
    assert.deepEqual((await verifyChain(edited)).firstBroken, {
      seq: 3,
      reason: "hash does not match the entry's content",
    });
    const claims = [{ seq: 5, hash: rows[4].hash }];
    const cut = await verifyChain(rows.slice(0, 4), { checkpoints: claims, requireTail: true });
    assert.deepEqual(cut.firstBroken, {
      seq: 5,
      reason: "tail truncated: signed checkpoint at seq 5, chain ends at 4",
    });
    const wrong = await verifyChain(rows, { checkpoints: [{ seq: 2, hash: rows[3].hash }] });
    assert.deepEqual(wrong.firstBroken, {
      seq: 2,
      reason: "hash differs from the signed checkpoint",
    });
  },
);

Deno.test(
  "verifyChain() with allowGaps checks hashes and links of a filtered export",
  opts,
  async () => {
    await using box = await tempBox();
    await seedAudit(box, 8);
    const rows = (await rowsOf(box)).filter((r) => r.seq % 3 !== 0);
    assert.equal((await verifyChain(rows, { anchor: "first-row", allowGaps: true })).ok, true);
    const bad = rows.map((r) => r.seq === 5 ? { ...r, prev_hash: rows[0].hash } : r);
    assert.equal((await verifyChain(bad, { anchor: "first-row", allowGaps: true })).ok, false);
  },
);

type Mutation =
  | { kind: "edit"; row: number; col: number; pos: number; char: number }
  | { kind: "delete"; rows: number[] }
  | { kind: "reorder"; a: number; b: number }
  | { kind: "truncate"; k: number };

const ROWS = 30;
const rowIndex = fc.integer({ min: 0, max: ROWS - 1 });

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("edit" as const),
    row: rowIndex,
    col: fc.nat(),
    pos: fc.nat(),
    char: fc.integer({ min: 32, max: 126 }),
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    rows: fc.array(rowIndex, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant("reorder" as const), a: rowIndex, b: rowIndex }),
  fc.record({ kind: fc.constant("truncate" as const), k: fc.integer({ min: 1, max: 3 }) }),
);

const ALLOWED: Record<string, string[]> = {
  actor_type: ["user", "token", "system", "cli"],
  outcome: ["ok", "denied", "failed"],
};

function editValue(col: string, value: string | null, pos: number, char: number): string {
  if (ALLOWED[col]) {
    const others = ALLOWED[col].filter((v) => v !== value);
    return others[pos % others.length];
  }
  if (value === null || value === "") return String.fromCharCode(char);
  const p = pos % value.length;
  const c = value.charCodeAt(p) === char ? (char === 126 ? 32 : char + 1) : char;
  return value.slice(0, p) + String.fromCharCode(c) + value.slice(p + 1);
}

function applyMutation(raw: import("node:sqlite").DatabaseSync, m: Mutation): void {
  const seqs = (raw.prepare("SELECT seq FROM audit_events ORDER BY seq").all() as { seq: number }[])
    .map((r) => r.seq);
  const at = (i: number) => seqs[i % seqs.length];
  if (m.kind === "truncate") {
    raw.prepare("DELETE FROM audit_events WHERE seq > ?").run(seqs[seqs.length - 1] - m.k);
  } else if (m.kind === "delete") {
    for (const i of m.rows) raw.prepare("DELETE FROM audit_events WHERE seq = ?").run(at(i));
  } else if (m.kind === "reorder") {
    const a = at(m.a);
    const b = a === at(m.b) ? at(m.a + 1) : at(m.b);
    raw.prepare("UPDATE audit_events SET seq = -1 WHERE seq = ?").run(a);
    raw.prepare("UPDATE audit_events SET seq = ? WHERE seq = ?").run(a, b);
    raw.prepare("UPDATE audit_events SET seq = ? WHERE seq = -1").run(b);
  } else {
    const seq = at(m.row);
    const col = AUDIT_COLUMNS[m.col % AUDIT_COLUMNS.length];
    if (col === "seq") {
      let next = seq ^ (1 << (m.pos % 6));
      if (next === 0 || seqs.includes(next)) next = seqs[seqs.length - 1] + 1 + (m.pos % 5);
      raw.prepare("UPDATE audit_events SET seq = ? WHERE seq = ?").run(next, seq);
      return;
    }
    const row = raw.prepare(`SELECT ${col} AS v FROM audit_events WHERE seq = ?`).get(seq) as {
      v: string | null;
    };
    raw.prepare(`UPDATE audit_events SET ${col} = ? WHERE seq = ?`)
      .run(editValue(col, row.v, m.pos, m.char), seq);
  }
}

Deno.test(
  "audit verify catches every random edit, deletion and reorder of a DB copy",
  opts,
  async () => {
    await using box = await tempBox();
    await seedAudit(box, 30);
    const key = await loadOrCreateSigningKey(box.dir);
    await writeCheckpoint(box.store.db, box.dir, key);
    assert.equal((await verifyAuditStore(box.store.db, box.dir)).ok, true);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(mutationArb, async (m) => {
        const path = join(box.dir, `copy-${run++}.db`);
        copyDb(box.store, path).close();
        await using copy = openStore(path);
        dropAuditTriggers(copy.raw);
        applyMutation(copy.raw, m);
        const res = await verifyAuditStore(copy.db, box.dir);
        await copy.close();
        await Deno.remove(path);
        assert.equal(res.ok, false, `undetected: ${JSON.stringify(m)}`);
        assert.ok(res.firstBroken && res.firstBroken.reason.length > 0);
      }),
      { numRuns: 200, seed: 20261129 },
    );
  },
);
