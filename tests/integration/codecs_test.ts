/**
 * Issue 14 against the real `selrec serve` process, media over real UDP, audio encoded by
 * encoders that are not ours (ffmpeg's G.722 and libopus, libbcg729's reference G.729):
 * a G.722 call keeps its 6 kHz tone (wideband recording), a G.729 leg with loss and SID
 * frames, a wideband Opus leg, a G.711 + G.722 call with the right tone per channel and
 * the legs in sync within 20 ms, and a re-INVITE from G.711 to G.722 that keeps one
 * recording at its first rate with no gap and the right duration.
 */
import assert from "node:assert/strict";
import { decodeBytes } from "../../src/codec/decode_file.ts";
import { loadBcg729Encoder } from "../../src/codec/g729_test_util.ts";
import { dominantTone, rms } from "../helpers/audio.ts";
import { recordEverythingRules, ROOT, startServer, type TestServer } from "../helpers/server.ts";
import { query, waitFor } from "../helpers/db.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";
import { ForkCall, type LegOffer } from "../helpers/fork_call.ts";
import {
  g722Leg,
  g729Leg,
  type LegPacket,
  opusLeg,
  pcmuLeg,
  sendLeg,
} from "../helpers/codec_legs.ts";

// The reference encoder's library stays open for the process (before the sanitizers look).
loadBcg729Encoder();

const PCMU: LegOffer = { formats: "0 101", attributes: ["a=rtpmap:101 telephone-event/8000"] };
const G722: LegOffer = { formats: "9", attributes: ["a=rtpmap:9 G722/8000"] };
const G729: LegOffer = {
  formats: "18",
  attributes: ["a=rtpmap:18 G729/8000", "a=fmtp:18 annexb=yes"],
};
const OPUS_WB: LegOffer = {
  formats: "111",
  attributes: [
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 maxplaybackrate=16000;sprop-maxcapturerate=16000",
  ],
};

interface Rec {
  id: string;
  state: string;
  path: string;
  format: "opus" | "wav";
  duration_ms: number;
  sample_rate: number;
}
interface StreamRow {
  label: string;
  codec: string;
  received_codecs: string | null;
  stats: string;
}

/** The finished recordings of a call, with their streams. */
async function finished(server: TestServer, callId: string) {
  const db = `${server.dataDir}/selrec.db`;
  const recs = await waitFor("the finished recording", () => {
    const rows = query<Rec>(
      db,
      `SELECT r.id, r.state, r.path, r.format, r.duration_ms, r.sample_rate FROM recordings r
       JOIN calls c ON c.id = r.call_id WHERE c.sip_call_id = ?`,
      callId,
    );
    return rows.length && rows.every((r) => r.state !== "recording") ? rows : null;
  }, 15_000);
  const streams = query<StreamRow>(
    db,
    "SELECT label, codec, received_codecs, stats FROM streams WHERE recording_id = ? ORDER BY label",
    recs[0].id,
  );
  const file = `${server.dataDir}/recordings/${recs[0].path}`;
  const pcm = await decodeBytes(await recordingPlaintext(file, server.dataDir), recs[0].format);
  return { recs, rec: recs[0], streams, pcm };
}

/** Samples of `ch` between two times (ms) at the decoder's rate. */
function span(ch: Float32Array, rate: number, fromMs: number, toMs: number): Float32Array {
  return ch.subarray(Math.round((fromMs * rate) / 1000), Math.round((toMs * rate) / 1000));
}

/** Index of the first sample louder than `level`. */
function onset(ch: Float32Array, level: number): number {
  return ch.findIndex((v) => Math.abs(v) > level);
}

