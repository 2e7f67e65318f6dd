import assert from "node:assert/strict";
import fc from "fast-check";
import {
  authContextProblem,
  claimAt,
  grantFromClaims,
  groupsFrom,
  identityFromClaims,
} from "./oidc_claims.ts";

const NAMES = {
  usernameClaim: "preferred_username",
  displayNameClaim: "name",
  groupsClaim: "groups",
};
const MAPPINGS = [
  { group: "/recorder-admins", role: "admin", partitions: ["*"] },
  { group: "Sales Supervisors", role: "supervisor", partitions: ["sales"], orgUnit: "Org/Sales" },
  { group: "pci", partitions: ["pci"] },
  { group: "pci-leads", role: "compliance", partitions: ["pci"], orgUnit: "Org/PCI" },
];

Deno.test("claimAt() follows dotted paths into nested claims and nothing else", () => {
  const claims = { realm_access: { roles: ["a"] }, groups: ["g"], "x.y": 1 };
  assert.deepEqual(claimAt(claims, "realm_access.roles"), ["a"]);
  assert.equal(claimAt(claims, "realm_access.missing"), undefined);
  assert.equal(claimAt(claims, "groups.length"), undefined);
  assert.equal(claimAt(claims, "toString"), undefined);
  assert.equal(claimAt(claims, "realm_access.roles.0"), undefined);
});

Deno.test("groupsFrom() takes a string as one group and an array's strings", () => {
  assert.deepEqual(groupsFrom({ groups: "one" }, "groups"), ["one"]);
  assert.deepEqual(groupsFrom({ groups: ["a", 3, null, "", "b"] }, "groups"), ["a", "b"]);
  assert.deepEqual(groupsFrom({ groups: { a: 1 } }, "groups"), []);
  assert.deepEqual(groupsFrom({}, "groups"), []);
});

Deno.test("identityFromClaims() needs sub and the username claim, and names the claim", () => {
  const ok = identityFromClaims(
    { sub: "u-1", preferred_username: " sue ", name: "Sue S", groups: ["pci"] },
    NAMES,
  );
  assert.deepEqual(ok, {
    ok: true,
    identity: { subject: "u-1", username: "sue", displayName: "Sue S", groups: ["pci"] },
  });
  assert.deepEqual(identityFromClaims({ preferred_username: "sue" }, NAMES), {
    ok: false,
    why: "the ID token has no usable sub claim",
  });
  assert.deepEqual(identityFromClaims({ sub: "u-1" }, { ...NAMES, usernameClaim: "email" }), {
    ok: false,
    why: "the ID token has no email claim",
  });
  const ctrl = identityFromClaims({ sub: "u", preferred_username: "a\nb" }, NAMES);
  assert.equal(ctrl.ok, false);
  const noName = identityFromClaims({ sub: "u", preferred_username: "x", name: 5 }, NAMES);
  assert.ok(
    noName.ok && noName.identity.displayName === null && noName.identity.groups.length === 0,
  );
});

Deno.test("grantFromClaims() maps claim values like LDAP groups: first role, union of partitions, first unit", () => {
  const id = (groups: string[]) => ({ subject: "s", username: "u", displayName: null, groups });
  const sue = grantFromClaims(id(["sales supervisors", "PCI", "other"]), "groups", MAPPINGS)!;
  assert.equal(sue.role, "supervisor");
  assert.deepEqual(sue.partitions, ["pci", "sales"]);
  assert.equal(sue.orgUnit, "Org/Sales");
  assert.equal(sue.claim, "groups");
  assert.deepEqual(sue.sources, [
    { group: "Sales Supervisors", role: "supervisor", partitions: ["sales"], orgUnit: "Org/Sales" },
    { group: "pci", partitions: ["pci"] },
  ]);
  // A partitions-only group grants no access by itself.
  assert.equal(grantFromClaims(id(["pci"]), "groups", MAPPINGS), null);
  assert.equal(grantFromClaims(id([]), "groups", MAPPINGS), null);
  // The first role in config order wins; the later mapping's unit is not taken either.
  const both = grantFromClaims(id(["pci-leads", "/recorder-admins"]), "roles", MAPPINGS)!;
  assert.equal(both.role, "admin");
  assert.equal(both.orgUnit, "Org/PCI");
  assert.deepEqual(both.partitions, ["*", "pci"]);
});

Deno.test("grantFromClaims() never throws and grants only what a matching mapping names", () => {
  fc.assert(fc.property(fc.array(fc.string()), (groups) => {
    const g = grantFromClaims(
      { subject: "s", username: "u", displayName: null, groups },
      "groups",
      MAPPINGS,
    );
    if (g === null) return;
    assert.ok(["admin", "supervisor", "compliance"].includes(g.role));
    for (const p of g.partitions) assert.ok(["*", "sales", "pci"].includes(p));
  }));
});

Deno.test("authContextProblem() checks amr and acr only when configured", () => {
  assert.equal(authContextProblem({}, [], []), null);
  assert.equal(authContextProblem({ amr: ["pwd", "otp"] }, ["otp", "hwk"], []), null);
  assert.match(authContextProblem({ amr: ["pwd"] }, ["otp"], [])!, /amr: pwd; required one of otp/);
  assert.match(authContextProblem({}, ["mfa"], [])!, /amr: none/);
  assert.equal(authContextProblem({ acr: "gold" }, [], ["gold", "silver"]), null);
  assert.match(
    authContextProblem({ acr: "bronze" }, [], ["gold"])!,
    /context bronze; required one of gold/,
  );
});
