/**
 * Issue 19 defect 8: only ranges starting `bytes=0-` were audited as a play, so
 * `bytes=-100000000`, `bytes=00-` and `bytes=1-` fetched the file with no row. Every
 * audio response that returns bytes is audited, whatever its Range; further requests of
 * the same session for the same recording within 5 minutes share that row.
 */
import assert from "node:assert/strict";
import { type Client, Harness } from "./harness.ts";
import { PLAY_AUDIT_WINDOW_MS } from "../../web/media/play_audit.ts";

const T = { sanitizeResources: true, sanitizeOps: true };

async function plays(h: Harness): Promise<Record<string, unknown>[]> {
  return (await h.services.store.db.selectFrom("audit_events").selectAll()
    .where("action", "=", "recording.play").orderBy("seq").execute()).map((r) => ({
      ...r,
      details: JSON.parse(r.details),
    }));
}

async function fetchAudio(h: Harness, client: Client, range?: string, method = "GET") {
  const res = await h.req("/recordings/r1/audio", {
    client,
    method,
    headers: range === undefined ? {} : { Range: range },
  });
  const body = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, body };
}

Deno.test({
  ...T,
  name: "every Range form that returns bytes is audited as recording.play",
  async fn(t) {
    await using h = await Harness.create();
    const { bytes } = await h.recording("r1");
    await h.user("sup", "supervisor", { orgUnitId: h.orgRoot });
    const forms: [string | undefined, number, number][] = [
      ["bytes=0-", 206, bytes.length],
      ["bytes=00-", 206, bytes.length],
      ["bytes=1-", 206, bytes.length - 1],
      ["bytes=-100000000", 206, bytes.length],
      ["bytes=0-99999999", 206, bytes.length],
      ["bytes=5-9", 206, 5],
      ["items=0-", 200, bytes.length],
      [undefined, 200, bytes.length],
    ];
    for (const [range, status, length] of forms) {
      await t.step(`Range: ${range ?? "(none)"}`, async () => {
        const client = await h.signIn("sup"); // a new session: no play row yet
        const before = (await plays(h)).length;
        const res = await fetchAudio(h, client, range);
        assert.equal(res.status, status);
        assert.equal(res.body.length, length);
        const rows = (await plays(h)).slice(before);
        assert.equal(rows.length, 1, `rows for ${range}`);
        assert.equal(rows[0].recording_id, "r1");
        assert.equal(rows[0].actor_name, "sup");
        const details = rows[0].details as Record<string, unknown>;
        assert.equal(details.range, range ?? null);
        assert.match(String(details.served), new RegExp(`^bytes \\d+-\\d+/${bytes.length}$`));
      });
    }
  },
});

Deno.test({
  ...T,
  name: "a session's further ranges share its play row for 5 minutes; HEAD and 416 add none",
  async fn() {
    await using h = await Harness.create();
    const { bytes } = await h.recording("r1");
    await h.user("sup", "supervisor", { orgUnitId: h.orgRoot });
    const client = await h.signIn("sup");
    assert.equal((await fetchAudio(h, client, `bytes=${bytes.length}-`)).status, 416);
    assert.equal((await fetchAudio(h, client, undefined, "HEAD")).status, 200);
    assert.equal((await plays(h)).length, 0, "no bytes returned, no play");
    // A player's parallel first requests audit once.
    await Promise.all([fetchAudio(h, client, "bytes=0-"), fetchAudio(h, client, "bytes=100-")]);
    assert.equal((await plays(h)).length, 1);
    await fetchAudio(h, client, "bytes=-100000000");
    assert.equal((await plays(h)).length, 1, "a seek within the window");
    const other = await h.signIn("admin");
    await fetchAudio(h, other, "bytes=1-");
    assert.equal((await plays(h)).length, 2, "another user's session has its own row");
    h.clock += PLAY_AUDIT_WINDOW_MS;
    await fetchAudio(h, client, "bytes=1-");
    assert.equal((await plays(h)).length, 3, "the same session after the window");
  },
});
