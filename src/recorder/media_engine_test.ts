/**
 * The media workers end to end on real UDP sockets: two paced PCMU tone legs with
 * impairments in, a stereo Ogg Opus file out, decoded and checked per channel.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../codec/opus_decode.ts";
import { dominantTone, rms, sendToneLeg } from "../../tests/helpers/audio.ts";
import { opusSpec, pcmuStreams, startTestEngine } from "./media_engine_test_util.ts";

Deno.test({
  name: "MediaEngine records two impaired legs into a synced stereo Ogg Opus file",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    await using engine = await startTestEngine();
    const { lo, streams } = pcmuStreams();
    const media: string[] = [];
    engine.onMedia = (_rec, key) => media.push(key);
    await engine.open("r1", streams, opusSpec(`${dir}/r1.ogg`, { comments: ["CALLID=test"] }));
    const a = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const b = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const partialSizes: number[] = [];
    const watcher = setInterval(() => {
      try {
        partialSizes.push(Deno.statSync(`${dir}/r1.ogg.partial`).size);
      } catch { /* not yet created */ }
    }, 500);
    await Promise.all([
      sendToneLeg(a, {
        hz: 440,
        port: lo,
        durationMs: 5000,
        lossEvery: 20,
        reorderEvery: 7,
        duplicateEvery: 11,
      }),
      sendToneLeg(b, {
        hz: 880,
        port: lo + 2,
        durationMs: 2000,
        startDelayMs: 3000,
        ssrcChangeAt: 50,
      }),
    ]);
    clearInterval(watcher);
    a.close();
    b.close();
    // Crash safety: audio reached the .partial file while the call was running.
    assert.ok(partialSizes.length >= 5, "the .partial file existed during the call");
    assert.ok(
      partialSizes[partialSizes.length - 1] > partialSizes[1] + 4000,
      `the .partial grew during the call: ${partialSizes}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    const closed = await engine.close("r1");
    assert.ok(closed.file.ok, JSON.stringify(closed.file));
    if (!closed.file.ok) return;
    assert.match(closed.file.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(media.sort(), ["1", "2"]);
    const s1 = closed.report.streams["1"], s2 = closed.report.streams["2"];
    // Every 20th of 250 dropped: 12, all inside the stream.
    assert.equal(s1.lost, 12);
    assert.ok(s1.duplicated >= 15);
    assert.ok(s1.reordered >= 20);
    assert.equal(s2.ssrcChanges, 1);
    assert.equal(closed.report.backlog.spills, 0, "an encoder keeping up never spills");
    assert.ok(Math.abs(closed.file.durationMs - 5000) <= 60, `duration ${closed.file.durationMs}`);

    const decoded = await decodeOggOpus(await Deno.readFile(closed.file.path));
    assert.equal(decoded.channels, 2);
    const [left, right] = decoded.channelData;
    const sec = (ch: Float32Array, from: number, to: number) =>
      ch.subarray(from * 48000, to * 48000);
    assert.equal(
      dominantTone(sec(left, 0.5, 4.5), 48000, 440, 880),
      440,
      "customer tone on the left",
    );
    assert.equal(
      dominantTone(sec(right, 3.3, 4.7), 48000, 440, 880),
      880,
      "agent tone on the right",
    );
    assert.ok(rms(sec(right, 0.2, 2.7)) < 0.01, "agent silent before its late start");
    // Sync: the agent, starting 3 s late, lands at 3 s on the recording clock.
    const onset = right.findIndex((v) => Math.abs(v) > 0.05) / 48;
    assert.ok(Math.abs(onset - 3000) < 60, `agent onset at ${onset} ms`);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "MediaEngine raises the capture thread to recorder.captureNice where allowed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { MediaEngine } = await import("./media_engine.ts");
    const nices = () =>
      [...Deno.readDirSync("/proc/self/task")].map((t) => {
        const stat = Deno.readTextFileSync(`/proc/self/task/${t.name}/stat`);
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
      });
    await using engine = await MediaEngine.start({
      listen: "127.0.0.1",
      depthMs: 100,
      encoders: 1,
      captureNice: -5,
    });
    if (Deno.uid() === 0) {
      assert.equal(engine.capturePriority, "nice -5");
      assert.equal(nices().filter((n) => n === -5).length, 1, "one thread at -5: capture");
      assert.equal(engine.encoderPriority, "nice 10");
    } else {
      // Without CAP_SYS_NICE or RLIMIT_NICE the thread stays, and the reason is given.
      assert.match(engine.capturePriority, /^normal \(setpriority.*LimitNICE=-5/);
    }
    // libssl3 is a dependency: the capture thread decrypts AES-CM SRTP with OpenSSL.
    assert.match(engine.srtpCrypto, /^OpenSSL 3\./);
    await using plain = await MediaEngine.start({ listen: "127.0.0.1", depthMs: 100, encoders: 1 });
    assert.match(plain.capturePriority, /^normal \(recorder\.captureNice is 0\)/);
  },
});
