import assert from "node:assert/strict";
import { grantFromGroups, normalizeDn, orgUnitNames } from "./directory_grant.ts";

const MAPPINGS = [
  { group: "CN=Recorder Admins,OU=Groups,DC=ex,DC=com", role: "admin", partitions: ["*"] },
  {
    group: "cn=Sales Supervisors,ou=Groups,dc=ex,dc=com",
    role: "supervisor",
    partitions: ["sales"],
    orgUnit: "Org/Sales",
  },
  { group: "cn=PCI,ou=Groups,dc=ex,dc=com", partitions: ["pci"] },
  { group: "cn=Agents,ou=Groups,dc=ex,dc=com", role: "agent", partitions: [], orgUnit: "Org" },
];

Deno.test("normalizeDn() ignores case and spaces around separators, keeps escapes", () => {
  assert.equal(
    normalizeDn("CN=Sales Supervisors , OU=Groups,DC=ex, DC=com"),
    "cn=sales supervisors,ou=groups,dc=ex,dc=com",
  );
  assert.equal(normalizeDn("cn=a\\, b,dc=x"), "cn=a\\, b,dc=x");
  assert.notEqual(normalizeDn("cn=a\\,b,dc=x"), normalizeDn("cn=a,b,dc=x"));
});

Deno.test("grantFromGroups(): first role in config order, union of partitions, first org unit", () => {
  const g = grantFromGroups([
    "cn=agents,ou=groups,dc=ex,dc=com",
    "CN=PCI,OU=Groups,DC=ex,DC=com",
    "cn=sales supervisors,ou=groups,dc=ex,dc=com",
  ], MAPPINGS);
  assert.deepEqual(g, {
    role: "supervisor",
    partitions: ["pci", "sales"],
    orgUnit: "Org/Sales",
    sources: [
      {
        group: MAPPINGS[1].group,
        role: "supervisor",
        partitions: ["sales"],
        orgUnit: "Org/Sales",
      },
      { group: MAPPINGS[2].group, partitions: ["pci"] },
      { group: MAPPINGS[3].group, partitions: [] },
    ],
  });
});

Deno.test("grantFromGroups(): no mapped group, or only role-less ones, grants nothing", () => {
  assert.equal(grantFromGroups([], MAPPINGS), null);
  assert.equal(grantFromGroups(["cn=Other,dc=ex,dc=com"], MAPPINGS), null);
  assert.equal(grantFromGroups(["cn=PCI,ou=Groups,dc=ex,dc=com"], MAPPINGS), null);
});

Deno.test("orgUnitNames() splits a unit path", () => {
  assert.deepEqual(orgUnitNames("Org/ Sales /Team A/"), ["Org", "Sales", "Team A"]);
  assert.deepEqual(orgUnitNames(""), []);
});
