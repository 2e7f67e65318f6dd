/**
 * The encoder falls behind on purpose (FileSpec.testEncodeDelayMs): the capture worker
 * spills to the journal, replays it when the encoder catches up, and the final file
 * still holds the whole call in timeline order, with the journal removed at the end.
 */
import assert from "node:assert/strict";
import type { EncoderBacklog } from "./media_engine.ts";
import { decodeOggOpus } from "../codec/opus_decode.ts";
import { sendToneLeg, tonePower } from "../../tests/helpers/audio.ts";
import { opusSpec, pcmuStreams, startTestEngine } from "./media_engine_test_util.ts";

const SECONDS = 8;
// A different tone each second on each channel: any reordering or loss of a span shows.
const LEFT = Array.from({ length: SECONDS }, (_, s) => 300 + 100 * s);
const RIGHT = Array.from({ length: SECONDS }, (_, s) => 1200 + 100 * s);
const ALL = [...LEFT, ...RIGHT];

function loudestTone(ch: Float32Array, fromS: number, toS: number): number {
  const span = ch.subarray(Math.round(fromS * 48000), Math.round(toS * 48000));
  let best = 0, bestPower = -1;
  for (const hz of ALL) {
    const p = tonePower(span, 48000, hz);
    if (p > bestPower) [best, bestPower] = [hz, p];
  }
  return best;
}

Deno.test({
  name: "MediaEngine spills to a journal when the encoder lags and keeps the whole call in order",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/slow.ogg`;
    await using engine = await startTestEngine();
    const { lo, streams } = pcmuStreams();
    await engine.open(
      "slow",
      streams,
      // 250 ms batches taking 400 ms each: the encoder runs at 0.6× real time.
      opusSpec(path, { testEncodeDelayMs: 400 }),
      { backlog: { highMs: 1000, lowMs: 250 } },
    );
    let journalSeen = 0;
    const watcher = setInterval(() => {
      try {
        Deno.statSync(`${path}.journal`);
        journalSeen++;
      } catch { /* not spilling now */ }
    }, 100);
    const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const durationMs = SECONDS * 1000;
    await Promise.all([
      sendToneLeg(a, { hz: 0, hzPerSecond: LEFT, port: lo, durationMs }),
      sendToneLeg(b, { hz: 0, hzPerSecond: RIGHT, port: lo + 2, durationMs }),
    ]);
    clearInterval(watcher);
    a.close();
    b.close();
    assert.ok(journalSeen > 0, "a journal existed during the call");

    const closed = await engine.close("slow");
    assert.ok(closed.file.ok, JSON.stringify(closed.file));
    if (!closed.file.ok) return;
    const { backlog } = closed.report;
    assert.ok(backlog.spills >= 1, `spill episodes ${backlog.spills}`);
    assert.ok(backlog.maxMs > 1000, `largest backlog ${backlog.maxMs} ms`);
    assert.equal(closed.report.streams["1"].lost + closed.report.streams["2"].lost, 0);
    assert.ok(
      Math.abs(closed.file.durationMs - durationMs) <= 60,
      `duration ${closed.file.durationMs} ms`,
    );

    // The encoder removed the journal once the file was finished and synced.
    await assert.rejects(Deno.stat(`${path}.journal`), Deno.errors.NotFound);
    // The engine reports the episode, then an empty backlog.
    const settled = await new Promise<EncoderBacklog>((resolve) => {
      engine.onBacklog = ([e]) => {
        if (e.journals === 0 && e.queuedSeconds === 0 && e.journaledSeconds === 0) resolve(e);
      };
    });
    assert.ok(settled.spills >= 1);
    assert.equal(settled.journalErrors, 0);
    assert.deepEqual(engine.backlog(), [settled]);

    const decoded = await decodeOggOpus(await Deno.readFile(closed.file.path));
    const [left, right] = decoded.channelData;
    for (let s = 0; s < SECONDS; s++) {
      const [from, to] = [s + 0.15, s + 0.85];
      assert.equal(loudestTone(left, from, to), LEFT[s], `left channel, second ${s}`);
      assert.equal(loudestTone(right, from, to), RIGHT[s], `right channel, second ${s}`);
    }
    await Deno.remove(dir, { recursive: true });
  },
});
