/**
 * Directory sign-in through app.request() over a scripted {@link Directory} (the LDAP
 * adapter itself is tested against slapd in tests/integration/ldap_sign_in_test.ts):
 * local accounts never ask the directory, a down directory never yields a stale grant,
 * the re-check runs when due by the injected clock, an admin's disable holds.
 */
import assert from "node:assert/strict";
import { Harness, PASSWORD } from "./harness.ts";
import {
  type Directory,
  type DirectoryEntry,
  DirectoryUnavailable,
} from "../../src/auth/directory.ts";

const SAN = { sanitizeOps: true, sanitizeResources: true };
const HTML = { Accept: "text/html" };

class ScriptedDirectory implements Directory {
  readonly url = "ldaps://dc1.test";
  down = false;
  asked: string[] = [];
  groups = new Map<string, string[]>([["sue", ["cn=Sup,dc=test"]]]);
  #entry(username: string): DirectoryEntry | null {
    const groups = this.groups.get(username);
    return groups ? { dn: `uid=${username},dc=test`, displayName: username, groups } : null;
  }
  authenticate(username: string, password: string): Promise<DirectoryEntry | null> {
    this.asked.push(username);
    if (this.down) return Promise.reject(new DirectoryUnavailable("connect ECONNREFUSED"));
    return Promise.resolve(password === PASSWORD ? this.#entry(username) : null);
  }
  lookup(username: string): Promise<DirectoryEntry | null> {
    this.asked.push(`lookup:${username}`);
    if (this.down) return Promise.reject(new DirectoryUnavailable("connect ECONNREFUSED"));
    return Promise.resolve(this.#entry(username));
  }
}

async function harness(dir: ScriptedDirectory): Promise<Harness> {
  return await Harness.create({
    directory: dir,
    ldap: {
      url: dir.url,
      bindDnTemplate: "uid={username},dc=test",
      groupSearch: { baseDn: "dc=test" },
      mappings: [{ group: "cn=sup,dc=test", role: "supervisor", partitions: ["p1"] }],
      recheckMinutes: 1,
    },
  });
}

Deno.test(
  "local accounts sign in without asking the directory, even when it is down",
  SAN,
  async () => {
    const dir = new ScriptedDirectory();
    await using h = await harness(dir);
    dir.down = true;
    const admin = await h.signIn("admin");
    const res = await h.req("/admin/users", { client: admin, headers: HTML });
    await res.body?.cancel();
    assert.equal(res.status, 200);
    assert.deepEqual(dir.asked, []);
  },
);

Deno.test(
  "a down directory gives 503 with the reason and no session from the old grant",
  SAN,
  async () => {
    const dir = new ScriptedDirectory();
    await using h = await harness(dir);
    await h.signIn("sue");
    dir.down = true;
    const res = await h.req("/sign-in", { form: { username: "sue", password: PASSWORD } });
    assert.equal(res.status, 503);
    assert.match(await res.text(), /directory \(ldaps:\/\/dc1\.test\) cannot be reached/);
    assert.equal(res.headers.get("Set-Cookie"), null);
  },
);

Deno.test(
  "a live session is re-checked when due: kept while granted, ended when not",
  SAN,
  async () => {
    const dir = new ScriptedDirectory();
    await using h = await harness(dir);
    const sue = await h.signIn("sue");
    const get = async () => {
      const res = await h.req("/recordings", { client: sue, headers: HTML });
      await res.body?.cancel();
      return [res.status, res.headers.get("Location")];
    };
    assert.deepEqual(await get(), [200, null]);
    h.clock += 30_000;
    assert.deepEqual(await get(), [200, null]);
    assert.deepEqual(dir.asked, ["sue"], "not due yet: no lookup");
    h.clock += 31_000;
    assert.deepEqual(await get(), [200, null]);
    assert.deepEqual(dir.asked, ["sue", "lookup:sue"]);
    const grants = async () =>
      (await h.services.store.db.selectFrom("audit_events").select("outcome")
        .where("action", "=", "auth.directory_grant").orderBy("seq").execute()).map((r) =>
          r.outcome
        );
    assert.deepEqual(await grants(), ["ok"], "an unchanged grant is not audited again");
    dir.groups.set("sue", ["cn=Other,dc=test"]);
    h.clock += 61_000;
    assert.deepEqual(await get(), [303, "/sign-in?ended=revoked"]);
    const row = await h.services.store.db.selectFrom("users").select("directory_denied")
      .where("username", "=", "sue").executeTakeFirstOrThrow();
    assert.equal(row.directory_denied, 1);
    assert.deepEqual(await grants(), ["ok", "denied"]);
  },
);

Deno.test(
  "an admin-disabled directory user stays out although the directory grants",
  SAN,
  async () => {
    const dir = new ScriptedDirectory();
    await using h = await harness(dir);
    await h.signIn("sue");
    await h.services.store.db.updateTable("users").set({ disabled: 1 }).where(
      "username",
      "=",
      "sue",
    )
      .execute();
    await assert.rejects(h.signIn("sue"), /answered 401/);
  },
);
