/**
 * The media engine with encryption at rest (FileSpec.seal) and a lagging encoder: the
 * recording and its spill journal are sealed on disk, the journal's spans are replayed
 * through its key, and the decrypted file holds the whole call in order.
 */
import assert from "node:assert/strict";
import { MediaEngine } from "./media_engine.ts";
import { opusSpec } from "./media_engine_test_util.ts";
import { decodeOggOpus } from "../codec/opus_decode.ts";
import { isSealed } from "../seal/sealed_format.ts";
import { openSealedFile } from "../seal/sealed_reader.ts";
import { sendToneLeg, tonePower } from "../../tests/helpers/audio.ts";
import { rtpRange } from "../../tests/helpers/ports.ts";

const SECONDS = 6;
const LEFT = Array.from({ length: SECONDS }, (_, s) => 300 + 100 * s);
const RIGHT = Array.from({ length: SECONDS }, (_, s) => 1200 + 100 * s);

function loudestTone(ch: Float32Array, fromS: number, toS: number): number {
  const span = ch.subarray(Math.round(fromS * 48000), Math.round(toS * 48000));
  let best = 0, bestPower = -1;
  for (const hz of [...LEFT, ...RIGHT]) {
    const p = tonePower(span, 48000, hz);
    if (p > bestPower) [best, bestPower] = [hz, p];
  }
  return best;
}

Deno.test({
  name: "MediaEngine seals the recording and its spill journal, and replays the sealed journal",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/sealed.ogg`;
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    await using engine = await MediaEngine.start({
      listen: "127.0.0.1",
      depthMs: 100,
      encoders: 1,
    });
    const [lo] = rtpRange(10).split("-").map(Number);
    const PCMU: [number, { name: "PCMU"; clockRate: number }][] = [[0, {
      name: "PCMU",
      clockRate: 8000,
    }]];
    await engine.open(
      "sealed",
      [
        { key: "1", port: lo, channel: 0, codecs: PCMU },
        { key: "2", port: lo + 2, channel: 1, codecs: PCMU },
      ],
      opusSpec(path, {
        testEncodeDelayMs: 400,
        seal: {
          keyId: "kek-test",
          wrappedKey: new Uint8Array(60),
          dataKey,
          chunkBytes: 65536,
          syncIntervalMs: 500,
        },
      }),
      { backlog: { highMs: 1000, lowMs: 250 } },
    );
    let journalSealed = 0, partialPlain = 0;
    const watcher = setInterval(() => {
      for (const [file, count] of [[`${path}.journal`, 1], [`${path}.partial`, 0]] as const) {
        try {
          const head = Deno.readFileSync(file).subarray(0, 8);
          if (head.length < 8) continue;
          if (count && isSealed(head)) journalSealed++;
          if (!count && !isSealed(head)) partialPlain++;
        } catch { /* not there now */ }
      }
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
    assert.ok(journalSealed > 0, "a sealed journal existed during the call");
    assert.equal(partialPlain, 0, "the .partial was sealed from its first byte");

    const closed = await engine.close("sealed");
    assert.ok(closed.file.ok, JSON.stringify(closed.file));
    if (!closed.file.ok) return;
    assert.ok(closed.report.backlog.spills >= 1);
    assert.ok(Math.abs(closed.file.durationMs - durationMs) <= 60, `${closed.file.durationMs} ms`);
    await assert.rejects(Deno.stat(`${path}.journal`), Deno.errors.NotFound);
    assert.deepEqual(engine.backlog()[0].journalErrors, 0);

    using r = await openSealedFile(closed.file.path, () => Promise.resolve(dataKey));
    const decoded = await decodeOggOpus(await r.readRange(0, r.plaintextSize));
    const [left, right] = decoded.channelData;
    for (let s = 0; s < SECONDS; s++) {
      assert.equal(loudestTone(left, s + 0.15, s + 0.85), LEFT[s], `left channel, second ${s}`);
      assert.equal(loudestTone(right, s + 0.15, s + 0.85), RIGHT[s], `right, second ${s}`);
    }
    await Deno.remove(dir, { recursive: true });
  },
});
