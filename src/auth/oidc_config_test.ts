import assert from "node:assert/strict";
import { ConfigError, resolveConfig } from "../config.ts";
import { postLogoutRedirect } from "./oidc_config.ts";

const OIDC = {
  issuer: "https://login.example.com/realms/acme",
  clientId: "selrec",
  clientSecretFile: "/etc/selrec/oidc-secret",
  redirectUri: "https://recorder.example.com/auth/oidc/callback",
  mappings: [{ group: "recorder-admins", role: "admin", partitions: ["*"] }],
};

function problems(oidc: Record<string, unknown>): string[] {
  try {
    resolveConfig({ auth: { oidc } }, {}, "t.yaml");
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

Deno.test("auth.oidc is off unless set; defaults of the claims, scopes and key cache", () => {
  assert.equal(resolveConfig({}, {}, "t.yaml").auth.oidc, undefined);
  const on = resolveConfig({ auth: { oidc: OIDC } }, {}, "t.yaml").auth.oidc!;
  assert.deepEqual(on.scopes, ["openid", "profile", "email"]);
  assert.equal(on.usernameClaim, "preferred_username");
  assert.equal(on.groupsClaim, "groups");
  assert.equal(on.name, "single sign-on");
  assert.deepEqual(on.requireAmr, []);
  assert.equal(on.jwksMaxAgeSeconds, 600);
  assert.equal(on.jwksCooldownSeconds, 30);
  assert.equal(postLogoutRedirect(on), "https://recorder.example.com/sign-in");
  assert.equal(
    postLogoutRedirect({ ...on, postLogoutRedirectUri: "https://r.example.com/bye" }),
    "https://r.example.com/bye",
  );
});

Deno.test("auth.oidc errors name the field", () => {
  assert.deepEqual(problems(OIDC), []);
  assert.match(
    problems({ ...OIDC, issuer: "http://login.example.com" })[0],
    /^auth\.oidc\.issuer: expected an https/,
  );
  assert.deepEqual(problems({ ...OIDC, issuer: "http://127.0.0.1:8080/realms/dev" }), []);
  assert.match(problems({ ...OIDC, issuer: "not a url" })[0], /^auth\.oidc\.issuer: /);
  assert.match(
    problems({ ...OIDC, redirectUri: "https://recorder.example.com/callback" })[0],
    /^auth\.oidc\.redirectUri: expected the path \/auth\/oidc\/callback/,
  );
  const { clientId: _, ...noClient } = OIDC;
  assert.match(problems(noClient)[0], /^auth\.oidc\.clientId: /);
  const { clientSecretFile: __, ...noSecret } = OIDC;
  assert.match(problems(noSecret)[0], /^auth\.oidc\.clientSecretFile: /);
  assert.match(problems({ ...OIDC, clientSecret: "inline" })[0], /clientSecret/);
  assert.match(problems({ ...OIDC, mappings: [] })[0], /^auth\.oidc\.mappings: /);
  assert.match(
    problems({ ...OIDC, mappings: [{ role: "admin" }] })[0],
    /^auth\.oidc\.mappings\.0\.group: /,
  );
  assert.match(
    problems({ ...OIDC, scopes: ["profile"] })[0],
    /^auth\.oidc\.scopes: must include openid/,
  );
  assert.match(
    problems({ ...OIDC, groupsClaim: "a..b" })[0],
    /^auth\.oidc\.groupsClaim: expected a claim name/,
  );
  assert.match(
    problems({ ...OIDC, jwksCooldownSeconds: -1 })[0],
    /^auth\.oidc\.jwksCooldownSeconds: /,
  );
});
