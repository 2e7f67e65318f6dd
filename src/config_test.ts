import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, loadConfig, parseConfigYaml, redactConfig, resolveConfig } from "./config.ts";

Deno.test("resolveConfig() gives the embedded defaults with no file", () => {
  const c = resolveConfig({}, {}, "built-in defaults");
  assert.equal(c.dataDir, "./data");
  assert.equal(c.sip.port, 5060);
  assert.equal(c.http.port, 8080);
  assert.deepEqual(c.rtp.ports, { min: 20000, max: 29999 }, "outside the ephemeral range");
  assert.equal(c.rtp.sourcePolicy, "offer");
  assert.equal(c.sip.maxStreamsPerSession, 4);
  assert.equal(c.storage.criticalPercent, 97);
});

Deno.test("resolveConfig() applies SELREC_* environment overrides", () => {
  const c = resolveConfig({ sip: { port: 5070 } }, {
    SELREC_DATA_DIR: "/srv/rec",
    SELREC_SIP_PORT: "5080",
    SELREC_HTTP_PORT: "9090",
    SELREC_HTTP_HOST: "127.0.0.1",
    SELREC_RTP_PORTS: "40000-40999",
    SELREC_LOG_LEVEL: "debug",
  }, "x.yaml");
  assert.equal(c.dataDir, "/srv/rec");
  assert.equal(c.sip.port, 5080);
  assert.equal(c.http.port, 9090);
  assert.equal(c.http.host, "127.0.0.1");
  assert.deepEqual(c.rtp.ports, { min: 40000, max: 40999 });
  assert.equal(c.log.level, "debug");
});

Deno.test("resolveConfig() lists every bad field with its path and the file", () => {
  const raw = parseConfigYaml(
    "dataDir: 5\nsip:\n  port: 70000\n  bogus: 1\nrtp:\n  ports: 10-20\nlog:\n  level: loud\n",
    "broken.yaml",
  );
  const e = (() => {
    try {
      resolveConfig(raw, { SELREC_HTTP_PORT: "eighty" }, "broken.yaml");
    } catch (x) {
      return x as ConfigError;
    }
    throw new Error("expected a ConfigError");
  })();
  assert.match(e.message, /broken\.yaml/);
  const paths = e.problems.map((p) => p.split(":")[0]);
  for (const p of ["SELREC_HTTP_PORT", "dataDir", "sip.port", "sip", "rtp.ports", "log.level"]) {
    assert.ok(paths.includes(p), `${p} reported in ${JSON.stringify(e.problems)}`);
  }
});

Deno.test("parseConfigYaml() reports YAML syntax errors with line numbers", () => {
  const e = (() => {
    try {
      parseConfigYaml("sip:\n  port: [5060\n", "bad.yaml");
    } catch (x) {
      return x as ConfigError;
    }
    throw new Error("expected a ConfigError");
  })();
  assert.ok(e instanceof ConfigError);
  assert.match(e.message, /bad\.yaml/);
  assert.match(e.message, /line \d+/);
});

Deno.test("redactConfig() hides passwords in mount options", () => {
  const shown = redactConfig(resolveConfig(
    {
      storage: {
        targets: [{
          name: "nas1",
          path: "/mnt/nas1",
          mount: {
            type: "cifs",
            source: "//nas/rec",
            options: "username=rec,password=hunter2,vers=3",
          },
        }],
      },
    },
    {},
    "x",
  )) as { storage: { targets: { mount: { options: string } }[] } };
  assert.equal(shown.storage.targets[0].mount.options, "username=rec,password=***,vers=3");
});

Deno.test("resolveConfig() takes recorder.maxSampleRate from the Opus rates and points the old key at it", () => {
  const raw = parseConfigYaml("recorder:\n  opus:\n    sampleRate: 16000\n", "sr.yaml");
  assert.throws(
    () => resolveConfig(raw, {}, "sr.yaml"),
    /recorder\.opus\.sampleRate: is ignored .*recorder\.maxSampleRate/,
  );
  assert.throws(
    () =>
      resolveConfig(
        parseConfigYaml("recorder: { maxSampleRate: 44100 }\n", "m.yaml"),
        {},
        "m.yaml",
      ),
    /recorder\.maxSampleRate: must be 8000, 16000, 24000 or 48000/,
  );
  const wide = parseConfigYaml("recorder: { maxSampleRate: 48000 }\n", "w.yaml");
  assert.equal(resolveConfig(wide, {}, "w.yaml").recorder.maxSampleRate, 48000);
  const ok = resolveConfig(
    parseConfigYaml("recorder:\n  opus:\n    sampleRate: 8000\n", "ok.yaml"),
    {},
    "ok.yaml",
  );
  assert.equal(ok.recorder.opus.sampleRate, 8000);
  assert.equal(ok.recorder.maxSampleRate, 16000, "wideband recordings by default");
  assert.equal(ok.recorder.opus.silenceGateDbfs, -60);
  const off = parseConfigYaml("recorder:\n  opus:\n    silenceGateDbfs: null\n", "off.yaml");
  assert.equal(resolveConfig(off, {}, "off.yaml").recorder.opus.silenceGateDbfs, null);
});

Deno.test("resolveConfig() checks the RTP source policy and its media networks", () => {
  const ok = resolveConfig(
    {
      rtp: { sourcePolicy: "networks", mediaNetworks: ["10.20.0.0/16", "2001:db8::/32"] },
    },
    {},
    "x.yaml",
  );
  assert.deepEqual(ok.rtp.mediaNetworks, ["10.20.0.0/16", "2001:db8::/32"]);
  const problems = (raw: Record<string, unknown>) => {
    try {
      resolveConfig(raw, {}, "x.yaml");
    } catch (e) {
      return (e as ConfigError).problems.join("\n");
    }
    return "";
  };
  assert.match(problems({ rtp: { sourcePolicy: "anyone" } }), /rtp\.sourcePolicy/);
  assert.match(problems({ rtp: { mediaNetworks: ["10.0.0.0/33"] } }), /rtp\.mediaNetworks\.0/);
  assert.match(problems({ rtp: { sourcePolicy: "networks" } }), /rtp\.mediaNetworks: .*CIDR/);
  assert.match(problems({ sip: { maxStreamsPerSession: 0 } }), /sip\.maxStreamsPerSession/);
});

Deno.test("loadConfig() order: --config, $SELREC_CONFIG, ./selrec.yaml, the system config, defaults", async () => {
  const dir = await Deno.makeTempDir();
  const cwd = Deno.cwd();
  try {
    const write = async (name: string, dataDir: string) => {
      await Deno.writeTextFile(join(dir, name), `dataDir: ${dataDir}\n`);
      return join(dir, name);
    };
    const system = await write("system.yaml", "/from/system");
    const env = await write("env.yaml", "/from/env");
    const flag = await write("flag.yaml", "/from/flag");
    Deno.chdir(dir);
    const dataDir = async (file: string | undefined, e: Record<string, string>, sys: string) =>
      (await loadConfig(file, e, sys)).config.dataDir;
    assert.equal(await dataDir(undefined, {}, join(dir, "absent.yaml")), "./data");
    assert.equal(await dataDir(undefined, {}, system), "/from/system");
    await write("selrec.yaml", "/from/cwd");
    assert.equal(await dataDir(undefined, {}, system), "/from/cwd");
    assert.equal(await dataDir(undefined, { SELREC_CONFIG: env }, system), "/from/env");
    assert.equal(await dataDir(flag, { SELREC_CONFIG: env }, system), "/from/flag");
    assert.equal((await loadConfig(undefined, {}, system)).source, "selrec.yaml");
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
});
