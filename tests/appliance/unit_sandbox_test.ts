/**
 * The service's command under the unit's sandbox writes to an archive target: systemd is
 * not PID 1 here, so tests/appliance/unit_sandbox.sh applies the unit's settings read
 * from systemd/selrec.service (ProtectSystem=strict with its ReadWritePaths and
 * StateDirectory, PrivateTmp, ProtectHome, ProtectProc, ProcSubset, User, UMask,
 * WorkingDirectory, Environment) in `unshare -m -p`, with the bundle at /opt/selrec, the
 * config at /etc/selrec, the data at /var/lib/selrec and the target at /mnt/selrec.
 * With the drop-in the archive run copies every recording; without it nothing can land.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { ROOT } from "../helpers/server.ts";
import { storageBox } from "../../src/archive/_test_util.ts";
import { targetsDropIn } from "../../src/archive/unit_dropin.ts";
import { buildBundle, run } from "./appliance_util.ts";

const IS_ROOT = Deno.uid() === 0;
const SANDBOX = `${ROOT}tests/appliance/unit_sandbox.sh`;
const TARGET = "/mnt/selrec";

/** The [Service] settings of a unit file and its drop-ins, every value of each key. */
function serviceSettings(...texts: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const text of texts) {
    let inService = false;
    for (const line of text.split("\n")) {
      if (line.startsWith("[")) inService = line.trim() === "[Service]";
      const m = line.match(/^([A-Za-z]+)=(.*)$/);
      if (inService && m) out.set(m[1], [...out.get(m[1]) ?? [], m[2]]);
    }
  }
  return out;
}

/** ReadWritePaths (a `-` prefix drops, quotes unwrap) plus /var/lib/<StateDirectory>. */
function writablePaths(s: Map<string, string[]>): string[] {
  const words = (s.get("ReadWritePaths") ?? []).flatMap((v) =>
    v.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? []
  ).map((w) => w.replace(/^-/, "").replace(/^"(.*)"$/, "$1"));
  return [...words, ...(s.get("StateDirectory") ?? []).map((d) => `/var/lib/${d}`)];
}

Deno.test({
  name: "under the unit's sandbox the archive run writes the target only through the drop-in",
  ignore: !IS_ROOT,
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "selrec-sandbox-" });
    await Deno.chmod(tmp, 0o755);
    const user = `selrecsb${Math.floor(Math.random() * 9000 + 1000)}`;
    try {
      await run("useradd", ["--system", "--user-group", "--home-dir", "/var/lib/selrec", user]);
      const bundle = await buildBundle(tmp);
      const unitText = await Deno.readTextFile(`${ROOT}systemd/selrec.service`);
      const unit = serviceSettings(unitText);
      for (const [k, v] of Object.entries(EMULATED)) {
        assert.deepEqual(unit.get(k), [v], `the sandbox emulates ${k}=${v}`);
      }
      const etc = `${tmp}/etc`, target = `${tmp}/target`;
      await Deno.mkdir(`${etc}/rules`, { recursive: true });
      await Deno.mkdir(target);
      await run("cp", ["-a", `${ROOT}rules/.`, `${etc}/rules/`]);
      const storage = { reserveBytes: 0, targets: [{ name: "nas", path: TARGET }] };
      await Deno.writeTextFile(
        `${etc}/selrec.yaml`,
        stringify({ dataDir: "/var/lib/selrec", rules: { dir: "/etc/selrec/rules" }, storage }),
      );
      const box = await storageBox(storage, `${tmp}/box`);
      const recs = [await box.addRecording({ bytes: 20_000 }), await box.addRecording()];
      box.store.raw.prepare("UPDATE storage_locations SET path = ? WHERE name = 'spool'")
        .run("/var/lib/selrec/recordings");
      await box.store.close();
      await run("chown", ["-R", `${user}:${user}`, box.config.dataDir, target]);

      const sandboxed = (settings: Map<string, string[]>) => {
        const env = (settings.get("Environment") ?? []).concat([
          "PATH=/usr/bin:/bin",
          "HOME=/var/lib/selrec",
        ]);
        const exec = settings.get("ExecStart")![0].split(" ")[0];
        return run("unshare", [
          "-m",
          "-p",
          "-f",
          "--propagation",
          "private",
          "bash",
          SANDBOX,
          `${tmp}/scratch`,
          user,
          settings.get("UMask")![0],
          settings.get("WorkingDirectory")![0],
          writablePaths(settings).join(" "),
          "--",
          `${bundle}:/opt/selrec`,
          `${etc}:/etc/selrec`,
          `${box.config.dataDir}:/var/lib/selrec`,
          `${target}:${TARGET}`,
          "--",
          "env",
          "-i",
          ...env,
          "sh",
          "-c",
          `${exec} storage init-target nas; ${exec} archive run --pressure --json`,
        ], { ok: false });
      };
      await Deno.mkdir(`${tmp}/scratch`);

      // The unit alone: the target is read-only for the service.
      const without = await sandboxed(unit);
      assert.notEqual(without.code, 0, without.out);
      assert.match(without.out, /Read-only file system|os error 30/);
      assert.deepEqual([...Deno.readDirSync(target)], [], "nothing landed on the target");

      // The unit with the drop-in install.sh writes: the archive run copies everything.
      const withDropIn = serviceSettings(unitText, targetsDropIn(storage.targets));
      const ok = await sandboxed(withDropIn);
      assert.equal(ok.code, 0, ok.out);
      const report = JSON.parse(ok.out.split("\n").find((l) => l.startsWith("{"))!);
      assert.equal(report.archived, recs.length, ok.out);
      for (const r of recs) {
        const copied = await Deno.stat(`${target}/${r.rel}`).catch(() => null);
        assert.ok(copied?.isFile, `${r.rel} on the target`);
        assert.equal(copied!.uid, Number((await run("id", ["-u", user])).out.trim()));
      }
    } finally {
      await run("userdel", [user], { ok: false });
      await run("groupdel", [user], { ok: false });
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

/** What unit_sandbox.sh reproduces; a change in the unit needs a change there. */
const EMULATED: Record<string, string> = {
  ProtectSystem: "strict",
  PrivateTmp: "yes",
  ProtectHome: "yes",
  ProtectProc: "invisible",
  ProcSubset: "pid",
  NoNewPrivileges: "yes",
  CapabilityBoundingSet: "",
};
