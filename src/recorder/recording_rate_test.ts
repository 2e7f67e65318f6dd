import assert from "node:assert/strict";
import { parseFmtp, recordingRate, streamRate } from "./recording_rate.ts";
import type { SessionStream } from "./session.ts";

type Codecs = SessionStream["codecs"];
const pcmu: Codecs = [{ pt: 0, name: "PCMU", clockRate: 8000 }];
const g729: Codecs = [{ pt: 18, name: "G729", clockRate: 8000, fmtp: "annexb=yes" }];
const g722: Codecs = [{ pt: 9, name: "G722", clockRate: 8000 }];
const opus = (fmtp: string | null): Codecs => [{ pt: 111, name: "opus", clockRate: 48000, fmtp }];
const leg = (codecs: Codecs, port = 20000) => ({ codecs, port });

Deno.test("parseFmtp() reads k=v pairs with names lower-cased and skips junk", () => {
  assert.deepEqual(parseFmtp("maxplaybackrate=16000; Sprop-MaxCaptureRate=24000;;x"), {
    maxplaybackrate: "16000",
    "sprop-maxcapturerate": "24000",
  });
  assert.deepEqual(parseFmtp(null), {});
});

Deno.test("streamRate() is the first audio codec's rate (the SRC's preference)", () => {
  assert.equal(streamRate(pcmu), 8000);
  assert.equal(streamRate(g729), 8000);
  assert.equal(streamRate(g722), 16000);
  assert.equal(streamRate([{ pt: 101, name: "telephone-event", clockRate: 8000 }, ...g722]), 16000);
  assert.equal(streamRate([...pcmu, ...g722]), 8000, "G.722 second: PCMU is what is sent");
  assert.equal(streamRate(opus(null)), 48000);
  assert.equal(streamRate(opus("maxplaybackrate=16000")), 16000);
  assert.equal(streamRate([{ pt: 101, name: "telephone-event", clockRate: 8000 }]), null);
});

Deno.test("recordingRate() takes the widest leg, capped by recorder.maxSampleRate", () => {
  assert.equal(recordingRate([leg(pcmu), leg(g729)], 16000), 8000);
  assert.equal(recordingRate([leg(pcmu), leg(g722)], 16000), 16000);
  assert.equal(recordingRate([leg(g722), leg(g722)], 8000), 8000, "capped");
  assert.equal(recordingRate([leg(opus(null)), leg(pcmu)], 16000), 16000);
  assert.equal(recordingRate([leg(opus(null)), leg(pcmu)], 48000), 48000, "full-band allowed");
  assert.equal(recordingRate([leg(opus("maxplaybackrate=24000")), leg(pcmu)], 48000), 24000);
  assert.equal(recordingRate([leg(g722, 0), leg(pcmu)], 16000), 8000, "refused legs don't count");
  assert.equal(recordingRate([], 16000), 8000);
});
