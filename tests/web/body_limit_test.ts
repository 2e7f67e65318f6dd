/**
 * Issue 19 defect 6 through app.request(): every route has a body limit answering 413,
 * 16 KiB for sign-in and forms, `http.maxApiBodyBytes` (64 KiB) for the APIs, whether
 * the size is declared (Content-Length) or only counted (a streamed body). The real
 * server under a 300 MB POST is tests/integration/body_limit_serve_test.ts.
 */
import assert from "node:assert/strict";
import { Harness, PASSWORD } from "./harness.ts";
import { createApiToken } from "../../src/auth/api_tokens.ts";
import { FORM_BODY_BYTES } from "../../web/middleware/body_limit.ts";
import { RulesService } from "../../src/rules/mod.ts";
import { ROOT } from "../helpers/server.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

/** A body of `total` bytes of `fill`, streamed in 4 KiB chunks with no declared length. */
function streamed(total: number, prefix = ""): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let sent = 0;
  return new ReadableStream({
    pull(ctrl) {
      if (sent >= total) return ctrl.close();
      const head = sent === 0 ? enc.encode(prefix) : new Uint8Array(0);
      const chunk = new Uint8Array(Math.min(4096, total - sent)).fill(0x61);
      chunk.set(head.subarray(0, chunk.length));
      sent += chunk.length;
      ctrl.enqueue(chunk);
    },
  });
}

async function send(h: Harness, path: string, init: RequestInit): Promise<Response> {
  return await h.web.request(`http://selrec.test${path}`, init, {
    info: { remoteAddr: { hostname: "10.0.0.1" } },
  });
}

Deno.test({
  ...T,
  name: "POST /sign-in over 16 KiB answers 413 (declared or streamed); under it signs in",
  async fn() {
    await using h = await Harness.create();
    const form = "Content-Type";
    const headers = { [form]: "application/x-www-form-urlencoded" };
    const big = `username=admin&password=x&pad=${"a".repeat(FORM_BODY_BYTES)}`;
    const declared = await send(h, "/sign-in", { method: "POST", headers, body: big });
    assert.equal(declared.status, 413);
    assert.deepEqual(await declared.json(), {
      error: `request body is larger than ${FORM_BODY_BYTES} bytes`,
    });
    const chunked = await send(h, "/sign-in", {
      method: "POST",
      headers,
      body: streamed(FORM_BODY_BYTES + 1, "username=admin&pad="),
    });
    assert.equal(chunked.status, 413);
    await chunked.body?.cancel();
    const fits = `username=admin&password=${encodeURIComponent(PASSWORD)}&pad=` +
      "a".repeat(FORM_BODY_BYTES - 100);
    const ok = await send(h, "/sign-in", { method: "POST", headers, body: fits });
    await ok.body?.cancel();
    assert.equal(ok.status, 303, "a body under the limit is read as before");
    const streamedOk = await send(h, "/sign-in", {
      method: "POST",
      headers,
      body: streamed(FORM_BODY_BYTES, `username=admin&password=${encodeURIComponent(PASSWORD)}&p=`),
    });
    await streamedOk.body?.cancel();
    assert.equal(streamedOk.status, 303, "a streamed body under the limit is read whole");
  },
});

Deno.test({
  ...T,
  name: "the decision API refuses a 5 MB body with 413 and takes one under http.maxApiBodyBytes",
  async fn() {
    await using h = await Harness.create();
    assert.equal(h.services.config.http.maxApiBodyBytes, 65_536);
    const { token } = await createApiToken(h.services.store.db, {
      name: "ivr",
      scopes: ["decisions"],
      userId: null,
      agentId: null,
    });
    const headers = { "Content-Type": "application/json", Authorization: `Bearer ${token}` };
    const json = (pad: number) =>
      JSON.stringify({ callId: "c1", attachedData: { pad: "x".repeat(pad) } });
    const huge = await send(h, "/api/v1/decisions", {
      method: "POST",
      headers,
      body: json(5_000_000),
    });
    assert.equal(huge.status, 413);
    assert.match((await huge.json()).error, /larger than 65536 bytes/);
    const chunked = await send(h, "/api/v1/decisions", {
      method: "POST",
      headers,
      body: streamed(5_000_000, '{"callId":"c1","x":"'),
    });
    assert.equal(chunked.status, 413);
    await chunked.body?.cancel();
    await using rules = await RulesService.open(`${ROOT}rules`, { watch: false });
    h.services.rules = rules;
    const pad = (ch: string) => ch.repeat(4000);
    const medium = await send(h, "/api/v1/decisions", {
      method: "POST",
      headers,
      body: JSON.stringify({
        callId: "c2",
        attachedData: { a: pad("x"), b: pad("y"), c: pad("z"), d: pad("w"), e: pad("v") },
      }),
    });
    await medium.body?.cancel();
    assert.equal(medium.status, 200, "a 20 KiB API body (over the form limit) is accepted");
  },
});

Deno.test({
  ...T,
  name: "a body on a route that reads none (/healthz) is limited too",
  async fn() {
    await using h = await Harness.create();
    const res = await send(h, "/healthz", {
      method: "POST",
      body: "a".repeat(FORM_BODY_BYTES + 1),
    });
    assert.equal(res.status, 413);
    await res.body?.cancel();
  },
});
