/// <reference lib="deno.worker" />
/**
 * Capture worker: owns one UDP socket per RTP stream port (and its RTCP port + 1)
 * through src/rtp UdpCapture (preallocated `conn.receive(buf)`), hands packets to
 * the stream receivers, and every 250 ms drains each recording's timeline into a PCM
 * batch (at the recording's rate) transferred to that recording's encoder. Never waits
 * on encoding or disk: when an encoder falls behind, a recording's batches go to its
 * spill journal (on disk at the recording's rate, written asynchronously) until the
 * encoder catches up and replays it.
 * All of its state is one {@link CaptureState}; each message type has a named handler.
 */
import { bandLimitedResampler } from "./stream_decoders.ts";
import {
  bindStreams,
  type CaptureRecording,
  captureReport,
  closeSockets,
  newCaptureRecording,
  rollSegment,
} from "./capture_recording.ts";
import type { EncoderAck, EncoderBacklog, FromCapture, ToCapture } from "./media_protocol.ts";
import { startIdleGc } from "../idle_gc.ts";
import { niceThisThread } from "./thread_priority.ts";
import { srtpCrypto } from "../rtp/libcrypto.ts";

/** PCM batch period: each recording posts one batch per tick to its encoder. */
const TICK_MS = 250;
/** The arrival clock UdpCapture stamps packets with; drains and pauses use the same. */
const clock = () => performance.timeOrigin + performance.now();
/** Live statistics period (the active-calls view and no-media detection). */
const STATS_MS = 5000;
/** After a close, sockets stay open this long for packets still in flight… */
const LINGER_MS = 250;
/**
 * …then every packet already queued on them is read (UdpCapture.drain): a box running
 * behind can hold seconds of audio there, so the drain waits while reads progress and
 * gives up only after this long without one (or a minute in all).
 */
const DRAIN_STALL_MS = 5000;

type Msg<T extends ToCapture["t"]> = Extract<ToCapture, { t: T }>;

/** Everything the capture worker holds, and its handlers. */
class CaptureState {
  #post: (msg: FromCapture) => void;
  #listen = "0.0.0.0";
  #depthMs = 100;
  /** Started media silent this long is reported `idle` (0: never). */
  #inactivityMs = 0;
  #encoders: MessagePort[] = [];
  /** Recordings capturing now. */
  #recs = new Map<string, CaptureRecording>();
  /** Every recording the encoders may still acknowledge: open ones plus closing ones. */
  #tracked = new Map<string, CaptureRecording>();
  /** Per encoder since start: spill events and journal I/O failures. */
  #spills: number[] = [];
  #journalErrors: number[] = [];
  /** Messages are handled strictly in order (open must bind before a close is seen). */
  #queue = Promise.resolve();

  constructor(post: (msg: FromCapture) => void) {
    this.#post = post;
  }

  /** Recordings capturing now. */
  get liveRecordings(): number {
    return this.#recs.size;
  }

