import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import { resolveConfig } from "../config.ts";
import { type StorageBox, storageBox } from "./_test_util.ts";
import { runArchive } from "./archive_run.ts";
import { CopyWorker } from "./copy_worker.ts";
import { specOf, syncTargets } from "./locations.ts";
import { SENTINEL } from "./mount_guard.ts";
import { claimRecording, newClaimer, processAlive, withClaim } from "./recording_claim.ts";
import { claimOf } from "../store/queries/recording_claims.ts";
import { Keyring } from "../seal/keyring.ts";
import { createKekFile, fileKekSource, listKekIds } from "../keys/key_store.ts";
import { keyDirOf } from "../keys/open_keyring.ts";
import { rotationDone, rotationTarget } from "../keys/key_admin.ts";
import { runEncryptExisting } from "../keys/encrypt_existing_run.ts";
import { runRotate } from "../keys/rotate_run.ts";
import { hashFile, sealedPlaintextSha256, StepPause } from "../keys/key_files.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

Deno.test({
  name: "a recording's claim excludes another live holder, and is taken over once it expired",
  ...opts,
  async fn() {
    await using box = await storageBox();
    const { id } = await box.addRecording();
    let t = Date.parse("2026-12-06T00:00:00Z");
    const a = newClaimer("keys rotate", () => t);
    const b = newClaimer("archive", () => t);
    assert.ok(await claimRecording(box.store.db, a, id));
    assert.ok(await claimRecording(box.store.db, a, id), "its own claim again (a renewal)");
    assert.equal(await claimRecording(box.store.db, b, id), false, "same live process, other run");
    const busy = await withClaim(box.store.db, b, id, () => Promise.resolve("ran"), (h) => h);
    assert.equal(busy, "keys rotate");
    t += a.ttlMs + 1;
    assert.ok(await claimRecording(box.store.db, b, id), "expired");
    assert.equal((await claimOf(box.store.db, id))?.purpose, "archive");
    assert.equal(
      await withClaim(box.store.db, b, id, () => Promise.resolve("ran"), (h) => h),
      "ran",
    );
    assert.equal(await claimOf(box.store.db, id), undefined, "given back after the work");
  },
});

Deno.test({
  name: "the claim of a process that is gone (killed, reaped or not) is taken over at once",
  ...opts,
  async fn() {
    await using box = await storageBox();
    const { id } = await box.addRecording();
    const child = new Deno.Command("sleep", { args: ["60"] }).spawn();
    const dead = { ...newClaimer("keys encrypt-existing"), pid: child.pid };
    assert.ok(processAlive(child.pid));
    assert.ok(await claimRecording(box.store.db, dead, id));
    const mine = newClaimer("archive");
    assert.equal(await claimRecording(box.store.db, mine, id), false, "its holder runs");
    child.kill("SIGKILL");
    await child.status;
    assert.equal(processAlive(child.pid), false);
    assert.ok(await claimRecording(box.store.db, mine, id), "its holder is gone");
  },
});

/** A box with encryption on (key files) and an initialised local archive target. */
async function raceBox(target: string): Promise<StorageBox> {
  const box = await storageBox({
    targets: [{ name: "nas", path: target, mount: { type: "local" } }],
  });
  const raw = {
    dataDir: join(box.dir, "data"),
    storage: {
      reserveBytes: 0,
      targets: [{ name: "nas", path: target, mount: { type: "local" } }],
    },
    encryption: { enabled: true, chunkBytes: 4096 },
  };
  await Deno.writeTextFile(box.configFile, stringify(raw));
  box.config = resolveConfig(raw, {}, box.configFile);
  box.host = { ...box.host, config: box.config };
  const row = (await syncTargets(box.store.db, box.config)).find((t) => t.name === "nas")!;
  await using w = CopyWorker.spawn({ timeoutMs: 20_000 });
  const r = await w.call({ op: "init", spec: specOf(row) });
  assert.equal(r.ev, "ok");
  await box.store.db.updateTable("storage_locations")
    .set({ volume_id: r.ev === "ok" ? r.volumeId! : "" }).where("id", "=", row.id).execute();
  return box;
}

async function filesUnder(dir: string, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) await filesUnder(p, out);
    else if (e.name !== SENTINEL) out.push(p);
  }
  return out;
}

type Row = { id: string; path: string; sealed: number; sha256: string; loc: string };

/**
 * Every recording has exactly one file, where its row points, that reads back to the
 * original audio (sealed: every chunk authenticated; plain: the row's SHA-256 checked);
 * no other file is left on the spool or the target; no claim or journal row is left.
 */
async function assertExactlyOnce(box: StorageBox, original: Map<string, string>, ring: Keyring) {
  const rows = box.store.raw.prepare(
    `SELECT r.id, r.path, r.sealed, r.sha256, l.path AS loc FROM recordings r
     JOIN storage_locations l ON l.id = r.storage_location_id ORDER BY r.id`,
  ).all() as Row[];
  assert.equal(rows.length, original.size);
  const expected: string[] = [];
  for (const r of rows) {
    const file = join(r.loc, r.path);
    expected.push(file);
    assert.equal((await hashFile(file)).sha256, r.sha256, `${r.id}: the row's digest`);
    const plain = r.sealed === 1
      ? await sealedPlaintextSha256(file, ring.unwrapFor(file))
      : r.sha256;
    assert.equal(plain, original.get(r.id), `${r.id}: its audio`);
  }
  const locs = [...new Set(rows.map((r) => r.loc))];
  const actual = (await Promise.all(locs.map((l) => filesUnder(l)))).flat();
  assert.deepEqual(actual.sort(), expected.sort(), "one file per recording, none orphaned");
  for (const t of ["recording_claims", "seal_jobs", "key_rewrap_jobs"]) {
    const n = box.store.raw.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number };
    assert.equal(n.n, 0, `${t} left rows`);
  }
}