/** Longest run of near-silent samples in [from, to). */
function longestQuiet(x: Float32Array, from: number, to: number): number {
  let run = 0, longest = 0;
  for (let i = Math.max(0, from); i < Math.min(x.length, to); i++) {
    run = Math.abs(x[i]) < 0.01 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** One call: offer, send each leg from the same start, BYE; returns what was sent. */
async function call(
  server: TestServer,
  offers: LegOffer[],
  legs: { packets: LegPacket[]; pt: number; drop?: (i: number) => boolean }[],
): Promise<{ callId: string; sent: number[] }> {
  const c = new ForkCall(server.sipPort);
  try {
    const answer = await c.offer(offers);
    assert.equal(answer.status, 200, answer.text);
    const t0 = performance.now() + 20;
    const sent = await Promise.all(legs.map((l, i) =>
      sendLeg(c.legs[i], l.packets, {
        port: answer.ports[i],
        pt: l.pt,
        ssrc: 0x2000 + i,
        t0,
        drop: l.drop,
      })
    ));
    await new Promise((r) => setTimeout(r, 300));
    await c.bye();
    return { callId: c.callId, sent: sent.map((s) => s.sent) };
  } finally {
    await c.close();
  }
}

Deno.test({
  name: "codecs: G.722, G.729, wideband Opus and mixed legs are recorded at the call's own rate",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn(t) {
    const rules = await recordEverythingRules();
    await using server = await startServer({ env: { SELREC_RULES_DIR: rules } });
    try {
      await t.step("a G.722 call keeps its 1 kHz and 6 kHz tones (16 kHz recording)", async () => {
        const { callId } = await call(server, [G722, G722], [
          { packets: await g722Leg([{ hz: 1000, ms: 1500 }, { hz: 6000, ms: 1500 }]), pt: 9 },
          { packets: await g722Leg([{ hz: 6000, ms: 1500 }, { hz: 1000, ms: 1500 }]), pt: 9 },
        ]);
        const { rec, streams, pcm } = await finished(server, callId);
        assert.equal(rec.sample_rate, 16000);
        assert.equal(pcm.nativeRate, 16000, "OpusHead input_sample_rate");
        assert.deepEqual(streams.map((s) => [s.codec, s.received_codecs]), [
          ["G722", "G722"],
          ["G722", "G722"],
        ]);
        assert.ok(Math.abs(rec.duration_ms - 3000) <= 60, `duration ${rec.duration_ms}`);
        const [l, r] = pcm.channels, hz = pcm.sampleRate;
        assert.equal(dominantTone(span(l, hz, 300, 1300), hz, 1000, 6000), 1000);
        assert.equal(dominantTone(span(l, hz, 1800, 2800), hz, 1000, 6000), 6000);
        assert.equal(dominantTone(span(r, hz, 300, 1300), hz, 1000, 6000), 6000);
        assert.equal(dominantTone(span(r, hz, 1800, 2800), hz, 1000, 6000), 1000);
        // 8000/32768 full scale: a sine of RMS 0.17; narrowband would leave nothing at 6 kHz.
        const level = rms(span(l, hz, 1800, 2800));
        assert.ok(level > 0.1, `6 kHz tone at RMS ${level}`);
      });

      await t.step("a G.729 leg with 10 % loss and SID frames is decoded (8 kHz)", async () => {
        const g729 = g729Leg([
          { hz: 700, ms: 1500 },
          { hz: -1, ms: 1000, amplitude: 60 },
          { hz: 700, ms: 1500 },
        ], true);
        const sids = g729.filter((p) => p.payload.length % 10 === 2).length;
        assert.ok(sids >= 1, "the reference encoder sent SID frames");
        const { callId, sent } = await call(server, [G729, PCMU], [
          { packets: g729, pt: 18, drop: (i) => i % 10 === 5 },
          { packets: pcmuLeg([{ hz: 440, ms: 4000 }]), pt: 0 },
        ]);
        assert.ok(sent[0] < g729.length);
        const { rec, streams, pcm } = await finished(server, callId);
        assert.equal(rec.sample_rate, 8000);
        assert.equal(pcm.nativeRate, 8000);
        assert.ok(Math.abs(rec.duration_ms - 4000) <= 60, `duration ${rec.duration_ms}`);
        const st = JSON.parse(streams[0].stats);
        assert.equal(streams[0].received_codecs, "G729");
        assert.ok(st.lost > 0, `lost ${st.lost}`);
        assert.equal(st.undecodable, 0);
        assert.ok(st.concealedSamples >= 80 * 10, `concealed ${st.concealedSamples}`);
        const [l, r] = pcm.channels, hz = pcm.sampleRate;
        assert.equal(dominantTone(span(l, hz, 200, 1400), hz, 700, 440), 700);
        assert.equal(dominantTone(span(l, hz, 2700, 3900), hz, 700, 440), 700);
        assert.equal(dominantTone(span(r, hz, 200, 3900), hz, 700, 440), 440);
        // Concealment fills the lost packets: no 20 ms hole in the tone.
        const q = longestQuiet(l, Math.round(0.2 * hz), Math.round(1.4 * hz));
        assert.ok(q < 0.01 * hz, `quiet run of ${q} samples in the G.729 tone`);
      });

      await t.step("a wideband Opus leg keeps 6 kHz beside a G.711 leg (16 kHz)", async () => {
        const { callId } = await call(server, [OPUS_WB, PCMU], [
          { packets: await opusLeg([{ hz: 6000, ms: 3000 }]), pt: 111 },
          { packets: pcmuLeg([{ hz: 440, ms: 3000 }]), pt: 0 },
        ]);
        const { rec, streams, pcm } = await finished(server, callId);
        assert.equal(rec.sample_rate, 16000);
        assert.deepEqual(streams.map((s) => s.received_codecs), ["opus", "PCMU"]);
        const [l, r] = pcm.channels, hz = pcm.sampleRate;
        assert.equal(dominantTone(span(l, hz, 300, 2700), hz, 6000, 440), 6000);
        assert.ok(rms(span(l, hz, 300, 2700)) > 0.1, "the 6 kHz tone is kept");
        assert.equal(dominantTone(span(r, hz, 300, 2700), hz, 6000, 440), 440);
      });

      await t.step(
        "G.711 and G.722 legs: right tone per channel, in sync within 20 ms",
        async () => {
          const { callId } = await call(server, [PCMU, G722], [
            { packets: pcmuLeg([{ hz: 0, ms: 1000 }, { hz: 1000, ms: 2000 }]), pt: 0 },
            { packets: await g722Leg([{ hz: 0, ms: 1000 }, { hz: 6000, ms: 2000 }]), pt: 9 },
          ]);
          const { rec, pcm } = await finished(server, callId);
          assert.equal(rec.sample_rate, 16000);
          const [l, r] = pcm.channels, hz = pcm.sampleRate;
          assert.equal(dominantTone(span(l, hz, 1300, 2700), hz, 1000, 6000), 1000);
          assert.equal(dominantTone(span(r, hz, 1300, 2700), hz, 1000, 6000), 6000);
          const skew = Math.abs(onset(l, 0.05) - onset(r, 0.05)) / hz * 1000;
          assert.ok(onset(l, 0.05) > 0 && onset(r, 0.05) > 0);
          assert.ok(skew < 20, `legs ${skew.toFixed(1)} ms apart`);
        },
      );

      await t.step(
        "a re-INVITE from G.711 to G.722 keeps one recording, its rate, no gap",
        async () => {
          const c = new ForkCall(server.sipPort);
          let reinviteMs = 0;
          try {
            const first = await c.offer([PCMU, PCMU]);
            assert.equal(first.status, 200);
            // One 20 ms grid per leg on one SSRC, sequence and clock: G.711 up to packet
            // 100 (2 s), then G.722 from a fresh encoder (as an SBC switches), once the
            // re-INVITE sent at 1 s is answered.
            const tones = [1000, 440], at = 100;
            const pcmu = tones.map((hz) => pcmuLeg([{ hz, ms: 4000 }]));
            const g722 = await Promise.all(tones.map((hz) => g722Leg([{ hz, ms: 2000 }])));
            let switched = false;
            const t0 = performance.now() + 20;
            const sending = Promise.all(tones.map((_, leg) =>
              sendLeg(c.legs[leg], pcmu[leg], {
                port: first.ports[leg],
                pt: 0,
                ssrc: 0x3000 + leg,
                t0,
                packet: (i) => {
                  if (i < at) return null;
                  assert.ok(switched, "the re-INVITE was answered within a second");
                  return { pt: 9, payload: g722[leg][i - at].payload };
                },
              })
            ));
            await new Promise((r) => setTimeout(r, 1000));
            const g722First = { formats: "9 0", attributes: ["a=rtpmap:9 G722/8000"] };
            const asked = performance.now();
            const second = await c.offer([g722First, g722First]);
            reinviteMs = performance.now() - asked;
            switched = true;
            assert.equal(second.status, 200, second.text);
            assert.match(second.text, /^m=audio \d+ RTP\/AVP 9 0\r?$/m);
            assert.deepEqual(second.ports, first.ports, "same ports after the re-INVITE");
            await sending;
            await new Promise((r) => setTimeout(r, 300));
            await c.bye();
          } finally {
            await c.close();
          }
          const { recs, rec, streams, pcm } = await finished(server, c.callId);
          assert.equal(recs.length, 1, "one recording");
          assert.equal(rec.sample_rate, 8000, "the rate the recording started at");
          assert.deepEqual(streams.map((s) => s.received_codecs), ["PCMU,G722", "PCMU,G722"]);
          for (const s of streams) assert.equal(JSON.parse(s.stats).unknownPayload, 0, s.stats);
          assert.ok(
            Math.abs(rec.duration_ms - 4000) <= 60,
            `duration ${rec.duration_ms} (re-INVITE answered in ${reinviteMs.toFixed(0)} ms)`,
          );
          const [l, r] = pcm.channels, hz = pcm.sampleRate;
          for (const [from, to] of [[200, 1400], [2600, 3800]]) {
            assert.equal(dominantTone(span(l, hz, from, to), hz, 1000, 440), 1000);
            assert.equal(dominantTone(span(r, hz, from, to), hz, 1000, 440), 440);
          }
          for (const ch of [l, r]) {
            const q = longestQuiet(ch, Math.round(0.2 * hz), Math.round(3.8 * hz));
            assert.ok(q < 0.01 * hz, `a ${(q / hz * 1000).toFixed(1)} ms hole in the call`);
          }
          // `recordings show` names the rate and both codecs each stream carried.
          const show = await new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", `${ROOT}main.ts`, "recordings", "show", rec.id],
            env: { SELREC_DATA_DIR: server.dataDir, NO_COLOR: "1" },
            stdout: "piped",
            stderr: "piped",
          }).output();
          const text = new TextDecoder().decode(show.stdout);
          assert.equal(show.code, 0, new TextDecoder().decode(show.stderr));
          assert.match(text, /^ {2}audio {6}opus at 8000 Hz$/m);
          assert.match(text, /^ {2}label 1 PCMU \(sent PCMU,G722\) port /m);
        },
      );
    } finally {
      await Deno.remove(rules, { recursive: true });
    }
  },
});
