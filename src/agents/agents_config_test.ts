import assert from "node:assert/strict";
import { ConfigError, resolveConfig } from "../config.ts";

const LDAP = {
  url: "ldaps://dc1.example.com",
  bindDnTemplate: "uid={username},ou=people,dc=example,dc=com",
  groupSearch: { baseDn: "ou=groups,dc=example,dc=com" },
  mappings: [{ group: "cn=admins,ou=groups,dc=example,dc=com", role: "admin" }],
};
const AGENTS = { baseDn: "ou=agents,dc=example,dc=com", attributes: { id: "employeeID" } };

function problems(raw: Record<string, unknown>): string[] {
  try {
    resolveConfig(raw, {}, "t.yaml");
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

Deno.test("directory.agents.ldap is off by default and fills its defaults when set", () => {
  assert.equal(resolveConfig({}, {}, "t.yaml").directory.agents.ldap, undefined);
  const cfg = resolveConfig(
    {
      auth: { ldap: LDAP },
      directory: {
        agents: { ldap: { ...AGENTS, bindDn: "cn=svc", bindPasswordFile: "/etc/pw" } },
      },
    },
    {},
    "t.yaml",
  );
  assert.deepEqual(cfg.directory.agents.ldap, {
    ...AGENTS,
    attributes: { id: "employeeID", name: "displayName" },
    filter: "(objectClass=inetOrgPerson)",
    scope: "sub",
    orgUnitPrefix: "",
    interval: "1h",
    createUnits: false,
    maxRemovePercent: 25,
    bindDn: "cn=svc",
    bindPasswordFile: "/etc/pw",
  });
});

Deno.test("directory.agents.ldap errors name the field", () => {
  assert.deepEqual(problems({ directory: { agents: { ldap: AGENTS } } }), [
    "directory.agents.ldap: needs auth.ldap (the directory's url, CA and TLS settings)",
  ]);
  assert.match(
    problems({ auth: { ldap: LDAP }, directory: { agents: { ldap: AGENTS } } })[0],
    /^directory\.agents\.ldap\.bindDn: auth\.ldap has no userSearch service account/,
  );
  const bad = problems({
    auth: { ldap: LDAP },
    directory: {
      agents: {
        ldap: {
          ...AGENTS,
          attributes: { id: "employee id" },
          interval: "soon",
          filter: "uid=1",
          bindDn: "cn=svc",
          colour: "blue",
        },
      },
    },
  }).join("\n");
  assert.match(bad, /directory\.agents\.ldap\.attributes\.id: expected an attribute name/);
  assert.match(bad, /directory\.agents\.ldap\.interval: expected a duration/);
  assert.match(bad, /directory\.agents\.ldap\.filter: expected an LDAP filter/);
  assert.match(bad, /directory\.agents\.ldap.*colour/);
});
