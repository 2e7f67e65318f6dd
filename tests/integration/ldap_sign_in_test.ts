/**
 * Directory sign-in against a real OpenLDAP (`slapd`, started by the test on free ports
 * with its own CA) and the real `selrec serve`: sign-in through /sign-in over LDAPS,
 * nested groups mapped to role, partitions and org unit (audited per group), a user
 * removed from their group losing access at the re-check, the directory down (clear
 * message, the live session ends, no stale grant) while the local break-glass admin still
 * signs in. A second test drives the LDAP adapter itself: StartTLS, a CA it does not
 * trust, and plain LDAP refused by the config.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { groupLdif, personLdif, startSlapd, SUFFIX, type TestSlapd } from "../helpers/slapd.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { query } from "../helpers/db.ts";
import { openStore } from "../../src/store/db.ts";
import { addOrgUnit } from "../../src/store/queries/org_units.ts";
import { LdapDirectory } from "../../src/auth/ldap_directory.ts";
import { DirectoryUnavailable } from "../../src/auth/directory.ts";
import { LdapConfigSchema } from "../../src/auth/identity_config.ts";

const SAN = { sanitizeOps: true, sanitizeResources: true };
const people = (uid: string) => `uid=${uid},ou=people,${SUFFIX}`;
const group = (cn: string) => `cn=${cn},ou=groups,${SUFFIX}`;

async function seed(slapd: TestSlapd): Promise<void> {
  await slapd.modify(
    "ldapadd",
    [
      personLdif("alice", "alice-directory-pw", "Alice Admin"),
      personLdif("sue", "sue-directory-pw", "Sue Supervisor"),
      personLdif("bob", "bob-directory-pw"),
      // alice is an admin through a nested group: alice ∈ it-ops ∈ recorder-admins.
      groupLdif("it-ops", [people("alice")]),
      groupLdif("recorder-admins", [group("it-ops")]),
      groupLdif("sales-supervisors", [people("sue")]),
      groupLdif("pci", [people("sue")]),
      groupLdif("unrelated", [people("bob")]),
    ].join("\n"),
  );
}

function configYaml(slapd: TestSlapd, passwordFile: string): string {
  return `auth:
  mfa: { requiredRoles: [] }
  ldap:
    url: ${slapd.ldapsUrl}
    caFile: ${slapd.certs.ca}
    userSearch:
      baseDn: ou=people,${SUFFIX}
      filter: (uid={username})
      bindDn: cn=manager,${SUFFIX}
      bindPasswordFile: ${passwordFile}
    groupSearch: { baseDn: "ou=groups,${SUFFIX}" }
    recheckMinutes: 0.05
    mappings:
      - { group: "CN=Recorder-Admins,OU=Groups,${SUFFIX.toUpperCase()}", role: admin, partitions: ["*"] }
      - group: ${group("sales-supervisors")}
        role: supervisor
        partitions: [sales]
        orgUnit: Organization/Sales
      - { group: "${group("pci")}", partitions: [pci] }
`;
}

/** POST /sign-in; returns the status, Location, session cookie and page text. */
async function signIn(server: TestServer, username: string, password: string) {
  const res = await fetch(`${server.httpUrl}/sign-in`, {
    method: "POST",
    redirect: "manual",
    body: new URLSearchParams({ username, password }),
  });
  const cookie = /selrec_session=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "")?.[1] ?? null;
  return {
    status: res.status,
    location: res.headers.get("Location"),
    cookie,
    text: await res.text(),
  };
}

async function page(server: TestServer, cookie: string, path = "/recordings") {
  const res = await fetch(`${server.httpUrl}${path}`, {
    redirect: "manual",
    headers: { Cookie: `selrec_session=${cookie}`, Accept: "text/html" },
  });
  await res.body?.cancel();
  return { status: res.status, location: res.headers.get("Location") };
}

