import assert from "node:assert/strict";
import { ConfigError, resolveConfig } from "../config.ts";

const LDAP = {
  url: "ldaps://dc1.example.com",
  bindDnTemplate: "uid={username},ou=people,dc=example,dc=com",
  groupSearch: { baseDn: "ou=groups,dc=example,dc=com" },
  mappings: [{ group: "cn=admins,ou=groups,dc=example,dc=com", role: "admin" }],
};

function problems(ldap: Record<string, unknown>): string[] {
  try {
    resolveConfig({ auth: { ldap } }, {}, "t.yaml");
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

Deno.test("auth.mfa defaults to admin and compliance; auth.ldap is off unless set", () => {
  const cfg = resolveConfig({}, {}, "t.yaml");
  assert.deepEqual(cfg.auth.mfa.requiredRoles, ["admin", "compliance"]);
  assert.equal(cfg.auth.ldap, undefined);
  const on = resolveConfig({ auth: { ldap: LDAP } }, {}, "t.yaml").auth.ldap!;
  assert.equal(on.groupSearch.nested, "auto");
  assert.equal(on.recheckMinutes, 15);
  assert.equal(on.allowPlain, false);
});

Deno.test("auth.ldap errors name the field", () => {
  assert.deepEqual(problems({ ...LDAP, url: "ldap://dc1.example.com" }), [
    "auth.ldap.url: ldap:// sends passwords in clear: use ldaps://, startTls: true, or allowPlain: true",
  ]);
  assert.deepEqual(problems({ ...LDAP, url: "ldap://dc1.example.com", startTls: true }), []);
  assert.match(problems({ ...LDAP, startTls: true })[0], /^auth\.ldap\.startTls: /);
  assert.match(problems({ ...LDAP, url: "http://dc1" })[0], /^auth\.ldap\.url: expected ldaps/);
  const { bindDnTemplate: _, ...none } = LDAP;
  assert.match(problems(none)[0], /^auth\.ldap\.bindDnTemplate: set exactly one/);
  assert.match(problems({ ...LDAP, bindDnTemplate: "uid=x,dc=y" })[0], /\{username\}/);
  assert.match(problems({ ...LDAP, mappings: [] })[0], /^auth\.ldap\.mappings: /);
  assert.match(
    problems({ ...LDAP, groupSearch: { baseDn: "dc=x", nested: "deep" } })[0],
    /^auth\.ldap\.groupSearch\.nested: /,
  );
  assert.match(
    problems({
      ...LDAP,
      userSearch: { baseDn: "dc=x", bindDn: "cn=s", bindPasswordFile: "/p" },
    })[0],
    /^auth\.ldap\.bindDnTemplate: set exactly one/,
  );
});
