/**
 * Issue 19 defect 7: 150 wrong passwords sent 30 at a time were all checked (401, never
 * 429) and the account never locked. Parallel attempts must count: the per-address
 * throttle answers 429, the account locks at the threshold (10 by default), no more
 * passwords are checked than the threshold allows, and the right password from an
 * unfamiliar address is refused while locked.
 */
import assert from "node:assert/strict";
import { Harness, PASSWORD } from "./harness.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

/** Sends `total` sign-ins `batch` at a time; `ipOf(i)` picks each one's address. */
async function flood(
  h: Harness,
  username: string,
  total: number,
  batch: number,
  ipOf: (i: number) => string,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < total; i += batch) {
    const round = Array.from({ length: Math.min(batch, total - i) }, async (_, k) => {
      const res = await h.req("/sign-in", {
        form: { username, password: `wrong-${i + k}` },
        ip: ipOf(i + k),
      });
      await res.body?.cancel();
      return res.status;
    });
    statuses.push(...await Promise.all(round));
  }
  return statuses;
}

async function auditCount(h: Harness, why: string): Promise<number> {
  const rows = await h.services.store.db.selectFrom("audit_events").select("details")
    .where("action", "=", "auth.sign_in").execute();
  return rows.filter((r) => JSON.parse(r.details).why === why).length;
}

Deno.test({
  ...T,
  name: "150 parallel wrong passwords from one address: throttled with 429 after 5 checks",
  async fn() {
    await using h = await Harness.create();
    await h.user("victim", "supervisor");
    const statuses = await flood(h, "victim", 150, 30, () => "203.0.113.7");
    const count = (s: number) => statuses.filter((x) => x === s).length;
    assert.equal(count(401), 5, `statuses: ${statuses}`);
    assert.equal(count(429), 145);
    assert.equal(await auditCount(h, "password"), 5);
    // Throttled attempts are audited, a burst of 10 per address and minute; the rest are
    // counted into the next row written for that address.
    assert.equal(await auditCount(h, "throttled"), 10);
  },
});

Deno.test({
  ...T,
  name: "150 parallel wrong passwords from many addresses lock the account at the threshold",
  async fn() {
    await using h = await Harness.create();
    await h.user("victim", "supervisor");
    const threshold = h.services.config.auth.lockoutThreshold;
    const statuses = await flood(h, "victim", 150, 30, (i) => `198.51.100.${i}`);
    assert.ok(statuses.every((s) => s === 401), `statuses: ${statuses}`);
    // Every attempt was counted: no more passwords were checked than the threshold allows.
    assert.equal(await auditCount(h, "password"), threshold);
    assert.equal(await auditCount(h, "locked"), 150 - threshold);
    const user = await h.services.store.db.selectFrom("users").select("locked_until")
      .where("username", "=", "victim").executeTakeFirstOrThrow();
    assert.ok(user.locked_until !== null && Date.parse(user.locked_until) > h.clock);

    const res = await h.req("/sign-in", {
      form: { username: "victim", password: PASSWORD },
      ip: "192.0.2.200",
    });
    await res.body?.cancel();
    assert.equal(res.status, 401, "the right password from a stranger is refused while locked");

    h.clock += 31 * 60_000; // past auth.lockoutDuration (30m)
    const client = await h.signIn("victim", PASSWORD, "192.0.2.201");
    assert.ok(client.cookie.length > 0, "the lock expires");
  },
});
