/**
 * The recording page: readable title, human size and local times, the decision trace as
 * a table with its JSON behind a toggle, the estimated MOS per stream, the legal hold
 * history; and a recording in progress: its notice, the whole Ogg pages written so far
 * served by /audio, no waveform and no export (409 with a message).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { DecisionTrace } from "../../src/rules/trace.ts";
import { insertDecision } from "../../src/store/queries/decisions.ts";
import { scanOggPages } from "../../src/codec/ogg.ts";
import { Harness } from "./harness.ts";

const T = { sanitizeOps: true, sanitizeResources: true };

const TRACE: DecisionTrace = {
  callKey: "key-r1",
  at: "2026-03-01T09:00:00.000Z",
  fingerprint: "f00d",
  rules: [
    {
      id: "exclude-hr",
      source: "rules.yaml:3",
      enabled: true,
      conditions: {
        op: "equals",
        field: "businessUnit",
        expected: "hr",
        seen: "sales",
        held: false,
      },
      window: null,
      sample: null,
      quota: [],
      outcome: "conditions-failed",
    },
    {
      id: "sales-10",
      source: "rules.yaml:9",
      enabled: true,
      conditions: {
        op: "all",
        held: true,
        items: [{
          op: "equals",
          field: "businessUnit",
          expected: "sales",
          seen: "sales",
          held: true,
        }],
      },
      window: null,
      sample: { draw: 3.1415, percent: 10, held: true },
      quota: [{ scope: "sales-10:day", periodStart: "2026-03-01", used: 4, max: 50, held: true }],
      outcome: "matched",
    },
  ],
  decision: {
    record: true,
    mode: "destination",
    partitions: ["p1"],
    ruleId: "sales-10",
    retention: null,
    allowPause: true,
    format: "opus",
  },
};

Deno.test({
  ...T,
  name: "the recording page has a readable title, the trace table, MOS and the hold history",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1", { agentId: "ag7", customerId: "CUST-9", seconds: 3 });
    const db = h.services.store.db;
    await db.updateTable("recordings").set({ size_bytes: 1_234_567 }).execute();
    await insertDecision(db, {
      callId: "call-r1",
      callKey: "key-r1",
      origin: "siprec",
      record: true,
      ruleId: "sales-10",
      mode: "destination",
      partitions: ["p1"],
      retention: null,
      trace: TRACE,
      rulesetVersion: "f00d",
      at: new Date("2026-03-01T09:00:00.000Z"),
    });
    await db.insertInto("streams").values({
      recording_id: "r1",
      label: "1",
      codec: "PCMA",
      channel: 0,
      stats: JSON.stringify({ received: 980, expected: 1000, lost: 20, jitterMs: 4 }),
    } as never).execute();
    const admin = await h.signIn("admin");
    const hold = await h.req("/recordings/r1/hold", {
      client: admin,
      form: { on: "1", reason_code: "legal-request", reason_text: "case 42" },
    });
    assert.equal(hold.status, 303, await hold.text());
    const html = await (await h.req("/recordings/r1", { client: admin })).text();
    assert.match(html, /<h1>Call of 2026-03-01 09:00 UTC · agent ag7 · customer CUST-9<\/h1>/);
    assert.match(html, /1\.18 MiB/);
    assert.match(html, /<time datetime="2026-03-01T09:00:00.000Z" title="2026-03-01 09:00:00 UTC"/);
    assert.match(html, /<table class="trace-table">/);
    assert.match(html, /✗ businessUnit equals &quot;hr&quot; \(seen &quot;sales&quot;\)/);
    assert.match(html, /✓ draw 3.1415 &lt; 10%/);
    assert.match(html, /✓ sales-10:day: 4 of 50/);
    assert.match(html, /<summary>Trace as JSON<\/summary>/);
    // G.711 with PLC at 2% loss: R 86.19, MOS 4.235 (src/recorder/quality_test.ts)
    assert.match(html, /<span class="mos" title="R 86.2[^"]*">4.23<\/span>/);
    assert.match(html, /id="hold-history"/);
    assert.match(html, /placed<\/td><td>admin<\/td><td>legal-request: case 42<\/td>/);
    assert.match(html, /role="slider"/);
    assert.match(html, /aria-pressed="true">both/);
    assert.match(html, /<select id="speed">/);
  },
});

Deno.test({
  ...T,
  name: "a recording in progress plays its whole Ogg pages so far; no waveform, no export (409)",
  async fn() {
    await using h = await Harness.create();
    await h.recording("live", { seconds: 3 });
    const db = h.services.store.db;
    await db.updateTable("recordings").set({ state: "recording", duration_ms: null, sha256: null })
      .where("id", "=", "live").execute();
    const final = join(h.spool, "2026/03/01/live.opus");
    const bytes = await Deno.readFile(final);
    await Deno.remove(final);
    const pages = scanOggPages(bytes).pages;
    const cutAt = pages[pages.length - 1].offset + 30; // the last page cut short
    await Deno.writeFile(`${final}.partial`, bytes.subarray(0, cutAt));
    const admin = await h.signIn("admin");
    const html = await (await h.req("/recordings/live", { client: admin })).text();
    assert.match(html, /id="in-progress"[^>]*>Recording in progress\./);
    assert.match(html, /Waveform when finished\./);
    assert.doesNotMatch(html, /waveform\.svg/);
    assert.match(html, /<button type="button" disabled[^>]*>Download<\/button>/);
    assert.match(html, /Export is possible once the recording has finished\./);

    const audio = await h.req("/recordings/live/audio", { client: admin });
    assert.equal(audio.status, 200);
    const served = new Uint8Array(await audio.arrayBuffer());
    assert.equal(served.length, pages[pages.length - 1].offset);
    assert.deepEqual(served, bytes.subarray(0, served.length));
    const ranged = await h.req("/recordings/live/audio", {
      client: admin,
      headers: { Range: "bytes=0-99" },
    });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get("Content-Range"), `bytes 0-99/${served.length}`);
    await ranged.body?.cancel();

    const wave = await h.req("/recordings/live/waveform.svg", { client: admin });
    assert.equal(wave.status, 409);
    assert.match(
      await wave.text(),
      /still in progress: the waveform is drawn when it has finished/,
    );
    const exp = await h.req("/recordings/live/export", {
      client: admin,
      form: { format: "ogg", reason_code: "legal-request", reason_text: "needed now" },
    });
    assert.equal(exp.status, 409);
    assert.match(await exp.text(), /still in progress: it can be exported when it has finished/);

    await db.updateTable("recordings").set({ format: "wav" }).where("id", "=", "live").execute();
    const wav = await h.req("/recordings/live/audio", { client: admin });
    assert.equal(wav.status, 409);
    assert.match(await wav.text(), /WAV recording in progress cannot be played/);
    assert.match(
      await (await h.req("/recordings/live", { client: admin })).text(),
      /A WAV recording cannot be played until the call ends/,
    );
  },
});

Deno.test({
  ...T,
  name: "the recording page shows the recording's rate and the codecs each stream carried",
  async fn() {
    await using h = await Harness.create();
    await h.recording("r1", { agentId: "ag7", seconds: 2 });
    const db = h.services.store.db;
    await db.updateTable("recordings").set({ sample_rate: 16000 }).execute();
    await db.insertInto("streams").values({
      recording_id: "r1",
      label: "1",
      codec: "PCMA",
      received_codecs: "PCMA,G722",
      channel: 0,
      stats: JSON.stringify({ received: 100, expected: 100, lost: 0, jitterMs: 1 }),
    } as never).execute();
    const admin = await h.signIn("admin");
    const html = await (await h.req("/recordings/r1", { client: admin })).text();
    assert.match(html, /opus, 16 kHz/);
    assert.match(html, /PCMA \(sent PCMA → G722\)/);
  },
});
