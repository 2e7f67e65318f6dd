import assert from "node:assert/strict";
import { hashPassword, passwordProblem, verifyPassword } from "./password.ts";

Deno.test("hashPassword() round-trips and rejects a wrong password", async () => {
  const stored = await hashPassword("correct horse battery", 1000);
  assert.match(stored, /^pbkdf2-sha256\$1000\$/);
  assert.equal(await verifyPassword("correct horse battery", stored), true);
  assert.equal(await verifyPassword("correct horse batterx", stored), false);
  assert.equal(await verifyPassword("x", "md5$abc"), false);
});

Deno.test("hashPassword() uses 600,000 iterations by default", async () => {
  assert.match(await hashPassword("a long enough password"), /^pbkdf2-sha256\$600000\$/);
});

Deno.test("hashPassword() derives off the event loop", async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  await hashPassword("a long enough password");
  clearInterval(timer);
  assert.ok(ticks >= 3, `timers kept running during derivation (ticks=${ticks})`);
});

Deno.test("passwordProblem() enforces the minimum length", () => {
  assert.match(passwordProblem("short", 12)!, /at least 12/);
  assert.match(passwordProblem("aaaaaaaaaaaaaa", 12)!, /repeated/);
  assert.equal(passwordProblem("twelve chars!", 12), null);
});
