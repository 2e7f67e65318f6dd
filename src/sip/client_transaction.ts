/**
 * The non-INVITE client transaction (RFC 3261 §17.1.2) as an explicit state machine:
 * the BYEs and UPDATE refreshes we send. Over UDP the request is retransmitted on
 * Timer E (T1 doubling to T2) until a response arrives or Timer F (64*T1) gives up.
 *
 * ```
 *                      |Request from TU
 *                      |send request
 *  Timer E             V
 *  send request  +-----------+
 *      +---------|           |-------------------+
 *      |         |  Trying   |  Timer F          |
 *      +-------->|           |  or Transport Err.|
 *                +-----------+  inform TU        |
 *   200-699         |  |                         |
 *   resp. to TU     |  |1xx                      |
 *   +---------------+  |resp. to TU              |
 *   |                  |                         |
 *   |   Timer E        V       Timer F           |
 *   |   send req +-----------+ or Transport Err. |
 *   |  +---------|           | inform TU         |
 *   |  |         |Proceeding |------------------>|
 *   |  +-------->|           |-----+             |
 *   |            +-----------+     |1xx          |
 *   |              |      ^        |resp to TU   |
 *   | 200-699      |      +--------+             |
 *   | resp. to TU  |                             |
 *   |              |                             |
 *   |              V                             |
 *   |            +-----------+                   |
 *   |            |           |                   |
 *   |            | Completed |                   |
 *   |            |           |                   |
 *   |            +-----------+                   |
 *   |              ^   |                         |
 *   |              |   | Timer K                 |
 *   +--------------+   | -                       |
 *                      |                         |
 *                      V                         |
 *                +-----------+                   |
 *                |           |                   |
 *                | Terminated|<------------------+
 *                |           |
 *                +-----------+
 * ```
 */
import type { SipRequest, SipResponse } from "./message.ts";
import { T1, T2, T4, type TimerHandle, type Timers } from "./timers.ts";

/** Non-INVITE client transaction states (RFC 3261 Figure 6). */
export type NonInviteClientState = "trying" | "proceeding" | "completed" | "terminated";

/** How a client transaction ended: a final response, Timer F, or a send that failed. */
export type ClientTransactionEnd =
  | { kind: "response"; status: number }
  | { kind: "timeout" }
  | { kind: "transport-error" };

/** What a client transaction needs from its owner. */
export interface ClientTransactionOptions {
  request: SipRequest;
  /** TCP: no retransmission, Timer K is zero (§17.1.2.2). */
  reliable: boolean;
  timers: Timers;
  /** Sends the request; throws on a transport error. */
  send(request: SipRequest): void;
  /** Every response the transaction passes up (provisional and the final one). */
  onResponse?(response: SipResponse): void;
  /** Once, when the transaction is done from the TU's view (final, timeout, error). */
  onEnd(end: ClientTransactionEnd): void;
  /** When the transaction is gone (after Timer K): its owner forgets it. */
  onTerminated(): void;
}

/** Timer F: the non-INVITE transaction timeout, 64*T1 (RFC 3261 §17.1.2.2). */
export const TIMER_F = 64 * T1;
/** Timer K for unreliable transports: T4 (RFC 3261 §17.1.2.2). */
export const TIMER_K = T4;

const MOVES: Record<NonInviteClientState, NonInviteClientState[]> = {
  trying: ["proceeding", "completed", "terminated"],
  proceeding: ["completed", "terminated"],
  completed: ["terminated"],
  terminated: [],
};

/** RFC 3261 §17.1.2 non-INVITE client transaction. */
export class NonInviteClientTransaction {
  readonly request: SipRequest;
  #state: NonInviteClientState = "trying";
  #opts: ClientTransactionOptions;
  #timerE: TimerHandle | null = null;
  #timerF: TimerHandle | null = null;
  #timerK: TimerHandle | null = null;
  #sends = 0;
  #ended = false;

  constructor(opts: ClientTransactionOptions) {
    this.#opts = opts;
    this.request = opts.request;
  }

  get state(): NonInviteClientState {
    return this.#state;
  }

  /** How many times the request went out (first send plus retransmissions). */
  get sends(): number {
    return this.#sends;
  }

  /** §17.1.2.2: send the request; Timer E (unreliable only) and Timer F start. */
  start(): void {
    if (this.#sends > 0) throw new Error("Cannot start a client transaction twice");
    if (!this.#send()) return;
    if (!this.#opts.reliable) this.#armE(T1);
    this.#timerF = this.#opts.timers.set(() => {
      this.#timerF = null;
      this.#end({ kind: "timeout" });
      this.#transition("terminated");
    }, TIMER_F);
  }

  #send(): boolean {
    try {
      this.#sends++;
      this.#opts.send(this.request);
      return true;
    } catch {
      // §17.1.4: a transport error is reported to the TU, not thrown across layers.
      this.#end({ kind: "transport-error" });
      this.#transition("terminated");
      return false;
    }
  }

  /**
   * Timer E: in Trying the interval doubles up to T2; in Proceeding it is T2
   * (§17.1.2.2).
   */
  #armE(interval: number): void {
    this.#timerE = this.#opts.timers.set(() => {
      this.#timerE = null;
      if (this.#state !== "trying" && this.#state !== "proceeding") return;
      if (!this.#send()) return;
      this.#armE(this.#state === "proceeding" ? T2 : Math.min(2 * interval, T2));
    }, interval);
  }

  /** A response matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    switch (this.#state) {
      case "trying":
      case "proceeding":
        this.#opts.onResponse?.(response);
        if (response.status < 200) {
          if (this.#state === "trying") this.#transition("proceeding");
          return;
        }
        // §17.1.2.2: a final response → Completed; Timer K absorbs retransmissions.
        this.#end({ kind: "response", status: response.status });
        this.#transition("completed");
        this.#timerK = this.#opts.timers.set(
          () => {
            this.#timerK = null;
            this.#transition("terminated");
          },
          this.#opts.reliable ? 0 : TIMER_K,
        );
        return;
      case "completed":
      case "terminated":
        return; // retransmitted final responses are absorbed
    }
  }

  /** Stop now (shutdown). The TU hears nothing more. */
  terminate(): void {
    this.#ended = true;
    if (this.#state !== "terminated") this.#transition("terminated");
  }

  #end(end: ClientTransactionEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#opts.onEnd(end);
  }

  #transition(to: NonInviteClientState): void {
    if (!MOVES[this.#state].includes(to)) {
      throw new Error(`Cannot move non-INVITE client transaction: "${this.#state}" to "${to}"`);
    }
    this.#state = to;
    if (to === "completed" || to === "terminated") this.#clear("E", "F");
    if (to === "terminated") {
      this.#clear("K");
      this.#opts.onTerminated();
    }
  }

  #clear(...names: ("E" | "F" | "K")[]): void {
    const t = this.#opts.timers;
    for (const n of names) {
      const h = n === "E" ? this.#timerE : n === "F" ? this.#timerF : this.#timerK;
      if (h !== null) t.clear(h);
      if (n === "E") this.#timerE = null;
      else if (n === "F") this.#timerF = null;
      else this.#timerK = null;
    }
  }
}
