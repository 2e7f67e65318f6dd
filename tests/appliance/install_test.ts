/**
 * scripts/install.sh into a scratch root (SELREC_PREFIX) with the real bundle, a real
 * service user and tests/appliance/fake_systemctl.sh standing in for systemd: install,
 * upgrade, an upgrade whose serve exits at once (rolled back, database restored),
 * uninstall (data kept) and purge. Needs root (useradd, chown, setpriv).
 */
import assert from "node:assert/strict";
import { ROOT } from "../helpers/server.ts";
import { freeSipPort, freeTcpPort } from "../helpers/ports.ts";
import { buildBundle, run, walk } from "./appliance_util.ts";

const IS_ROOT = Deno.uid() === 0;
const STUB = `${ROOT}tests/appliance/fake_systemctl.sh`;

Deno.test({
  name: "install.sh installs, upgrades, rolls back a failed upgrade, uninstalls and purges",
  ignore: !IS_ROOT,
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "selrec-install-" });
    await Deno.chmod(tmp, 0o755);
    const user = `selrecit${Math.floor(Math.random() * 9000 + 1000)}`;
    const R = `${tmp}/root`;
    const env = {
      SELREC_PREFIX: R,
      SELREC_USER: user,
      SELREC_SYSTEMCTL: STUB,
      SELREC_HEALTH_TIMEOUT: "60",
    };
    try {
      const good = await buildBundle(tmp);
      const good2 = `${tmp}/good2`, bad = `${tmp}/bad`;
      await run("cp", ["-a", good, good2]);
      await Deno.writeTextFile(`${good2}/UPGRADE-MARKER`, "2\n");
      await run("cp", ["-a", good, bad]);
      // serve empties the database in its working directory and exits at once.
      await Deno.rename(`${bad}/bin/selrec`, `${bad}/bin/selrec-real`);
      await Deno.writeTextFile(
        `${bad}/bin/selrec`,
        `#!/bin/sh\nif [ "$1" = serve ]; then : > selrec.db; echo "bad bundle" >&2; exit 1; fi\n` +
          `exec "$(dirname "$0")/selrec-real" "$@"\n`,
        { mode: 0o755 },
      );
      const httpPort = freeTcpPort();
      await Deno.mkdir(`${R}/etc/selrec`, { recursive: true });
      await Deno.writeTextFile(
        `${R}/etc/selrec/selrec.yaml`,
        `dataDir: ${R}/var/lib/selrec\nlog: { level: info, format: json }\n` +
          `sip: { port: ${freeSipPort()}, advertisedAddress: 127.0.0.1 }\n` +
          `http:\n  host: 127.0.0.1\n  port: ${httpPort}\nrtp: { ports: 31200-31299 }\n` +
          `rules: { dir: ${R}/etc/selrec/rules }\n` +
          `storage:\n  targets:\n    - { name: nas, path: /mnt/selrec-test }\n`,
      );
      const install = (bundle: string, ...args: string[]) =>
        run("bash", [`${bundle}/scripts/install.sh`, ...args], { env, ok: false });
      const healthz = () =>
        run("curl", ["-sk", "--max-time", "3", `https://127.0.0.1:${httpPort}/healthz`], {
          ok: false,
        });

      // Fresh install.
      const first = await install(good);
      assert.equal(first.code, 0, first.out);
      const uid = Number((await run("id", ["-u", user])).out.trim());
      const gid = Number((await run("id", ["-g", user])).out.trim());
      const expect = async (path: string, mode: number, owner: number, group: number) => {
        const st = await Deno.stat(`${R}${path}`);
        assert.deepEqual([st.mode! & 0o7777, st.uid, st.gid], [mode, owner, group], path);
      };
      await expect("/opt/selrec/bin/selrec", 0o755, 0, 0);
      await expect("/etc/selrec", 0o750, 0, gid);
      await expect("/etc/selrec/selrec.yaml", 0o640, 0, gid);
      await expect("/etc/selrec/tls/selrec.key", 0o640, 0, gid);
      await expect("/etc/selrec/tls/selrec.crt", 0o644, 0, gid);
      await expect("/var/lib/selrec", 0o750, uid, gid);
      await expect("/var/lib/selrec/selrec.db", 0o640, uid, gid);
      await expect("/etc/systemd/system/selrec.service", 0o644, 0, 0);
      await expect("/etc/systemd/system/selrec.service.d/targets.conf", 0o644, 0, 0);
      await expect("/usr/bin/selrec", 0o755, 0, 0);
      assert.match(await Deno.readTextFile(`${R}/etc/selrec/selrec.yaml`), /^ {2}tls: \{ cert/m);
      assert.match(
        await Deno.readTextFile(`${R}/etc/systemd/system/selrec.service.d/targets.conf`),
        /^ReadWritePaths=-\/mnt\/selrec-test$/m,
      );
      assert.match(
        await Deno.readTextFile(`${R}/etc/sysctl.d/60-selrec.conf`),
        /ip_local_reserved_ports = 20000-29999/,
      );
      assert.match((await run(`${R}/usr/bin/selrec`, ["version"])).out, /^selrec \d/);
      assert.match((await healthz()).out, /"status":"ok"/);
      for await (const f of walk(`${R}/var/lib/selrec`)) {
        assert.equal(f.uid, uid, `${f.path} is owned by uid ${f.uid}`);
      }

      // Upgrade to a good bundle: backup taken, previous bundle kept, healthy.
      const up = await install(good2);
      assert.equal(up.code, 0, up.out);
      assert.match(up.out, /upgraded and healthy/);
      await Deno.stat(`${R}/opt/selrec/UPGRADE-MARKER`);
      await Deno.stat(`${R}/opt/selrec.previous/bin/selrec`);
      const backups = await Array.fromAsync(Deno.readDir(`${R}/var/backups/selrec`));
      assert.equal(backups.length, 1);
      await expect(`/var/backups/selrec/${backups[0].name}/selrec.db`, 0o640, uid, gid);
      assert.match((await healthz()).out, /"status":"ok"/);

      // Upgrade to a bundle whose serve exits at once: rolled back, database restored.
      const dbBefore = (await Deno.stat(`${R}/var/lib/selrec/selrec.db`)).size;
      const failed = await install(bad);
      assert.equal(failed.code, 1, failed.out);
      assert.match(failed.out, /upgrade failed: the new version did not answer \/healthz/);
      assert.match(failed.out, /rolled back: the previous version runs again/);
      await Deno.stat(`${R}/opt/selrec/UPGRADE-MARKER`);
      await Deno.stat(`${R}/opt/selrec.failed/bin/selrec`);
      assert.ok((await Deno.stat(`${R}/var/lib/selrec/selrec.db`)).size >= dbBefore);
      assert.match((await healthz()).out, /"status":"ok","version"[^}]*"db":"ok"/);

      // Uninstall keeps config, database and keys; purge removes them and the user.
      const un = await install(good, "--uninstall");
      assert.equal(un.code, 0, un.out);
      for (const gone of ["/opt/selrec", "/usr/bin/selrec", "/etc/systemd/system/selrec.service"]) {
        await assert.rejects(Deno.stat(`${R}${gone}`), Deno.errors.NotFound, gone);
      }
      await assert.rejects(Deno.stat(`${R}/etc/systemd/system/selrec.service.d`));
      await assert.rejects(Deno.stat(`${R}/etc/sysctl.d/60-selrec.conf`));
      await Deno.stat(`${R}/etc/selrec/selrec.yaml`);
      await Deno.stat(`${R}/var/lib/selrec/selrec.db`);
      assert.notEqual((await healthz()).code, 0, "the service is stopped");
      const purge = await install(good, "--uninstall", "--purge");
      assert.equal(purge.code, 0, purge.out);
      for (const gone of ["/etc/selrec", "/var/lib/selrec", "/var/backups/selrec"]) {
        await assert.rejects(Deno.stat(`${R}${gone}`), Deno.errors.NotFound, gone);
      }
      assert.notEqual((await run("id", ["-u", user], { ok: false })).code, 0, "user removed");
    } finally {
      await run(STUB, ["stop"], { env, ok: false });
      await run("userdel", [user], { ok: false });
      await run("groupdel", [user], { ok: false });
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