Deno.test({
  name: "directory sign-in against slapd: grants, re-check, directory down, break-glass",
  ...SAN,
  sanitizeResources: false, // the server's and slapd's pipes live across steps
  async fn() {
    await using slapd = await startSlapd();
    await seed(slapd);
    const dir = await Deno.makeTempDir({ prefix: "selrec-ldap-it-" });
    const pwFile = join(dir, "bind.pw");
    await Deno.writeTextFile(pwFile, "manager-secret\n", { mode: 0o600 });
    await Deno.writeTextFile(join(dir, "selrec.yaml"), configYaml(slapd, pwFile));
    await Deno.mkdir(join(dir, "data"));
    await using server = await startServer({
      configFile: join(dir, "selrec.yaml"),
      dataDir: join(dir, "data"),
      env: { SELREC_LOG_LEVEL: "info" },
    });
    const db = join(server.dataDir, "selrec.db");
    {
      await using store = openStore(db);
      const root = query<{ id: number }>(db, "SELECT id FROM org_units WHERE parent_id IS NULL")[0];
      await addOrgUnit(store.db, "Sales", root.id);
    }

    // sue: supervisor in Organization/Sales with partitions from two groups.
    const sue = await signIn(server, "sue", "sue-directory-pw");
    assert.equal(sue.status, 303, sue.text);
    assert.ok(sue.cookie);
    const row = query<Record<string, unknown>>(
      db,
      `SELECT u.role, u.source, u.directory_dn, u.display_name, o.name AS unit
       FROM users u LEFT JOIN org_units o ON o.id = u.org_unit_id WHERE username = 'sue'`,
    )[0];
    assert.deepEqual(row, {
      role: "supervisor",
      source: "ldap",
      directory_dn: people("sue"),
      display_name: "Sue Supervisor",
      unit: "Sales",
    });
    const parts = query<{ partition: string }>(
      db,
      "SELECT partition FROM user_partitions WHERE user_id = (SELECT id FROM users WHERE username = 'sue') ORDER BY 1",
    ).map((r) => r.partition);
    assert.deepEqual(parts, ["pci", "sales"]);
    const grant = JSON.parse(
      query<{ details: string }>(
        db,
        "SELECT details FROM audit_events WHERE action = 'auth.directory_grant' AND actor_name = 'sue'",
      )[0].details,
    );
    assert.deepEqual(grant.sources.map((s: { group: string }) => s.group), [
      group("sales-supervisors"),
      group("pci"),
    ]);
    assert.equal(grant.role, "supervisor");
    assert.equal((await page(server, sue.cookie)).status, 200);

    // alice: admin through the nested group; bob: in no mapped group; wrong password.
    const alice = await signIn(server, "alice", "alice-directory-pw");
    assert.equal(alice.status, 303);
    assert.equal(
      query<{ role: string }>(db, "SELECT role FROM users WHERE username = 'alice'")[0].role,
      "admin",
    );
    const bob = await signIn(server, "bob", "bob-directory-pw");
    assert.equal(bob.status, 403);
    assert.match(bob.text, /no group that has access/);
    assert.equal((await signIn(server, "sue", "wrong-password")).status, 401);
    // The local password is never used for a directory user.
    assert.equal(
      query<{ password_hash: string }>(
        db,
        "SELECT password_hash FROM users WHERE username = 'sue'",
      )[0].password_hash,
      "!directory",
    );

    // sue leaves her groups: the live session ends at the re-check (3 s) and she cannot sign in.
    await slapd.modify(
      "ldapmodify",
      `dn: ${group("sales-supervisors")}\nchangetype: modify\nreplace: member\nmember: ${
        people("bob")
      }\n\n` +
        `dn: ${group("pci")}\nchangetype: modify\nreplace: member\nmember: ${people("bob")}\n`,
    );
    await new Promise((r) => setTimeout(r, 3_200));
    assert.deepEqual(await page(server, sue.cookie), {
      status: 303,
      location: "/sign-in?ended=revoked",
    });
    assert.equal((await page(server, sue.cookie)).location, "/sign-in?next=%2Frecordings");
    const again = await signIn(server, "sue", "sue-directory-pw");
    assert.equal(again.status, 403);

    // The directory goes down: alice's session ends at its re-check; sign-in says why.
    assert.ok(alice.cookie);
    await slapd.stop();
    await new Promise((r) => setTimeout(r, 3_200));
    assert.deepEqual(await page(server, alice.cookie), {
      status: 303,
      location: "/sign-in?ended=directory",
    });
    const down = await signIn(server, "alice", "alice-directory-pw");
    assert.equal(down.status, 503);
    assert.match(down.text, /directory \(ldaps:\/\/127\.0\.0\.1:\d+\) cannot be reached/);
    const ended = await fetch(`${server.httpUrl}/sign-in?ended=directory`);
    assert.match(await ended.text(), /could not be reached to re-check your access/);

    // Break-glass: the local admin signs in and works while the directory is down.
    const admin = await signIn(server, "admin", server.adminPassword);
    assert.equal(admin.status, 303);
    assert.equal((await page(server, admin.cookie!, "/admin/users")).status, 200);
    const audit = query<{ action: string; outcome: string }>(
      db,
      "SELECT action, outcome FROM audit_events WHERE action LIKE 'auth.directory%' ORDER BY seq",
    ).map((a) => `${a.action}:${a.outcome}`);
    assert.ok(audit.includes("auth.directory_grant:denied"));
    assert.ok(audit.includes("auth.directory_recheck:failed"));
    assert.equal(await server.stop(), 0);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test(
  "the LDAP adapter: StartTLS with the CA, an untrusted CA and plain LDAP refused",
  SAN,
  async () => {
    await using slapd = await startSlapd();
    await seed(slapd);
    const base = {
      bindDnTemplate: `uid={username},ou=people,${SUFFIX}`,
      groupSearch: { baseDn: `ou=groups,${SUFFIX}`, nested: "walk" },
      mappings: [{ group: group("recorder-admins"), role: "admin" }],
    };
    const startTls = new LdapDirectory(
      LdapConfigSchema.parse({
        ...base,
        url: slapd.ldapUrl,
        startTls: true,
        caFile: slapd.certs.ca,
      }),
    );
    const entry = await startTls.authenticate("alice", "alice-directory-pw");
    assert.deepEqual(entry?.groups.sort(), [group("it-ops"), group("recorder-admins")]);
    assert.equal(await startTls.authenticate("alice", ""), null, "an empty password never binds");
    assert.equal(await startTls.authenticate("alice*", "alice-directory-pw"), null);
    // Without the test CA the server's certificate is not trusted: unavailable, not a grant.
    const untrusted = new LdapDirectory(LdapConfigSchema.parse({ ...base, url: slapd.ldapsUrl }));
    await assert.rejects(
      untrusted.authenticate("alice", "alice-directory-pw"),
      DirectoryUnavailable,
    );
    // No service account: a live re-check cannot be made, so it is unavailable (fail closed).
    await assert.rejects(startTls.lookup("alice"), /no userSearch service account/);
    const plain = LdapConfigSchema.safeParse({ ...base, url: slapd.ldapUrl });
    assert.equal(plain.success, false);
    assert.deepEqual(plain.error?.issues.map((i) => i.path.join(".")), ["url"]);
    const allowed = new LdapDirectory(
      LdapConfigSchema.parse({ ...base, url: slapd.ldapUrl, allowPlain: true }),
    );
    assert.ok(await allowed.authenticate("alice", "alice-directory-pw"));
  },
);
