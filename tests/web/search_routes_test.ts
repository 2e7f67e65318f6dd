/**
 * Route tests of the recordings search: any-case and prefix matching, errors naming each
 * invalid field with no rows (HTML and JSON 400), sorting, pick-lists, the CSV of the
 * page (audited) and saved searches (per user, audited).
 */
import assert from "node:assert/strict";
import { type Client, Harness } from "./harness.ts";
import { parseCsv } from "../../src/audit/csv.ts";

const T = { sanitizeResources: true, sanitizeOps: true };
const JSON_ACCEPT = { Accept: "application/json" };

async function seeded(): Promise<{ h: Harness; c: Client }> {
  const h = await Harness.create();
  const rows: [string, string, string, string, number][] = [
    ["a1", "Sales", "AG100", "+15551234567", 30],
    ["a2", "sales", "ag101", "+15559870000", 90],
    ["a3", "Support", "ag200", "+4930123456", 60],
    ["a4", "Billing", "ag100", "+15551230000", 10],
  ];
  let i = 0;
  for (const [id, bu, agent, ani, seconds] of rows) {
    await h.recording(id, {
      businessUnit: bu,
      agentId: agent,
      ani,
      seconds,
      file: false,
      startedAt: `2026-03-01T09:0${i++}:00.000Z`,
    });
  }
  return { h, c: await h.signIn("admin") };
}

async function ids(h: Harness, c: Client, query: string): Promise<string[]> {
  const res = await h.req(`/recordings?${query}`, { client: c, headers: JSON_ACCEPT });
  assert.equal(res.status, 200, query);
  return (await res.json()).recordings.map((r: { id: string }) => r.id);
}

Deno.test({
  ...T,
  name: "search matches in any case, ids and numbers by prefix, and sorts by column",
  async fn() {
    const { h, c } = await seeded();
    await using _ = h;
    assert.deepEqual(await ids(h, c, "bu=SALES"), ["a2", "a1"]);
    assert.deepEqual(await ids(h, c, "agent=ag10"), ["a4", "a2", "a1"]);
    assert.deepEqual(await ids(h, c, "number=1555123"), ["a4", "a1"]);
    assert.deepEqual(await ids(h, c, "number=%2B49"), ["a3"]);
    assert.deepEqual(await ids(h, c, "sort=duration&dir=asc"), ["a4", "a1", "a3", "a2"]);
    assert.deepEqual(await ids(h, c, "sort=duration"), ["a2", "a3", "a1", "a4"]);
    assert.deepEqual(await ids(h, c, "sort=agent&bu=sales"), ["a1", "a2"]);
    const html = await (await h.req("/recordings?sort=duration", { client: c })).text();
    assert.match(
      html,
      /<th scope="col" aria-sort="descending"><a href="[^"]*sort=duration&amp;dir=asc/,
    );
    // Pick-lists from the values present (one choice per value whatever its case).
    assert.match(html, /<option [^>]*value="Billing"/);
    assert.equal(html.match(/<option [^>]*value="sales"/gi)?.length, 1);
    assert.match(html, /<datalist id="agent-choices"><option [^>]*value="ag100"/i);
    // Times in the browser's zone (local_time.js), UTC in the text and title.
    assert.match(html, /<time datetime="2026-03-01T09:03:00.000Z" title="2026-03-01 09:03:00 UTC"/);
    assert.match(html, /<script [^>]*src="\/static\/local_time.js"/);
    assert.match(
      html,
      /<audio class="inline-play" controls preload="none" src="\/recordings\/a1\/audio"/,
    );
  },
});

