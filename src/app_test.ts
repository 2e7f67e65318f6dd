import assert from "node:assert/strict";
import { App } from "./app.ts";
import { Lifecycle } from "./lifecycle.ts";
import { nullLogger } from "./log.ts";
import type { Service } from "./service.ts";

function recording(events: string[], name: string, drain?: Service["drain"]): Service {
  return {
    name,
    start: () => Promise.resolve(void events.push(`start ${name}`)),
    drain,
    stop: () => Promise.resolve(void events.push(`stop ${name}`)),
  };
}

Deno.test("App starts services in order, stops them in reverse, and reports its phase", async () => {
  const events: string[] = [];
  const lifecycle = new Lifecycle({ dbAnswers: () => true });
  const app = new App({
    log: nullLogger,
    lifecycle,
    services: ["store", "sip", "web"].map((n) => recording(events, n)),
    drainTimeoutSeconds: 5,
  });
  assert.equal(app.accepting, false);
  await app.start();
  assert.equal(app.accepting, true);
  assert.equal(app.health().status, "ok");
  await app.shutdown();
  assert.equal(lifecycle.phase, "stopped");
  assert.equal(app.health().status, "draining");
  assert.deepEqual(events, [
    "start store",
    "start sip",
    "start web",
    "stop web",
    "stop sip",
    "stop store",
  ]);
  await app.shutdown();
  assert.equal(events.length, 6, "a second shutdown stops nothing again");
});

Deno.test("App shutdown refuses new work while draining and stops a stuck drain at the deadline", async () => {
  const events: string[] = [];
  const lifecycle = new Lifecycle({ dbAnswers: () => false });
  let acceptingWhileDraining: boolean | null = null;
  let stuckTimer: ReturnType<typeof setTimeout> | undefined;
  const stuck = () => new Promise<void>((r) => (stuckTimer = setTimeout(r, 10_000)));
  const app = new App({
    log: nullLogger,
    lifecycle,
    services: [
      recording(events, "quick", () => {
        acceptingWhileDraining = lifecycle.accepting;
        return Promise.resolve();
      }),
      recording(events, "stuck", stuck),
    ],
    drainTimeoutSeconds: 0,
  });
  await app.start();
  assert.equal(app.health().status, "degraded");
  const t0 = Date.now();
  await app.shutdown();
  clearTimeout(stuckTimer);
  assert.equal(acceptingWhileDraining, false);
  assert.ok(Date.now() - t0 < 5_000, "the drain deadline (plus its grace) bounds shutdown");
  assert.deepEqual(events.slice(-2), ["stop stuck", "stop quick"]);
});
