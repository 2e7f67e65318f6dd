/**
 * Main-thread handle on the media workers: one capture worker and one encoder worker
 * per core, connected by MessageChannels. Opening, pausing and closing recordings is
 * a message; the main thread never sees a packet. The workers are spawned in
 * media_workers.ts; each recording's two results are matched in media_results.ts.
 */
import type {
  BacklogOptions,
  CaptureReport,
  CaptureStream,
  DiskWaits,
  EncoderBacklog,
  FileSpec,
  FromCapture,
  FromEncoder,
  ToCapture,
} from "./media_protocol.ts";
import { type ClosedRecording, PendingResults } from "./media_results.ts";
import { spawnMediaWorkers } from "./media_workers.ts";

export type { ClosedRecording } from "./media_results.ts";

/**
 * One encoder worker's load: wall time busy (encode + file I/O), libopus time, samples,
 * and its waits on a disk that refuses writes.
 */
export interface EncoderLoad extends DiskWaits {
  busyMs: number;
  encodeMs: number;
  samples: number;
}

/** Options for {@link MediaEngine.start}. */
export interface MediaEngineOptions {
  listen: string;
  depthMs: number;
  /** Encoder workers; 0 means one per core. */
  encoders: number;
  /** Bytes all files together may hold in memory while the disk refuses writes. */
  writeBufferBytes?: number;
  /** `rtp.inactivitySeconds` in ms: started media silent this long → `onIdle`. */
  inactivityMs?: number;
  /** `recorder.captureNice`: the capture thread's nice value (0 leaves it). */
  captureNice?: number;
}

/** Per-recording options of {@link MediaEngine.open}. */
export interface OpenOptions {
  /** Encoder queue bounds; default spill beyond 4 s queued, replay at 1 s. */
  backlog?: BacklogOptions;
}

export type { BacklogOptions, EncoderBacklog } from "./media_protocol.ts";

/** Workers that capture, mix, encode and write recordings. */
export class MediaEngine implements AsyncDisposable {
  #capture: Worker;
  #encoders: Worker[];
  #pending = new PendingResults();
  #next = 0;
  #live = new Map<string, CaptureReport>();
  #encoderLoad: EncoderLoad[];
  #backlog: EncoderBacklog[];
  #backend = "unknown";
  #encoderPriority = "unknown";
  #capturePriority = "unknown";
  #srtpCrypto = "unknown";
  #captureReady = Promise.withResolvers<void>();
  /** Called once per stream when its first packet arrives. */
  onMedia: (rec: string, key: string) => void = () => {};
  /** Set by the recorder: media of `rec` stopped (`inactivityMs` without RTP or RTCP). */
  onIdle: (rec: string, silentMs: number) => void = () => {};
  /** Called when an encoder fails a file mid-recording (disk full, I/O error). */
  onFileError: (rec: string, error: string, code?: string) => void = () => {};
  /** Called with every backlog report of the capture worker (about every 5 s). */
  onBacklog: (backlog: EncoderBacklog[]) => void = () => {};

