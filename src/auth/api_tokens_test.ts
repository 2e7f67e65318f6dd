import assert from "node:assert/strict";
import { migrate, openStore } from "../store/db.ts";
import { listTokens } from "../store/queries/tokens.ts";
import { createApiToken, type NewToken, principalForBearer, tokenProblem } from "./api_tokens.ts";

const NOW = new Date("2026-03-01T10:00:00.000Z");
const DAY = 86_400_000;
const base: NewToken = { name: "ivr", scopes: ["decisions"], userId: null, agentId: null };
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

Deno.test("tokenProblem() refuses a token that would grant nothing or never end", () => {
  assert.equal(tokenProblem({ ...base, expiresAt: at(30) }, NOW), null);
  assert.equal(tokenProblem(base, NOW), null, "no expiry given: the default applies");
  assert.match(tokenProblem({ ...base, scopes: [] }, NOW) ?? "", /^scopes: choose at least one/);
  assert.equal(tokenProblem({ ...base, scopes: ["root"] }, NOW), 'unknown scope "root"');
  assert.match(
    tokenProblem({ ...base, scopes: ["recording.play"] }, NOW) ?? "",
    /scope "recording.play" needs a user/,
  );
  assert.equal(tokenProblem({ ...base, scopes: ["recording.play"], userId: 1 }, NOW), null);
  assert.equal(
    tokenProblem({ ...base, expiresAt: at(-1) }, NOW),
    "expires: at least 1 day from now",
  );
  assert.equal(
    tokenProblem({ ...base, expiresAt: at(0.5) }, NOW),
    "expires: at least 1 day from now",
  );
  assert.equal(tokenProblem({ ...base, expiresAt: at(1) }, NOW), null);
  assert.equal(tokenProblem({ ...base, expiresAt: at(366) }, NOW), null);
  assert.equal(
    tokenProblem({ ...base, expiresAt: at(367) }, NOW),
    "expires: at most 366 days from now",
  );
  assert.equal(
    tokenProblem({ ...base, expiresAt: new Date(NaN) }, NOW),
    "expires: at least 1 day from now",
  );
  assert.match(tokenProblem({ ...base, name: "a b" }, NOW) ?? "", /^name "a b" must be/);
});

Deno.test({
  name: "createApiToken() stores the expiry (default 90 days); the token stops at it",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "selrec-token-" });
    try {
      await using store = openStore(`${dir}/s.db`);
      await migrate(store.db);
      const { id: userId } = await store.db.insertInto("users").values({
        username: "u",
        display_name: null,
        password_hash: "x",
        role: "admin",
        org_unit_id: null,
        agent_id: null,
        disabled: 0,
        failed_logins: 0,
        locked_until: null,
        must_change_password: 0,
        created_at: NOW.toISOString(),
        updated_at: NOW.toISOString(),
        directory_dn: null,
        directory_checked_at: null,
      }).returning("id").executeTakeFirstOrThrow();
      const made = await createApiToken(store.db, {
        ...base,
        name: "play",
        scopes: ["recording.play"],
        userId,
      }, NOW);
      assert.equal(made.expiresAt, at(90).toISOString());
      const short = await createApiToken(
        store.db,
        { ...base, name: "short", scopes: ["recording.play"], userId, expiresAt: at(2) },
        NOW,
      );
      assert.deepEqual(
        (await listTokens(store.db)).map((t) => [t.name, t.expiresAt]),
        [["short", at(2).toISOString()], ["play", at(90).toISOString()]],
      );
      assert.ok(await principalForBearer(store.db, short.token, at(1.9)), "live before expiry");
      assert.equal(await principalForBearer(store.db, short.token, at(2)), null, "expired");
      assert.ok(await principalForBearer(store.db, made.token, at(2)));
      await assert.rejects(
        createApiToken(store.db, { ...base, scopes: [] }, NOW),
        new RangeError(
          'Cannot create token "ivr": scopes: choose at least one; a token ' +
            "without one grants nothing",
        ),
      );
      assert.equal((await listTokens(store.db)).length, 2, "the refused token was not stored");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