  /** Queues a message from the main thread behind the ones before it. */
  receive(msg: ToCapture): void {
    this.#queue = this.#queue.then(() => this.#handle(msg)).catch((err) =>
      console.error("capture worker:", err)
    );
  }

  #handle(msg: ToCapture): Promise<void> | void {
    switch (msg.t) {
      case "init":
        return this.onInit(msg);
      case "open":
        return this.onOpen(msg);
      case "update":
        return this.onUpdate(msg);
      case "roll":
        return this.onRoll(msg);
      case "pause":
        return this.onPause(msg);
      case "resume":
        return this.onResume(msg);
      case "close":
        return this.onClose(msg);
      case "abandon":
        return this.onAbandon(msg);
    }
  }

  /** Settings and the encoders' ports (their acks come back on them). */
  onInit(msg: Msg<"init">): void {
    this.#listen = msg.listen;
    this.#depthMs = msg.depthMs;
    this.#inactivityMs = msg.inactivityMs ?? 0;
    this.#encoders = msg.encoders;
    this.#spills = this.#encoders.map(() => 0);
    this.#journalErrors = this.#encoders.map(() => 0);
    for (const port of this.#encoders) {
      port.onmessage = (e: MessageEvent<EncoderAck>) => this.onAck(e.data);
    }
    this.#post({ t: "priority", priority: raisePriority(msg.nice ?? 0), srtpCrypto: srtpCrypto() });
  }

  /** Binds a recording's ports, then tells its encoder to begin the file. */
  async onOpen(msg: Msg<"open">): Promise<void> {
    let rec: CaptureRecording;
    try {
      const encoder = msg.encoder % this.#encoders.length;
      rec = newCaptureRecording({
        id: msg.rec,
        depthMs: this.#depthMs,
        encoder,
        port: this.#encoders[encoder],
        file: msg.file,
        backlog: msg.backlog,
        onJournalError: () => this.#journalErrors[encoder]++,
      });
    } catch (err) {
      this.#post({ t: "open-failed", rec: msg.rec, error: (err as Error).message });
      return;
    }
    // Bind first: a port that cannot be bound fails the open before the encoder
    // creates a file or a tick posts audio, so nothing of the recording remains.
    let ports: number[];
    try {
      ports = await this.#bind(rec, msg.streams);
    } catch (err) {
      closeSockets(rec);
      rec.journal.close();
      this.#post({ t: "open-failed", rec: rec.id, error: (err as Error).message });
      return;
    }
    this.#recs.set(msg.rec, rec);
    this.#tracked.set(msg.rec, rec);
    rec.journal.send({ t: "begin", rec: rec.id, file: msg.file });
    this.#post({ t: "opened", rec: rec.id, ports });
  }

  /** A re-offer: new streams, ports, codecs or sources. */
  async onUpdate(msg: Msg<"update">): Promise<void> {
    const rec = this.#recs.get(msg.rec);
    if (rec) await this.#bind(rec, msg.streams).catch(() => {});
  }

  /**
   * Segment roll at a batch boundary: the audio due now (and any journal) goes to the old
   * file, everything after to the new one; capture itself never stops.
   */
  onRoll(msg: Msg<"roll">): void {
    const rec = this.#recs.get(msg.rec);
    if (!rec) return;
    this.#flush(rec, false);
    if (rec.gate.journaledSamples > 0) this.#replay(rec);
    const report = rollSegment(rec, {
      next: msg.next,
      file: msg.file,
      port: this.#encoders[rec.encoder],
      onJournalError: () => this.#journalErrors[rec.encoder]++,
    });
    this.#recs.delete(msg.rec);
    this.#recs.set(rec.id, rec);
    this.#tracked.set(rec.id, rec);
    this.#post({ t: "rolled", report });
  }

  onPause(msg: Msg<"pause">): void {
    const rec = this.#recs.get(msg.rec);
    if (!rec) return;
    rec.timeline.pause(clock());
    rec.paused = true;
  }

  onResume(msg: Msg<"resume">): void {
    const rec = this.#recs.get(msg.rec);
    if (!rec) return;
    rec.timeline.resume(clock());
    rec.paused = false;
    // The inactivity clock starts again at the resume: a pause is not silence.
    if (rec.lastActivity !== 0) rec.lastActivity = Math.max(rec.lastActivity, clock());
  }

  /** Lingers, drains the sockets, flushes the last batch and reports the recording. */
  onClose(msg: Msg<"close">): void {
    const rec = this.#recs.get(msg.rec);
    if (!rec) return;
    this.#recs.delete(rec.id);
    // Packets sent just before the BYE may still be in flight (linger for the jitter
    // depth, at least LINGER_MS), or queued unread in the socket while this thread is
    // busy (drain them), before the final flush.
    const finish = async () => {
      await Promise.all([...rec.captures.values()].map((c) => c.drain(DRAIN_STALL_MS)));
      closeSockets(rec);
      this.#flush(rec, true);
      rec.journal.send({ t: "end", rec: rec.id });
      rec.journal.close();
      rec.closed = true;
      this.#untrackWhenDone(rec);
      this.#post({ t: "closed", report: captureReport(rec) });
    };
    setTimeout(finish, Math.max(LINGER_MS, this.#depthMs));
  }

  /** Stops capture at once; the `.partial` and journal stay for the recovery sweep. */
  onAbandon(msg: Msg<"abandon">): void {
    const rec = this.#recs.get(msg.rec);
    if (!rec) return;
    closeSockets(rec);
    rec.journal.send({ t: "abandon", rec: rec.id });
    rec.journal.close();
    this.#recs.delete(rec.id);
    this.#tracked.delete(rec.id);
    for (const id of rec.formerIds) this.#tracked.delete(id);
  }

  /** An encoder encoded a batch or a replay of this recording. */
  onAck(ack: EncoderAck): void {
    const rec = this.#tracked.get(ack.rec);
    if (!rec) return;
    rec.gate.ack(ack.samples);
    this.#untrackWhenDone(rec);
  }

  /** Every TICK_MS: one batch per open recording, and the inactivity check. */
  onTick(): void {
    const now = clock();
    for (const rec of this.#recs.values()) {
      this.#flush(rec, false);
      this.#checkIdle(rec, now);
    }
  }

  /** Started, unpaused media with no RTP or RTCP for `inactivityMs`: report it once. */
  #checkIdle(rec: CaptureRecording, now: number): void {
    if (this.#inactivityMs <= 0 || rec.lastActivity === 0 || rec.paused) return;
    const silentMs = now - rec.lastActivity;
    if (silentMs < this.#inactivityMs) {
      rec.idleReported = false;
      return;
    }
    if (rec.idleReported) return;
    rec.idleReported = true;
    this.#post({ t: "idle", rec: rec.id, silentMs });
  }

  /** Every STATS_MS: live reports and the encoders' backlog. */
  onStatsTick(): void {
    this.#post({
      t: "stats",
      reports: [...this.#recs.values()].map(captureReport),
      backlog: this.#backlog(),
    });
  }

  #bind(rec: CaptureRecording, streams: Msg<"update">["streams"]): Promise<number[]> {
    return bindStreams(rec, streams, {
      listen: this.#listen,
      resampler: bandLimitedResampler,
      onDecoderError: (codec, err) =>
        console.error(`capture worker: no ${codec.name} decoder:`, (err as Error).message),
      onFirstPacket: (id, key) => this.#post({ t: "media", rec: id, key }),
    });
  }

  /** Drains the timeline into one batch: posted to the encoder, or spilled while it lags. */
  #flush(rec: CaptureRecording, final: boolean): void {
    const { gate, journal } = rec;
    // A replay goes out before this tick's batch: the journal holds older audio.
    if (gate.shouldReplay()) this.#replay(rec);
    const pcm = rec.timeline.drain(clock(), final);
    if (pcm) {
      const before = gate.spills;
      if (gate.push(pcm.length / 2) === "post") {
        journal.send({ t: "pcm", rec: rec.id, pcm }, [pcm.buffer as ArrayBuffer]);
      } else journal.append(pcm);
      this.#spills[rec.encoder] += gate.spills - before;
    }
    if (final && gate.journaledSamples > 0) this.#replay(rec);
  }

  #replay(rec: CaptureRecording): void {
    rec.gate.replay();
    rec.journal.replay();
  }

  /** Forgets a closed recording once the encoder has acknowledged all of its audio. */
  #untrackWhenDone(rec: CaptureRecording): void {
    if (rec.closed && rec.gate.backlogSamples === 0) {
      this.#tracked.delete(rec.id);
      for (const id of rec.formerIds) this.#tracked.delete(id);
    }
  }

  #backlog(): EncoderBacklog[] {
    const out = this.#encoders.map((_, i): EncoderBacklog => ({
      encoder: i,
      queuedSeconds: 0,
      journaledSeconds: 0,
      spilling: 0,
      journals: 0,
      spills: this.#spills[i],
      journalErrors: this.#journalErrors[i],
    }));
    // A rolled recording is tracked under each of its segment ids: count it once.
    for (const rec of new Set(this.#tracked.values())) {
      const b = out[rec.encoder];
      b.queuedSeconds += rec.gate.queuedSamples / rec.timeline.rate;
      b.journaledSeconds += rec.gate.journaledSamples / rec.timeline.rate;
      if (rec.gate.spilling) b.spilling++;
      if (rec.journal.exists) b.journals++;
    }
    return out;
  }
}

/**
 * Capture is the one thread that cannot wait: a packet not read while the CPU is short
 * sits in its socket, and a socket left unread for seconds overflows. Asking for a nice
 * value below 0 puts this thread ahead of the encoders (nice 10), the web and SIP (0)
 * and anything else on the box. It needs CAP_SYS_NICE or an RLIMIT_NICE that allows it
 * (the systemd unit's LimitNICE=); without either the thread stays at normal priority.
 */
function raisePriority(nice: number): string {
  if (nice === 0) return "normal (recorder.captureNice is 0)";
  const r = niceThisThread(nice);
  if ("nice" in r) return `nice ${r.nice}`;
  return `normal (${r.error}: needs CAP_SYS_NICE or LimitNICE=${nice} in the unit)`;
}

const state = new CaptureState((msg) => self.postMessage(msg));
self.onmessage = (e: MessageEvent<ToCapture>) => state.receive(e.data);
// Garbage (and the native memory it pins) is collected when this worker goes quiet, and
// never while a recording is live: a full collection would stall the receive loops.
startIdleGc({ hold: () => state.liveRecordings > 0 });
setInterval(() => state.onTick(), TICK_MS);
setInterval(() => state.onStatsTick(), STATS_MS);