  private constructor(capture: Worker, encoders: Worker[]) {
    this.#capture = capture;
    this.#encoders = encoders;
    this.#encoderLoad = encoders.map(() => ({
      busyMs: 0,
      encodeMs: 0,
      samples: 0,
      stalledFiles: 0,
      stalls: 0,
      lostMs: 0,
      lastError: null,
    }));
    this.#backlog = encoders.map((_, encoder) => ({
      encoder,
      queuedSeconds: 0,
      journaledSeconds: 0,
      spilling: 0,
      journals: 0,
      spills: 0,
      journalErrors: 0,
    }));
    capture.onmessage = (e: MessageEvent<FromCapture>) => this.#fromCapture(e.data);
    capture.addEventListener("error", (e) => {
      this.#captureReady.reject(new Error(`capture worker failed: ${e.message}`));
    });
  }

  /** Starts the workers and waits until every encoder has loaded libopus. */
  static async start(options: MediaEngineOptions): Promise<MediaEngine> {
    const n = options.encoders > 0 ? options.encoders : Math.max(1, navigator.hardwareConcurrency);
    const { capture, encoders, ports, ready } = spawnMediaWorkers(n, options.writeBufferBytes);
    const engine = new MediaEngine(capture, encoders);
    engine.#post(
      {
        t: "init",
        listen: options.listen,
        depthMs: options.depthMs,
        encoders: ports,
        inactivityMs: options.inactivityMs,
        nice: options.captureNice ?? 0,
      },
      ports,
    );
    const started = await Promise.all(ready);
    await engine.#captureReady.promise;
    engine.#backend = started[0].backend;
    engine.#encoderPriority = started[0].priority;
    encoders.forEach((w, i) =>
      w.onmessage = (e: MessageEvent<FromEncoder>) => engine.#fromEncoder(i, e.data)
    );
    return engine;
  }

  /** The libopus build in use ("native" or "wasm"). */
  get backend(): string {
    return this.#backend;
  }

  /** The capture thread's scheduling priority, e.g. "nice -10". */
  get capturePriority(): string {
    return this.#capturePriority;
  }

  /** What decrypts the AES-CM SRTP suites on the capture thread. */
  get srtpCrypto(): string {
    return this.#srtpCrypto;
  }

  /** The encoder threads' scheduling priority, e.g. "nice 10". */
  get encoderPriority(): string {
    return this.#encoderPriority;
  }

  get encoderCount(): number {
    return this.#encoders.length;
  }

  #post(msg: ToCapture, transfer: Transferable[] = []): void {
    this.#capture.postMessage(msg, transfer);
  }

  #fromCapture(msg: FromCapture): void {
    switch (msg.t) {
      case "priority":
        this.#capturePriority = msg.priority;
        this.#srtpCrypto = msg.srtpCrypto;
        this.#captureReady.resolve();
        return;
      case "opened":
        this.#pending.opened(msg.rec, msg.ports);
        return;
      case "open-failed":
        this.#pending.openFailed(msg.rec, new Error(msg.error));
        return;
      case "media":
        this.onMedia(msg.rec, msg.key);
        return;
      case "idle":
        this.onIdle(msg.rec, msg.silentMs);
        return;
      case "stats":
        for (const r of msg.reports) this.#live.set(r.rec, r);
        this.#backlog = msg.backlog;
        this.onBacklog(this.backlog());
        return;
      case "closed":
      case "rolled": {
        this.#live.delete(msg.report.rec);
        this.#pending.report(msg.report);
        return;
      }
    }
  }

  #fromEncoder(index: number, msg: FromEncoder): void {
    switch (msg.t) {
      case "load":
        this.#encoderLoad[index] = {
          busyMs: msg.busyMs,
          encodeMs: msg.encodeMs,
          samples: msg.samples,
          stalledFiles: msg.stalledFiles,
          stalls: msg.stalls,
          lostMs: msg.lostMs,
          lastError: msg.lastError,
        };
        return;
      case "finished":
      case "failed": {
        const file: ClosedRecording["file"] = msg.t === "finished"
          ? {
            ok: true,
            path: msg.path,
            sha256: msg.sha256,
            bytes: msg.bytes,
            durationMs: msg.durationMs,
            lostSpans: msg.lostSpans,
          }
          : { ok: false, error: msg.error, code: msg.code };
        if (msg.t === "failed") this.onFileError(msg.rec, msg.error, msg.code);
        this.#pending.file(msg.rec, file);
        return;
      }
    }
  }

  /** Binds the streams' ports and starts the file; resolves with the bound ports. */
  async open(
    rec: string,
    streams: CaptureStream[],
    file: FileSpec,
    options: OpenOptions = {},
  ): Promise<number[]> {
    const opened = this.#pending.opening(rec);
    const encoder = this.#next++ % this.#encoders.length;
    this.#post({ t: "open", rec, streams, encoder, file, backlog: options.backlog });
    try {
      return await opened;
    } catch (err) {
      this.#post({ t: "abandon", rec });
      this.#pending.forget(rec);
      throw err;
    }
  }

  /**
   * Ends the file of `rec` at a batch boundary and goes on in `next`'s file on the same
   * sockets (a new segment; no sample lost or doubled). From now on the recording is
   * `next` for every other method. Resolves when the old segment's file is finished.
   */
  roll(rec: string, next: string, file: FileSpec): Promise<ClosedRecording> {
    const closed = this.#pending.closing(rec);
    this.#pending.expect(next);
    this.#post({ t: "roll", rec, next, file });
    return closed;
  }

  /** Adds streams or changes codecs mid-call. */
  update(rec: string, streams: CaptureStream[]): void {
    this.#post({ t: "update", rec, streams });
  }

  pause(rec: string): void {
    this.#post({ t: "pause", rec });
  }

  resume(rec: string): void {
    this.#post({ t: "resume", rec });
  }

  /** Stops capture, flushes the timeline and finishes the file. */
  close(rec: string): Promise<ClosedRecording> {
    const closed = this.#pending.closing(rec);
    this.#post({ t: "close", rec });
    return closed;
  }

  /** Stops capture and leaves the `.partial` file for the recovery sweep (shutdown). */
  abandon(rec: string): void {
    this.#pending.forget(rec);
    this.#post({ t: "abandon", rec });
  }

  /** Latest live capture statistics of an open recording (at most 5 s old). */
  live(rec: string): CaptureReport | undefined {
    return this.#live.get(rec);
  }

  /** Encoder load: busy milliseconds and encoded samples per worker since start. */
  encoderLoad(): EncoderLoad[] {
    return this.#encoderLoad.map((l) => ({ ...l }));
  }

  /**
   * Encoder backlog per worker (at most 5 s old): seconds of audio queued at the
   * encoder and spilled to journals, recordings spilling now, spill events and journal
   * failures since start. For `/healthz`, `/metrics` and the system page.
   */
  backlog(): EncoderBacklog[] {
    return this.#backlog.map((b) => ({ ...b }));
  }

  /** Terminates the workers. Open recordings stay `.partial` for the recovery sweep. */
  stop(): void {
    this.#capture.terminate();
    for (const w of this.#encoders) w.terminate();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.stop();
    return Promise.resolve();
  }
}
