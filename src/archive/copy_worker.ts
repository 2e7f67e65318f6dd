/**
 * The main-process side of the copy worker: spawns `deno run copy_worker_main.ts` and
 * talks JSON lines to it under a watchdog. The main process never touches a target's
 * filesystem itself; it only awaits the child with a timer, and on timeout kills it with
 * SIGKILL (FUSE and NFS waits are killable), so a hung mount cannot block capture, SIP or
 * the web UI.
 */
import type { CopyStep, FinalReply, WorkerReply, WorkerRequest } from "./copy_protocol.ts";

/** Raised when the worker made no progress within the timeout and was killed. */
export class WatchdogTimeout extends Error {
  override name = "WatchdogTimeout";
}

/** Raised when the worker exited or broke the protocol. */
export class WorkerGone extends Error {
  override name = "WorkerGone";
}

const SCRIPT = new URL("./copy_worker_main.ts", import.meta.url);

/** Options for {@link CopyWorker.spawn}. */
export interface CopyWorkerOptions {
  /** Longest wait for one reply or step, in ms (storage.copyTimeout). */
  timeoutMs: number;
  /** How long to wait for the process to go after SIGKILL before giving up on it. */
  reapMs?: number;
}

/** One worker subprocess; requests are serialized. */
export class CopyWorker implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  #timeoutMs: number;
  #reapMs: number;
  #dead = false;

  private constructor(child: Deno.ChildProcess, options: CopyWorkerOptions) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.#timeoutMs = options.timeoutMs;
    this.#reapMs = options.reapMs ?? 5000;
  }

  /** Starts a worker subprocess. */
  static spawn(options: CopyWorkerOptions): CopyWorker {
    const script = SCRIPT.protocol === "file:" ? SCRIPT.pathname : SCRIPT.href;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-config",
        "--no-lock",
        "--no-prompt",
        // Deno grants /proc/self/mountinfo only with --allow-all (checked on 2.9.6).
        "--allow-all",
        script,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    return new CopyWorker(child, options);
  }

  /** The worker's process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** False once the worker was killed or exited. */
  get alive(): boolean {
    return !this.#dead;
  }

  /**
   * Sends one request and returns its final reply. For a copy, `onStep` runs after each
   * step the worker reports and before it may go on. Throws {@link WatchdogTimeout} after
   * killing a worker that went silent, {@link WorkerGone} when it exited.
   */
  async call(req: WorkerRequest, onStep?: (step: CopyStep) => Promise<void>): Promise<FinalReply> {
    if (this.#dead) throw new WorkerGone("The copy worker is not running");
    await this.#send(req);
    for (;;) {
      const line = await this.#nextLine();
      let msg: WorkerReply;
      try {
        msg = JSON.parse(line) as WorkerReply;
      } catch {
        await this.kill();
        throw new WorkerGone(`Cannot parse copy worker reply "${line.slice(0, 80)}"`);
      }
      if (msg.ev !== "step") return msg;
      await onStep?.(msg.step);
      await this.#send({ op: "go" });
    }
  }

  async #send(req: WorkerRequest): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(req) + "\n"));
  }

  async #nextLine(): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#timeoutMs);
    });
    try {
      for (;;) {
        const i = this.#buf.indexOf("\n");
        if (i >= 0) {
          const line = this.#buf.slice(0, i);
          this.#buf = this.#buf.slice(i + 1);
          return line;
        }
        const r = await Promise.race([this.#reader.read(), timeout]);
        if (r === "timeout") {
          await this.kill();
          throw new WatchdogTimeout(
            `Copy worker made no progress in ${this.#timeoutMs} ms and was killed`,
          );
        }
        if (r.done) {
          this.#dead = true;
          await this.#reap();
          throw new WorkerGone("The copy worker exited");
        }
        this.#buf += r.value;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the worker (SIGKILL) and reaps it, waiting at most `reapMs`. */
  async kill(): Promise<void> {
    if (!this.#dead) {
      this.#dead = true;
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    await this.#reap();
  }

  async #reap(): Promise<void> {
    await this.#writer.close().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<"gave-up">((resolve) => {
      timer = setTimeout(() => resolve("gave-up"), this.#reapMs);
    });
    const r = await Promise.race([
      this.#reader.cancel().catch(() => {}).then(() => this.#child.status),
      gaveUp,
    ]);
    clearTimeout(timer);
    if (r === "gave-up") this.#child.unref();
  }

  /** Ends the worker: closes its input so it exits, then reaps it (killing if it lingers). */
  async close(): Promise<void> {
    if (this.#dead) return await this.#reap();
    this.#dead = true;
    await this.#writer.close().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.#reapMs);
    });
    const r = await Promise.race([this.#child.status, late]);
    clearTimeout(timer);
    if (r === "late") {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    await this.#reap();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
