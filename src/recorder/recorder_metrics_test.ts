import assert from "node:assert/strict";
import { prometheusText } from "../metrics.ts";
import {
  countFinished,
  countNotRecorded,
  countStarted,
  notRecordedReason,
  type RecorderCounts,
  recorderSamples,
} from "./recorder_metrics.ts";

Deno.test("recorderSamples() exports calls, counters and per-encoder load and backlog", () => {
  const text = prometheusText(recorderSamples({
    active: 3,
    paused: 1,
    counts: {
      started: 10,
      complete: 7,
      interrupted: 1,
      fileErrors: 0,
      notRecorded: 4,
      notRecordedBy: { rule: 1, "not-sampled": 3 },
      noMedia: 2,
    },
    load: [{
      busyMs: 900,
      encodeMs: 500,
      samples: 80_000,
      stalledFiles: 2,
      stalls: 3,
      lostMs: 1500,
      lastError: "ENOSPC",
    }],
    backlog: [{
      encoder: 0,
      queuedSeconds: 1.5,
      journaledSeconds: 12,
      spilling: 2,
      journals: 2,
      spills: 5,
      journalErrors: 0,
    }],
  }));
  for (
    const line of [
      "selrec_calls_active 3",
      "selrec_calls_paused 1",
      'selrec_recordings_finished_total{state="interrupted"} 1',
      'selrec_calls_not_recorded_total{reason="not-sampled"} 3',
      'selrec_calls_not_recorded_total{reason="rule"} 1',
      "selrec_recordings_no_media_total 2",
      'selrec_encoder_audio_seconds_total{worker="0"} 10',
      'selrec_encoder_busy_seconds_total{worker="0"} 0.5',
      'selrec_recording_files_waiting_for_disk{worker="0"} 2',
      'selrec_recording_disk_stalls_total{worker="0"} 3',
      'selrec_recording_audio_lost_seconds_total{worker="0"} 1.5',
      'selrec_encoder_backlog_seconds{worker="0",where="journal"} 12',
      'selrec_encoder_spills_total{worker="0"} 5',
    ]
  ) assert.ok(text.includes(`${line}\n`), `${line}\n---\n${text}`);
});

Deno.test("notRecordedReason() tells a rule's no from quota, sampling and no match", () => {
  const trace = (...outcomes: string[]) => ({ rules: outcomes.map((outcome) => ({ outcome })) });
  assert.equal(notRecordedReason({ ruleId: "exclude-hr", trace: trace("matched") }), "rule");
  assert.equal(
    notRecordedReason({ ruleId: null, trace: trace("not-sampled", "quota-exhausted") }),
    "quota-exhausted",
  );
  assert.equal(notRecordedReason({ ruleId: null, trace: trace("not-sampled") }), "not-sampled");
  assert.equal(
    notRecordedReason({ ruleId: null, trace: trace("conditions-failed") }),
    "no-rule-matched",
  );
  assert.equal(notRecordedReason({ ruleId: null, trace: null }), "no-rule-matched");
  const c: RecorderCounts = {
    started: 0,
    complete: 0,
    interrupted: 0,
    fileErrors: 0,
    notRecorded: 0,
    noMedia: 0,
  };
  countNotRecorded(c, { ruleId: null, trace: trace("not-sampled") });
  countNotRecorded(c, { ruleId: null, trace: trace("not-sampled") });
  assert.equal(c.notRecorded, 2);
  assert.deepEqual(c.notRecordedBy, { "not-sampled": 2 });
});

Deno.test("countFinished() counts the state and puts each stream's jitter in the histogram", () => {
  const c: RecorderCounts = {
    started: 2,
    complete: 0,
    interrupted: 0,
    fileErrors: 0,
    notRecorded: 0,
    noMedia: 0,
  };
  countFinished(c, {
    state: "complete",
    streamStats: {
      customer: { stats: { received: 300, jitterMs: 1.5 } },
      agent: { stats: { received: 300, jitterMs: 42 } },
      silent: { stats: { received: 0, jitterMs: 0 } },
    },
  });
  countFinished(c, { state: "interrupted", streamStats: {} });
  assert.equal(c.complete, 1);
  assert.equal(c.interrupted, 1);
  const text = prometheusText(
    recorderSamples({ active: 0, paused: 0, counts: c, load: [], backlog: [] }),
  );
  for (
    const line of [
      "# TYPE selrec_rtp_stream_jitter_milliseconds histogram",
      'selrec_rtp_stream_jitter_milliseconds_bucket{le="1"} 0',
      'selrec_rtp_stream_jitter_milliseconds_bucket{le="2"} 1',
      'selrec_rtp_stream_jitter_milliseconds_bucket{le="50"} 2',
      'selrec_rtp_stream_jitter_milliseconds_bucket{le="+Inf"} 2',
      "selrec_rtp_stream_jitter_milliseconds_sum 43.5",
      "selrec_rtp_stream_jitter_milliseconds_count 2",
    ]
  ) assert.ok(text.includes(`${line}\n`), `${line}\n---\n${text}`);
});

Deno.test("recorderSamples() counts recordings by sample rate and streams by each codec they carried", () => {
  const c: RecorderCounts = {
    started: 0,
    complete: 0,
    interrupted: 0,
    fileErrors: 0,
    notRecorded: 0,
    noMedia: 0,
  };
  countStarted(c, 16000);
  countStarted(c, 16000);
  countStarted(c, 8000);
  countFinished(c, {
    state: "complete",
    streamStats: {
      "1": { stats: { received: 10, jitterMs: 1 }, codecs: ["PCMU", "G722"] },
      "2": { stats: { received: 10, jitterMs: 1 }, codecs: ["G722"] },
    },
  });
  const text = prometheusText(
    recorderSamples({ active: 0, paused: 0, counts: c, load: [], backlog: [] }),
  );
  assert.equal(c.started, 3);
  assert.match(text, /^selrec_recordings_started_by_rate_total\{sample_rate="16000"\} 2$/m);
  assert.match(text, /^selrec_recordings_started_by_rate_total\{sample_rate="8000"\} 1$/m);
  assert.match(text, /^selrec_rtp_streams_by_codec_total\{codec="G722"\} 2$/m);
  assert.match(text, /^selrec_rtp_streams_by_codec_total\{codec="PCMU"\} 1$/m);
});
