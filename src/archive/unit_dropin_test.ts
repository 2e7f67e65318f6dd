import assert from "node:assert/strict";
import { TARGETS_DROPIN, targetsDropIn, updateTargetsDropIn } from "./unit_dropin.ts";

Deno.test("targetsDropIn() lists one optional ReadWritePaths= per absolute target", () => {
  const text = targetsDropIn([
    { name: "nas", path: "/mnt/selrec" },
    { name: "usb", path: '/media/my "disk"' },
    { name: "rel", path: "archive" },
  ]);
  const settings = text.split("\n").filter((l) => !l.startsWith("#") && l !== "");
  assert.deepEqual(settings, [
    "[Service]",
    "ReadWritePaths=-/mnt/selrec",
    'ReadWritePaths=-"/media/my \\"disk\\""',
  ]);
  assert.match(text, /relative path "archive" skipped/);
});

Deno.test("targetsDropIn() refuses a path with a newline, naming the target", () => {
  assert.throws(
    () => targetsDropIn([{ name: "bad", path: "/mnt/a\nExecStart=/bin/sh" }]),
    /target "bad": path holds a newline/,
  );
});

Deno.test({
  name: "updateTargetsDropIn() writes the drop-in once, then reports it unchanged",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    const targets = [{ name: "nas", path: "/mnt/selrec" }];
    const first = await updateTargetsDropIn(dir, targets);
    assert.deepEqual(first, { outcome: "written", file: `${dir}/${TARGETS_DROPIN}` });
    assert.equal(await Deno.readTextFile(first.file), targetsDropIn(targets));
    assert.equal((await Deno.stat(first.file)).mode! & 0o777, 0o644);
    assert.equal((await updateTargetsDropIn(dir, targets)).outcome, "unchanged");
    const second = await updateTargetsDropIn(dir, [...targets, { name: "b", path: "/srv/b" }]);
    assert.equal(second.outcome, "written");
    assert.match(await Deno.readTextFile(first.file), /ReadWritePaths=-\/srv\/b/);
    await Deno.remove(dir, { recursive: true });
  },
});
