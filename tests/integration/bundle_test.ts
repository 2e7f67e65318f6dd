/**
 * The offline appliance bundle: build it, unpack it into a temp dir, and run
 * `bin/selrec version` and `bin/selrec serve` with no registry reachable and an empty
 * DENO_DIR and HOME, so nothing can come from this machine's caches or the network.
 */
import assert from "node:assert/strict";
import { ROOT } from "../helpers/server.ts";
import { freeSipPort, freeTcpPort, rtpRange } from "../helpers/ports.ts";

const OFFLINE_ENV = {
  NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
  HTTP_PROXY: "http://127.0.0.1:9/",
  HTTPS_PROXY: "http://127.0.0.1:9/",
  PATH: "/usr/bin:/bin",
};

Deno.test({
  name: "the appliance bundle runs version and serve with no network and empty caches",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "selrec-bundle-" });
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/bundle.ts`, "--out", out],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(build.success, new TextDecoder().decode(build.stderr));
    const { bundle } = JSON.parse(new TextDecoder().decode(build.stdout).trim().split("\n").pop()!);
    assert.match(bundle, /selrec-\d+\.\d+\.\d+-linux-x64\.tar\.gz$/);
    const tarball = (await Array.fromAsync(Deno.readDir(out))).find((e) =>
      e.name.endsWith(".tar.gz")
    )!;

    const unpack = await Deno.makeTempDir({ prefix: "selrec-unpack-" });
    const tar = await new Deno.Command("tar", {
      args: ["-C", unpack, "-xzf", `${out}/${tarball.name}`],
    })
      .output();
    assert.ok(tar.success);
    await Deno.remove(out, { recursive: true });
    const dir = `${unpack}/${tarball.name.replace(/\.tar\.gz$/, "")}`;
    for (
      const f of [
        "bin/deno",
        "bin/selrec",
        "systemd/selrec.service",
        "scripts/install.sh",
        "config/selrec.yaml",
      ]
    ) {
      await Deno.stat(`${dir}/${f}`);
    }
    const emptyHome = await Deno.makeTempDir();
    const emptyDenoDir = await Deno.makeTempDir();
    const env = { ...OFFLINE_ENV, HOME: emptyHome, DENO_DIR: emptyDenoDir };

    const version = await new Deno.Command(`${dir}/bin/selrec`, {
      args: ["version", "--json"],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(version.success, new TextDecoder().decode(version.stderr));
    assert.match(JSON.parse(new TextDecoder().decode(version.stdout)).version, /^\d+\.\d+\.\d+$/);

    const dataDir = await Deno.makeTempDir();
    const httpPort = freeTcpPort();
    const serve = new Deno.Command(`${dir}/bin/selrec`, {
      args: ["serve"],
      env: {
        ...env,
        SELREC_DATA_DIR: dataDir,
        SELREC_HTTP_HOST: "127.0.0.1",
        SELREC_HTTP_PORT: String(httpPort),
        SELREC_SIP_PORT: String(freeSipPort()),
        SELREC_SIP_ADDRESS: "127.0.0.1",
        SELREC_RTP_PORTS: rtpRange(),
        SELREC_RULES_DIR: `${dir}/rules`,
      },
      clearEnv: true,
      cwd: dataDir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const logs = Promise.all([
      new Response(serve.stdout).text(),
      new Response(serve.stderr).text(),
    ]);
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      try {
        const r = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
        status = r.status;
        await r.body?.cancel();
      } catch {
        // not up yet
      }
    }
    serve.kill("SIGTERM");
    const st = await serve.status;
    const [stdout, stderr] = await logs;
    assert.equal(status, 200, `healthz from the bundle\n${stdout}\n${stderr}`);
    assert.equal(st.code, 0, "serve drains and exits 0 on SIGTERM");
    assert.doesNotMatch(stderr, /error: .*(npm|registry|download)/i);
    // Each encoder thread loads its own copy of the native Opus addon from the bundle.
    assert.match(stdout + stderr, /media engine ready/);
    assert.doesNotMatch(stdout + stderr, /WASM build/, `${stdout}\n${stderr}`);
    for (const d of [unpack, emptyHome, emptyDenoDir, dataDir]) {
      await Deno.remove(d, { recursive: true });
    }
  },
});
