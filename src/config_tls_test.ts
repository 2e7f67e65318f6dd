/** `sip.tls` in the config: defaults, and errors that name the field. */
import assert from "node:assert/strict";
import { type ConfigError, resolveConfig } from "./config.ts";

function problems(raw: Record<string, unknown>): string {
  try {
    resolveConfig(raw, {}, "x.yaml");
  } catch (e) {
    return (e as ConfigError).problems.join("\n");
  }
  return "";
}

Deno.test("sip.tls is off by default and takes port 5061, verifyClient none, not required", () => {
  assert.equal(resolveConfig({}, {}, "x.yaml").sip.tls, undefined);
  const c = resolveConfig({ sip: { tls: { certFile: "c.pem", keyFile: "k.pem" } } }, {}, "x.yaml");
  assert.deepEqual(c.sip.tls, {
    port: 5061,
    certFile: "c.pem",
    keyFile: "k.pem",
    verifyClient: "none",
    allowedPeerNames: [],
    required: false,
  });
});

Deno.test("sip.tls errors name the field", () => {
  assert.match(problems({ sip: { tls: { keyFile: "k.pem" } } }), /sip\.tls\.certFile/);
  assert.match(
    problems({ sip: { tls: { certFile: "c", keyFile: "k", verifyClient: "always" } } }),
    /sip\.tls\.verifyClient/,
  );
  assert.match(
    problems({ sip: { tls: { certFile: "c", keyFile: "k", verifyClient: "required" } } }),
    /sip\.tls\.caFile: .*needs caFile/,
  );
  assert.match(
    problems({ sip: { tls: { certFile: "c", keyFile: "k", allowedPeerNames: ["sbc.example"] } } }),
    /sip\.tls\.allowedPeerNames: .*verifyClient/,
  );
  assert.match(
    problems({
      sip: {
        tls: {
          certFile: "c",
          keyFile: "k",
          caFile: "ca",
          verifyClient: "required",
          allowedPeerNames: ["sbc one"],
        },
      },
    }),
    /sip\.tls\.allowedPeerNames\.0: expected a DNS name/,
  );
  assert.match(
    problems({ sip: { tls: { certFile: "c", keyFile: "k", port: 0 } } }),
    /sip\.tls\.port/,
  );
  const ok = resolveConfig(
    {
      sip: {
        tls: {
          certFile: "c",
          keyFile: "k",
          caFile: "ca",
          verifyClient: "required",
          allowedPeerNames: ["sbc1.example.net", "*.sbc.example.net", "192.0.2.10"],
          required: true,
        },
      },
    },
    {},
    "x.yaml",
  );
  assert.equal(ok.sip.tls?.required, true);
});
