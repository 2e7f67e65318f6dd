/**
 * What the recorder uses of the media engine: open, roll, update, pause, resume, close
 * and abandon a recording; read encoder load and backlog; hear of first media, file errors
 * and backlog reports. {@link MediaEngine} is the real one (workers, sockets, files);
 * the recorder's unit test drives a fake.
 */
import type { ClosedRecording, EncoderLoad, MediaEngine, OpenOptions } from "./media_engine.ts";
import type { CaptureStream, EncoderBacklog, FileSpec } from "./media_protocol.ts";

/** The media engine as the recorder sees it. */
export interface RecorderEngine {
  /** Set by the recorder: the first packet of a stream of `rec` arrived. */
  onMedia: (rec: string, key: string) => void;
  /** Set by the recorder: media of `rec` started and then stopped (`rtp.inactivitySeconds`). */
  onIdle: (rec: string, silentMs: number) => void;
  /** Set by the recorder: an encoder failed the file of `rec` mid-recording. */
  onFileError: (rec: string, error: string, code?: string) => void;
  /** Set by the recorder: a backlog report (about every 5 s). */
  onBacklog: (backlog: EncoderBacklog[]) => void;
  /** The libopus build in use, for the stats logged at stop. */
  readonly backend: string;
  /** Binds the streams' ports and starts the file; rejects when a port cannot be bound. */
  open(
    rec: string,
    streams: CaptureStream[],
    file: FileSpec,
    options?: OpenOptions,
  ): Promise<number[]>;
  /**
   * Segment roll: the file of `rec` ends at a batch boundary and capture goes on into
   * `next`'s file (same sockets); resolves with the finished old segment.
   */
  roll(rec: string, next: string, file: FileSpec): Promise<ClosedRecording>;
  /** Adds streams or changes codecs mid-call. */
  update(rec: string, streams: CaptureStream[]): void;
  pause(rec: string): void;
  resume(rec: string): void;
  /** Stops capture and finishes the file. */
  close(rec: string): Promise<ClosedRecording>;
  /** Stops capture and leaves the `.partial` file for the recovery sweep. */
  abandon(rec: string): void;
  encoderLoad(): EncoderLoad[];
  backlog(): EncoderBacklog[];
  stop(): void;
}

// The real engine fits the interface (a type error here means the two drifted apart).
const _fits = (e: MediaEngine): RecorderEngine => e;
