/**
 * Run by storage_disk_full_test.ts inside `unshare -Urm` with DIR on a small tmpfs: fills
 * the disk, then reports as JSON what a full disk did to files, SQLite and the service.
 */
import { join } from "node:path";
import { createHash } from "node:crypto";
import { storageBox } from "../../src/archive/_test_util.ts";
import { storageService } from "../../src/archive/storage_service.ts";
import { integrityCheck } from "../../src/store/db.ts";

const dir = Deno.args[0];
const box = await storageBox({ reserveBytes: 1_048_576 }, dir);
const recs = [];
for (let i = 0; i < 3; i++) recs.push(await box.addRecording({ bytes: 200_000 }));

const codeOf = (err: unknown) => (err as { code?: string }).code ?? String(err);
let fillError = "";
{
  using f = await Deno.open(join(dir, "filler"), { write: true, create: true });
  const chunk = new Uint8Array(65_536).fill(7);
  try {
    for (;;) await f.write(chunk);
  } catch (err) {
    fillError = codeOf(err);
  }
}
let recordingError = "";
try {
  await box.addRecording({ bytes: 200_000 });
} catch (err) {
  recordingError = codeOf(err);
}
let dbError = "";
try {
  for (let i = 0; i < 10_000; i++) {
    box.store.raw.prepare("INSERT INTO settings (key, value) VALUES (?, ?)")
      .run(`fill-${i}`, "x".repeat(4000));
  }
} catch (err) {
  dbError = (err as Error).message;
}
const hashesOk = recs.every((r) =>
  createHash("sha256").update(Deno.readFileSync(r.file)).digest("hex") === r.sha256
);
const svc = storageService(box.host, { diskPollMs: 3_600_000, loopIntervalMs: 3_600_000 });
await svc.start();
const refusal = svc.refusal(), level = svc.level();
await svc.stop();
const integrity = integrityCheck(box.store.raw);
await box.store.close();
console.log(
  JSON.stringify({ fillError, recordingError, dbError, hashesOk, integrity, refusal, level }),
);
