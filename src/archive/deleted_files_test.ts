import assert from "node:assert/strict";
import { join } from "node:path";
import { storageBox } from "./_test_util.ts";
import { sweepDeletedFiles } from "./deleted_files.ts";
import { resolveInside } from "./resolve_file.ts";
import { markRecordingDeleted } from "../store/queries/recording_rows.ts";

const FS = { sanitizeOps: true, sanitizeResources: true };

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("sweepDeletedFiles() removes only the files of deleted recordings", FS, async () => {
  await using box = await storageBox();
  const gone = await box.addRecording();
  const kept = await box.addRecording();
  const at = "2026-01-03T00:00:00.000Z";
  assert.ok(
    await markRecordingDeleted(box.store.db, gone.id, { fromState: "complete", at, reason: "x" }),
  );
  assert.equal(await sweepDeletedFiles(box.store.db, box.host.log), 1);
  assert.equal(await exists(gone.file), false);
  assert.equal(await exists(kept.file), true);
  assert.equal(await sweepDeletedFiles(box.store.db, box.host.log), 0, "nothing left to sweep");
});

Deno.test("resolveInside() refuses paths and symlinks that leave the root", FS, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = join(dir, "spool");
    await Deno.mkdir(join(root, "2026"), { recursive: true });
    await Deno.writeTextFile(join(root, "2026", "a.ogg"), "a");
    await Deno.writeTextFile(join(dir, "secret"), "s");
    await Deno.symlink(join(dir, "secret"), join(root, "2026", "link.ogg"));
    assert.equal(
      await resolveInside(root, "2026/a.ogg"),
      await Deno.realPath(join(root, "2026/a.ogg")),
    );
    for (
      const rel of [
        "../secret",
        "/etc/passwd",
        "2026//a.ogg",
        "2026/./a.ogg",
        "2026\\a.ogg",
        "2026/link.ogg",
        "2026",
        "2026/none.ogg",
        "",
      ]
    ) {
      assert.equal(await resolveInside(root, rel), null, JSON.stringify(rel));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
