import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkMountTable,
  guardTarget,
  parseMountinfo,
  SENTINEL,
  typeMatches,
  writeSentinel,
} from "./mount_guard.ts";

const MOUNTINFO = [
  "22 1 0:21 / /proc rw,nosuid - proc proc rw",
  "42 27 0:39 / /srv/arch\\040ive rw,relatime shared:5 - nfs4 nas:/export/rec rw,vers=4.2",
  "43 27 0:40 / /mnt/fuse rw - fuse /data/src rw,user_id=0",
  "44 27 0:41 / /mnt/fuse rw - tmpfs tmpfs rw",
  "bad line",
].join("\n");

const spec = (over: Record<string, unknown> = {}) => ({
  name: "nas",
  path: "/srv/arch ive",
  type: "nfs",
  source: "nas:/export/rec/",
  volumeId: "v",
  ...over,
});

Deno.test("parseMountinfo() reads mountpoint, type and source, unescaping octal", () => {
  const e = parseMountinfo(MOUNTINFO);
  assert.equal(e.length, 4);
  assert.deepEqual(e[1], {
    root: "/",
    mountPoint: "/srv/arch ive",
    fsType: "nfs4",
    source: "nas:/export/rec",
  });
});

Deno.test("typeMatches() accepts nfs for nfs4, fuse subtypes, anything for bind", () => {
  assert.ok(typeMatches("nfs", "nfs4"));
  assert.ok(typeMatches("fuse.bindfs", "fuse"));
  assert.ok(typeMatches("bind", "ext4"));
  assert.ok(!typeMatches("nfs", "tmpfs"));
  assert.ok(!typeMatches("cifs", "nfs"));
});

Deno.test("checkMountTable() accepts the expected mount and refuses others", () => {
  assert.equal(checkMountTable(spec(), "/srv/arch ive", MOUNTINFO), null);
  assert.equal(checkMountTable(spec(), "/srv/other", MOUNTINFO)?.ok, false);
  const wrongSource = checkMountTable(spec({ source: "other:/x" }), "/srv/arch ive", MOUNTINFO);
  assert.match(wrongSource && !wrongSource.ok ? wrongSource.reason : "", /mounted from/);
});

Deno.test("checkMountTable() judges the topmost of stacked mounts", () => {
  const r = checkMountTable(spec({ type: "fuse", source: "/data/src" }), "/mnt/fuse", MOUNTINFO);
  assert.equal(r?.ok, false);
  assert.match(r && !r.ok ? r.reason : "", /mounted as tmpfs/);
});

Deno.test({
  name: "guardTarget() needs the sentinel written by writeSentinel() on a local target",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const local = { name: "t", path: dir, type: "local", volumeId: null };
    assert.equal((await guardTarget(local)).ok, false);
    const id = await writeSentinel(local);
    assert.equal(await writeSentinel(local), id);
    assert.equal((await Deno.readTextFile(join(dir, SENTINEL))).trim(), id);
    assert.equal((await guardTarget({ ...local, volumeId: id })).ok, true);
    const other = await guardTarget({ ...local, volumeId: "another" });
    assert.equal(other.ok ? "" : other.code, "wrong-volume");
    const nfs = await guardTarget({ ...local, type: "nfs", volumeId: id });
    assert.equal(nfs.ok ? "" : nfs.code, "not-mounted");
    await Deno.remove(dir, { recursive: true });
  },
});