/** Archive passes (the storage loop's work) until `conversion` settles. */
async function archiveLoop(
  box: StorageBox,
  conversion: Promise<unknown>,
): Promise<{ archived: number; held: number }> {
  let settled = false;
  conversion.finally(() => settled = true).catch(() => {});
  const seen = { archived: 0, held: 0 };
  while (!settled) {
    const r = await runArchive(box.host, { pressure: true });
    seen.archived += r.archived;
    seen.held += r.items.filter((i) => i.error?.endsWith("holds it")).length;
    await new Promise((r) => setTimeout(r, Math.random() * 15));
  }
  return seen;
}

Deno.test({
  name: "encrypt-existing and rotate beside the archive loop: every recording ends readable once",
  ...opts,
  async fn() {
    const target = await Deno.makeTempDir({ prefix: "selrec-race-target-" });
    await using box = await raceBox(target);
    const { db } = box.store;
    const keyDir = keyDirOf(box.config);
    await createKekFile(keyDir);
    const ring = async () => new Keyring(fileKekSource(keyDir, (await listKekIds(keyDir)).at(-1)!));
    const original = new Map<string, string>();
    const seen = { archived: 0, sealed: 0, rewrapped: 0, held: 0, archiveHeld: 0 };
    const held = (items: { detail: string }[]) =>
      items.filter((i) => i.detail.endsWith("holds it")).length;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 6; i++) {
        const r = await box.addRecording({ bytes: 3000 + Math.floor(Math.random() * 60_000) });
        original.set(r.id, r.sha256);
      }
      const sealing = runEncryptExisting(db, await ring(), { chunkBytes: 4096 });
      const as = await archiveLoop(box, sealing);
      seen.archived += as.archived;
      seen.archiveHeld += as.held;
      const s = await sealing;
      seen.sealed += s.sealed;
      seen.held += held(s.items);
      assert.equal(s.failed, 0, JSON.stringify(s.items));
      await assertExactlyOnce(box, original, await ring());

      const t = await rotationTarget(db, box.config);
      const rotating = runRotate(db, t.keyring, { keyId: t.keyId });
      const ar = await archiveLoop(box, rotating);
      seen.archived += ar.archived;
      seen.archiveHeld += ar.held;
      const r = await rotating;
      if (r.complete) await rotationDone(db);
      seen.rewrapped += r.rewrapped + r.resumed;
      seen.held += held(r.items);
      assert.equal(r.failed, 0, JSON.stringify(r.items));
      await assertExactlyOnce(box, original, await ring());
    }
    const flagged = box.store.raw.prepare(
      "SELECT count(*) AS n FROM recordings WHERE integrity_failed_at IS NOT NULL",
    ).get() as { n: number };
    assert.equal(flagged.n, 0, "no recording was flagged by a read that raced a conversion");
    console.log(`race: ${JSON.stringify(seen)}`);
    await Deno.remove(target, { recursive: true });
  },
});

async function fileAppears(path: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`${path} did not appear`);
}

Deno.test({
  name: "the archive loop that listed a row before encrypt-existing switched it skips it (claim)",
  ...opts,
  async fn() {
    const target = await Deno.makeTempDir({ prefix: "selrec-race-target-" });
    await using box = await raceBox(target);
    const { db } = box.store;
    const keyDir = keyDirOf(box.config);
    const ring = new Keyring(fileKekSource(keyDir, await createKekFile(keyDir)));
    const big = await box.addRecording({ bytes: 100_000, createdAt: "2026-01-01T00:00:00.000Z" });
    const rec = await box.addRecording({ bytes: 20_000 });
    const original = new Map([[big.id, big.sha256], [rec.id, rec.sha256]]);
    // The pass lists both rows, then waits after moving the first (oldest) one.
    const archiveHook = join(box.dir, "archive.hook");
    const pass = runArchive(box.host, {
      pressure: true,
      hook: { step: "recorded", file: archiveHook },
    });
    await fileAppears(archiveHook);
    // encrypt-existing switches the second row to its sealed file and waits before it
    // removes the plain one (the first is the archive's: skipped).
    const cliHook = join(box.dir, "cli.hook");
    const sealing = runEncryptExisting(db, ring, {
      chunkBytes: 4096,
      hook: StepPause.parse(`switched:1:${cliHook}`),
    });
    await fileAppears(cliHook);
    // The pass goes on to the second row as it listed it, before the switch.
    let passDone = false;
    const release = (async () => {
      while (!passDone) {
        await Deno.remove(archiveHook).catch(() => {});
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const a = await pass.finally(() => passDone = true);
    await release;
    await Deno.remove(cliHook);
    const s = await sealing;
    await assertExactlyOnce(box, original, ring);
    assert.deepEqual(a.items.map((i) => [i.id, i.outcome]), [[big.id, "archived"], [
      rec.id,
      "skipped",
    ]]);
    assert.equal(a.items[1].error, "keys encrypt-existing holds it");
    assert.deepEqual([s.sealed, s.skipped], [1, 1]);
    assert.equal(s.items[0].detail, "archive holds it");
    // Later rounds finish the job: the second is archived sealed, the first sealed there.
    assert.equal((await runArchive(box.host, { pressure: true })).archived, 1);
    assert.equal((await runEncryptExisting(db, ring, { chunkBytes: 4096 })).sealed, 1);
    await assertExactlyOnce(box, original, ring);
    await Deno.remove(target, { recursive: true });
  },
});