Deno.test({
  ...T,
  name: "an invalid field is an error naming it, with no rows: 400 for the page and the API",
  async fn() {
    const { h, c } = await seeded();
    await using _ = h;
    const q = "from=2026-13-45&min_s=abc&bu=sales";
    const page = await h.req(`/recordings?${q}`, { client: c });
    assert.equal(page.status, 400);
    const html = await page.text();
    assert.match(html, /role="alert"/);
    assert.match(html, /<strong>from<\/strong>: &quot;2026-13-45&quot; is not a date/);
    assert.match(html, /<strong>min_s<\/strong>: &quot;abc&quot; is not a whole number/);
    assert.doesNotMatch(html, /href="\/recordings\/a\d"/, "no rows");
    assert.match(html, /name="from" type="text"[^>]*value="2026-13-45"[^>]*aria-invalid="true"/);
    const api = await h.req(`/recordings?${q}`, { client: c, headers: JSON_ACCEPT });
    assert.equal(api.status, 400);
    const body = await api.json();
    assert.deepEqual(body.fields.map((f: { field: string }) => f.field).sort(), ["from", "min_s"]);
    assert.match(body.error, /^from: .*; min_s: /);
    const count = await h.req(`/recordings/count?min_s=abc`, { client: c });
    assert.equal(count.status, 400);
    await count.body?.cancel();
    const audited = await h.services.store.db.selectFrom("audit_events").select("seq")
      .where("action", "=", "recording.search").execute();
    assert.equal(audited.length, 0, "a search that did not run is not a search");
  },
});

Deno.test({
  ...T,
  name: "the CSV of the result page is audited with its row count and SHA-256",
  async fn() {
    const { h, c } = await seeded();
    await using _ = h;
    const res = await h.req("/recordings/results.csv?bu=sales&sort=duration", { client: c });
    assert.equal(res.status, 200);
    const text = await res.text();
    const rows = parseCsv(text);
    assert.equal(rows[0][0], "id");
    assert.deepEqual(rows.slice(1).map((r) => r[0]), ["a2", "a1"]);
    assert.equal(rows[1][4], "'+15559870000", "a leading + is defused like every export");
    const audit = await h.services.store.db.selectFrom("audit_events").selectAll()
      .where("action", "=", "recording.search_export").executeTakeFirstOrThrow();
    const details = JSON.parse(audit.details);
    assert.equal(details.rows, 2);
    assert.equal(details.filter.bu, "sales");
    assert.match(details.sha256, /^[0-9a-f]{64}$/);
    const bad = await h.req("/recordings/results.csv?to=2026-02-30", { client: c });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    await h.user("sup", "supervisor");
    const sup = await h.signIn("sup");
    const supCsv = await h.req("/recordings/results.csv", { client: sup });
    assert.equal(supCsv.status, 200, "supervisors export recordings, so the page too");
    await supCsv.body?.cancel();
  },
});

Deno.test({
  ...T,
  name: "saved searches are per user, validated, and audited on save and delete",
  async fn() {
    const { h, c } = await seeded();
    await using _ = h;
    const save = await h.req("/recordings/saved", {
      client: c,
      form: { name: "Sales calls", query: "bu=sales&after=zzz&sort=duration&junk=1" },
    });
    assert.equal(save.status, 303);
    assert.equal(save.headers.get("Location"), "/recordings?bu=sales&sort=duration");
    const page = await (await h.req("/recordings", { client: c })).text();
    assert.match(page, /<a href="\/recordings\?bu=sales&amp;sort=duration">Sales calls<\/a>/);
    const bad = await h.req("/recordings/saved", {
      client: c,
      form: { name: "Broken", query: "from=2026-13-45" },
    });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    await h.user("other", "supervisor");
    const other = await h.signIn("other");
    const theirs = await (await h.req("/recordings", { client: other })).text();
    assert.doesNotMatch(theirs, /Sales calls/);
    const row = await h.services.store.db.selectFrom("saved_searches").select("id")
      .executeTakeFirstOrThrow();
    const stolen = await h.req(`/recordings/saved/${row.id}/delete`, { client: other, form: {} });
    assert.equal(stolen.status, 404);
    await stolen.body?.cancel();
    const del = await h.req(`/recordings/saved/${row.id}/delete`, { client: c, form: {} });
    assert.equal(del.status, 303);
    const actions = (await h.services.store.db.selectFrom("audit_events").select("action")
      .where("action", "like", "search.%").orderBy("seq").execute()).map((a) => a.action);
    assert.deepEqual(actions, ["search.save", "search.delete"]);
  },
});
