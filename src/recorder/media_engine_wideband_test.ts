/**
 * A 16 kHz recording through the real capture and encoder workers over real UDP: a G.722
 * leg (ffmpeg's encoder) and a G.711 leg resampled up, a WAV file (16-bit PCM at 16 kHz),
 * and an encoder that lags on purpose so the batches spill to the journal at 16 kHz and
 * are replayed in order: the file keeps the 6 kHz tone, the other leg's tone, and the
 * call's whole length.
 */
import assert from "node:assert/strict";
import { startTestEngine } from "./media_engine_test_util.ts";
import { parseWav } from "../codec/wav.ts";
import { decodeFile } from "../codec/decode_file.ts";
import { dominantTone, rms } from "../../tests/helpers/audio.ts";
import { rtpRange } from "../../tests/helpers/ports.ts";
import { g722Leg, pcmuLeg, sendLeg } from "../../tests/helpers/codec_legs.ts";
import type { CaptureStream } from "./media_protocol.ts";

Deno.test({
  name: "MediaEngine records G.722 + G.711 legs to a 16 kHz PCM WAV, through a 16 kHz journal",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/wide.wav`;
    await using engine = await startTestEngine();
    const [lo] = rtpRange(10).split("-").map(Number);
    const streams: CaptureStream[] = [
      { key: "1", port: lo, channel: 0, codecs: [[9, { name: "G722", clockRate: 8000 }]] },
      { key: "2", port: lo + 2, channel: 1, codecs: [[0, { name: "PCMU", clockRate: 8000 }]] },
    ];
    await engine.open("wide", streams, {
      path,
      format: "wav",
      sampleRate: 16000,
      complexity: 0,
      bitrate: 32000,
      silenceGateDbfs: null,
      pageIntervalMs: 1000,
      syncIntervalMs: 2000,
      comments: [],
      // 250 ms batches taking 400 ms each: the encoder runs at 0.6× real time.
      testEncodeDelayMs: 400,
    }, { backlog: { highMs: 1000, lowMs: 250 } });
    let journalSeen = 0;
    const watcher = setInterval(() => {
      try {
        Deno.statSync(`${path}.journal`);
        journalSeen++;
      } catch { /* not spilling now */ }
    }, 100);
    const socks = [0, 1].map(() =>
      Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" })
    );
    const t0 = performance.now() + 20;
    await Promise.all([
      sendLeg(socks[0], await g722Leg([{ hz: 6000, ms: 4000 }]), {
        port: lo,
        pt: 9,
        ssrc: 1,
        t0,
      }),
      sendLeg(socks[1], pcmuLeg([{ hz: 440, ms: 4000 }]), { port: lo + 2, pt: 0, ssrc: 2, t0 }),
    ]);
    clearInterval(watcher);
    for (const s of socks) s.close();
    assert.ok(journalSeen > 0, "a journal existed during the call");
    const closed = await engine.close("wide");
    assert.ok(closed.file.ok, JSON.stringify(closed.file));
    if (!closed.file.ok) return;
    assert.equal(closed.report.sampleRate, 16000);
    assert.ok(closed.report.backlog.spills >= 1, "the encoder lagged and the capture spilled");
    assert.deepEqual(closed.report.streams["1"].codecs, ["G722"]);
    assert.ok(Math.abs(closed.file.durationMs - 4000) <= 60, `duration ${closed.file.durationMs}`);
    await assert.rejects(Deno.stat(`${path}.journal`), Deno.errors.NotFound);

    const wav = parseWav(await Deno.readFile(closed.file.path));
    assert.deepEqual([wav.format, wav.channels, wav.sampleRate], ["pcm16", 2, 16000]);
    const pcm = await decodeFile(closed.file.path, "wav");
    const [l, r] = pcm.channels, hz = pcm.sampleRate;
    const mid = (ch: Float32Array) => ch.subarray(Math.round(0.3 * hz), Math.round(3.7 * hz));
    assert.equal(dominantTone(mid(l), hz, 6000, 440), 6000);
    assert.ok(rms(mid(l)) > 0.12, `the 6 kHz tone is kept at RMS ${rms(mid(l))}`);
    assert.equal(dominantTone(mid(r), hz, 6000, 440), 440);
    await Deno.remove(dir, { recursive: true });
  },
});
