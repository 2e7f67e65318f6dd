/** Route tests, security: headers, CSRF, session rotation, 404 for the unentitled, ID fuzzing. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Harness } from "./harness.ts";
import { addOrgUnit, upsertAgent } from "../../src/store/queries/org_units.ts";
import { sessionCookieName } from "../../src/auth/session.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

Deno.test({
  ...T,
  name:
    "every response carries CSP, nosniff, a same-origin referrer policy and frame denial; no HSTS without TLS",
  async fn() {
    await using h = await Harness.create();
    for (const path of ["/sign-in", "/nope", "/healthz", "/static/app.css", "/recordings"]) {
      const res = await h.req(path);
      await res.body?.cancel();
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      for (
        const d of [
          "default-src 'self'",
          "script-src 'self'",
          "object-src 'none'",
          "base-uri 'none'",
          "frame-ancestors 'none'",
          "media-src 'self' blob:",
        ]
      ) {
        assert.ok(csp.includes(d), `${path}: ${d}`);
      }
      assert.equal(res.headers.get("X-Content-Type-Options"), "nosniff", path);
      assert.equal(res.headers.get("Referrer-Policy"), "same-origin", path);
      assert.equal(res.headers.get("Strict-Transport-Security"), null, path);
    }
    assert.equal(sessionCookieName(true), "__Host-selrec");
    assert.equal(sessionCookieName(false), "selrec_session");
  },
});

Deno.test({
  ...T,
  name: "state-changing requests need the session's CSRF token and a same-origin Origin",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1");
    const c = await h.signIn("admin");
    const form = { reason_code: "legal-request", reason_text: "case 1", on: "1" };
    const cases: [string, Parameters<Harness["req"]>[1]][] = [
      ["no token", { client: c, form, noCsrf: true }],
      ["wrong token", { client: c, form: { ...form, _csrf: "x".repeat(43) } }],
      ["foreign Origin", { client: c, form, headers: { Origin: "https://evil.example" } }],
      ["cross-site fetch", { client: c, form, headers: { "Sec-Fetch-Site": "cross-site" } }],
      ["null Origin, cross-site", {
        client: c,
        form,
        headers: { Origin: "null", "Sec-Fetch-Site": "cross-site" },
      }],
      ["null Origin, no fetch metadata", { client: c, form, headers: { Origin: "null" } }],
      ["cross-site JSON", {
        client: c,
        json: form,
        headers: { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" },
      }],
      ["JSON without header token", { client: c, json: form, noCsrf: true }],
    ];
    for (const [label, r] of cases) {
      const res = await h.req("/recordings/r1/hold", r);
      assert.equal(res.status, 403, label);
      await res.body?.cancel();
    }
    const row = await h.services.store.db.selectFrom("recordings").select("legal_hold")
      .executeTakeFirstOrThrow();
    assert.equal(row.legal_hold, 0, "nothing changed");
    const ok = await h.req("/recordings/r1/hold", {
      client: c,
      form,
      headers: { Origin: "http://selrec.test", "Sec-Fetch-Site": "same-origin" },
    });
    assert.equal(ok.status, 303);
    const signIn = await h.req("/sign-in", {
      form: { username: "admin", password: "x" },
      headers: { Origin: "https://evil.example" },
    });
    assert.equal(signIn.status, 403, "login CSRF is refused too");
    await signIn.body?.cancel();
  },
});

Deno.test({
  ...T,
  name: "sign-in issues a new session id and deletes the old one; open redirects are refused",
  async fn() {
    await using h = await Harness.create();
    const first = await h.signIn("admin");
    const res = await h.req("/sign-in", {
      client: first,
      form: { username: "admin", password: "correct horse battery", next: "//evil.example/x" },
    });
    assert.equal(res.headers.get("Location"), "/");
    const fresh = /selrec_session=([^;]+)/.exec(res.headers.get("Set-Cookie") ?? "")?.[1];
    assert.ok(fresh && fresh !== first.cookie);
    const old = await h.req("/recordings", { client: first });
    assert.equal(old.status, 401, "the pre-sign-in session is gone");
    await old.body?.cancel();
  },
});

Deno.test({
  ...T,
  name:
    "recordings outside a user's partitions or org subtree answer 404 exactly like missing ones",
  async fn() {
    await using h = await Harness.create();
    const db = h.services.store.db;
    const east = await addOrgUnit(db, "East", h.orgRoot);
    const west = await addOrgUnit(db, "West", h.orgRoot);
    await upsertAgent(db, "ag-w", null, west.id);
    await upsertAgent(db, "ag-e", null, east.id);
    await h.recording("west", { agentId: "ag-w", partitions: ["p1"] });
    await h.recording("east-p2", { agentId: "ag-e", partitions: ["p2"] });
    await h.user("sam", "supervisor", { orgUnitId: east.id, partitions: ["p1"] });
    await h.user("ann", "agent", { agentId: "ag-e", orgUnitId: east.id });
    const sam = await h.signIn("sam");
    for (const id of ["west", "east-p2", "does-not-exist"]) {
      for (const suffix of ["", "/audio", "/audio.wav", "/waveform.svg"]) {
        const res = await h.req(`/recordings/${id}${suffix}`, { client: sam });
        assert.equal(res.status, 404, `${id}${suffix}`);
        assert.deepEqual(await res.json(), { error: "not found" });
      }
      const exp = await h.req(`/recordings/${id}/export`, {
        client: sam,
        form: { reason_code: "other", reason_text: "why not", format: "ogg" },
      });
      assert.equal(exp.status, 404);
      await exp.body?.cancel();
    }
    const list = await (await h.req("/recordings", { client: sam })).text();
    assert.match(list, /0 recordings/);
    const del = await h.req("/recordings/west/delete", {
      client: await h.signIn("admin"),
      form: { reason_code: "other", reason_text: "why not" },
    });
    assert.equal(del.status, 404, "admin lacks recording.delete: 404, not 403");
    await del.body?.cancel();
    const ann = await h.signIn("ann");
    const search = await h.req("/recordings", { client: ann });
    assert.equal(search.status, 403, "agents cannot search by default");
    await search.body?.cancel();
    const own = await h.req("/recordings/east-p2/audio", { client: ann });
    assert.equal(own.status, 404, "agents cannot play even their own without recording.play");
    await own.body?.cancel();
  },
});

Deno.test({
  ...T,
  name: "ID fuzzing and hostile stored paths never reach a file outside storage",
  async fn() {
    await using h = await Harness.create();
    const secret = join(h.dir, "secret.txt");
    await Deno.writeTextFile(secret, "TOP-SECRET");
    await h.recording("ok");
    const db = h.services.store.db;
    const hostile = [
      "../secret.txt",
      "/etc/passwd",
      "..\\secret.txt",
      "2026//../../secret.txt",
      "./../secret.txt",
      "link.opus",
    ];
    await Deno.symlink(secret, join(h.spool, "link.opus"));
    for (const [i, path] of hostile.entries()) {
      await h.recording(`bad${i}`, { file: false, path });
    }
    await db.updateTable("recordings").set({ path: "../secret.txt" }).where("id", "=", "bad0")
      .execute();
    const c = await h.signIn("admin");
    const ids = [
      ...hostile.map((_, i) => `bad${i}`),
      "..%2f..%2fsecret.txt",
      "..%2F..%2Fetc%2Fpasswd",
      "%2e%2e%2fsecret.txt",
      "..%5c..%5csecret.txt",
      "%2f%2fetc%2fpasswd",
      "ok%00",
      "ok%2f..%2f..%2fsecret.txt",
      "1",
      "0",
      "rec-00000001",
      encodeURIComponent("' OR 1=1 --"),
    ];
    for (const id of ids) {
      for (const suffix of ["/audio", "/audio.wav", "/waveform.svg"]) {
        const res = await h.req(`/recordings/${id}${suffix}`, {
          client: c,
          headers: { Range: "bytes=0-" },
        });
        const body = await res.text();
        assert.ok(res.status === 404, `${id}${suffix}: ${res.status}`);
        assert.ok(!body.includes("TOP-SECRET") && !body.includes("root:"), `${id}${suffix} leaked`);
      }
    }
    for (
      const raw of [
        "/recordings/../../secret.txt",
        "/recordings//etc/passwd/audio",
        "/static/..%2f..%2fsecret.txt",
        "/static/%2e%2e/app.ts",
      ]
    ) {
      const res = await h.req(raw, { client: c });
      const body = await res.text();
      assert.ok(!body.includes("TOP-SECRET") && !body.includes("root:"), raw);
      assert.notEqual(res.status, 200, raw);
    }
    const good = await h.req("/recordings/ok/audio", { client: c });
    assert.equal(good.status, 200, "the control recording still plays");
    await good.body?.cancel();
  },
});

Deno.test({
  ...T,
  name: "tokens: revoked or unknown are 401, scopes cap the owner's permissions, bearer skips CSRF",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1");
    const admin = await h.signIn("admin");
    const made = await (await h.req("/admin/tokens", {
      client: admin,
      form: { name: "reader", user_id: "1", scopes: "recording.search", expires_days: "30" },
    })).text();
    const token = /id="new-token">(sr_[\w-]+)</.exec(made)![1];
    const auth = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    const list = await h.req("/recordings", { headers: auth });
    assert.equal(list.status, 200);
    assert.equal((await list.json()).total, 1);
    const play = await h.req("/recordings/r1/audio", { headers: auth });
    assert.equal(play.status, 404, "scope lacks recording.play");
    await play.body?.cancel();
    const hold = await h.req("/recordings/r1/hold", {
      headers: auth,
      form: { reason_code: "other", reason_text: "abc", on: "1" },
    });
    assert.equal(hold.status, 404, "bearer passes CSRF but the scope lacks recording.hold");
    await hold.body?.cancel();
    const stored = await h.services.store.db.selectFrom("api_tokens").select(["id", "token_hash"])
      .executeTakeFirstOrThrow();
    assert.ok(!stored.token_hash.includes(token.slice(3)), "only a hash is stored");
    await h.req(`/admin/tokens/${stored.id}/revoke`, { client: admin, form: { confirm: "yes" } });
    for (
      const value of [`Bearer ${token}`, "Bearer sr_unknownunknownunknown", "Basic YWRtaW46eA=="]
    ) {
      const res = await h.req("/recordings", { headers: { Authorization: value } });
      assert.equal(res.status, 401, value);
      await res.body?.cancel();
    }
  },
});

Deno.test({
  ...T,
  name: "stored metadata is escaped on the recording page",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1");
    await h.services.store.db.insertInto("recording_metadata").values({
      recording_id: "r1",
      key: "x",
      value: "<script>alert(1)</script>",
    }).execute();
    const page = await (await h.req("/recordings/r1", { client: await h.signIn("admin") })).text();
    assert.ok(!page.includes("<script>alert(1)"));
    assert.match(page, /&lt;script&gt;alert\(1\)/);
  },
});
