/**
 * Target unmounted mid-archive: inside `unshare -Urm`, the archive target is a bind mount;
 * `selrec archive run` pauses after step 1 (SELREC_ARCHIVE_HOOK), the target is lazily
 * unmounted, the run goes on. Zero bytes may land in the bare mountpoint directory (seen
 * here from outside the namespace, where it was never mounted), the target must be marked
 * unhealthy with an alarm, and after remounting every recording archives intact.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { storageBox } from "../../src/archive/_test_util.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

const SCRIPT = `
set -e
mount --bind "$BACKING" "$TARGET"
"$DENO" run -A "$MAIN" storage init-target nas --config "$CFG" >/dev/null
SELREC_ARCHIVE_HOOK="copied:$D/hook" "$DENO" run -A "$MAIN" archive run --json --config "$CFG" > "$D/run1.json" &
pid=$!
while [ ! -e "$D/hook" ]; do sleep 0.05; done
umount -l "$TARGET"
rm "$D/hook"
set +e
wait $pid
"$DENO" run -A "$MAIN" archive run --json --config "$CFG" > "$D/run2.json"
"$DENO" run -A "$MAIN" storage status --json --config "$CFG" > "$D/status2.json"
ls -A "$TARGET" > "$D/bare.txt"
set -e
mount --bind "$BACKING" "$TARGET"
"$DENO" run -A "$MAIN" archive run --json --config "$CFG" > "$D/run3.json"
`;

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    out.push(p, ...(e.isDirectory ? await allFiles(p) : []));
  }
  return out;
}

Deno.test({
  name: "a target unmounted mid-archive gets zero bytes in its bare mountpoint and loses nothing",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-unmount-" });
    const backing = join(dir, "backing"), target = join(dir, "target");
    await Deno.mkdir(backing);
    await Deno.mkdir(target);
    await using box = await storageBox({
      targets: [{ name: "nas", path: target, mount: { type: "bind", source: backing } }],
    }, join(dir, "box"));
    const recs = [
      await box.addRecording({ bytes: 400_000 }),
      await box.addRecording({ bytes: 8000 }),
    ];
    await box.store.close();
    const out = await new Deno.Command("unshare", {
      args: ["-Urm", "sh", "-c", SCRIPT],
      env: {
        D: dir,
        BACKING: backing,
        TARGET: target,
        CFG: box.configFile,
        MAIN,
        DENO: Deno.execPath(),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const read = async (f: string) => JSON.parse(await Deno.readTextFile(join(dir, f)));

    assert.deepEqual(await allFiles(target), [], "nothing landed in the bare mountpoint");
    assert.equal((await Deno.readTextFile(join(dir, "bare.txt"))).trim(), "");
    const run1 = await read("run1.json"), run2 = await read("run2.json");
    assert.equal(run1.archived, 0);
    assert.equal(run1.targets[0].healthy, false);
    assert.match(run1.targets[0].error, /not a mountpoint|not mounted/);
    assert.equal(run2.archived, 0);
    const status = await read("status2.json");
    assert.equal(status.targets[0].healthy, false);
    assert.ok(status.alarms.some((a: { kind: string }) => a.kind === "archive.target:nas"));
    assert.equal(status.backlog.count, 2);

    const run3 = await read("run3.json");
    assert.equal(run3.archived, 2, JSON.stringify(run3));
    for (const rec of recs) {
      const data = await Deno.readFile(join(backing, rec.rel));
      assert.equal(createHash("sha256").update(data).digest("hex"), rec.sha256);
      await assert.rejects(Deno.stat(rec.file), Deno.errors.NotFound);
    }
    assert.deepEqual(await allFiles(target), []);
    await Deno.remove(dir, { recursive: true });
  },
});
