/**
 * Server transactions (RFC 3261 §17.2) as explicit state machines. Each owns its
 * timers; responses leave through `send`, the end through `onTerminated`. Illegal
 * moves throw: they are bugs in the caller, not network conditions.
 */
import type { SipRequest, SipResponse } from "./message.ts";
import { T1, T2, T4, type TimerHandle, type Timers } from "./timers.ts";

/** Why a transaction ended. `no-ack`: a 2xx was never acknowledged (§13.3.1.4). */
export type TransactionEnd = "normal" | "timeout" | "no-ack";

/** What a server transaction needs from its owner. */
export interface ServerTransactionOptions {
  request: SipRequest;
  /** TCP: no response retransmission, Timers I/J are zero (§17.2.1, §17.2.2). */
  reliable: boolean;
  timers: Timers;
  send(response: SipResponse): void;
  onTerminated(end: TransactionEnd): void;
}

/** INVITE server transaction states (RFC 3261 Figure 7, RFC 6026 Figure 5). */
export type InviteServerState =
  | "proceeding"
  | "completed"
  | "confirmed"
  | "accepted"
  | "terminated";

const INVITE_MOVES: Record<InviteServerState, InviteServerState[]> = {
  proceeding: ["completed", "accepted", "terminated"],
  completed: ["confirmed", "terminated"],
  confirmed: ["terminated"],
  accepted: ["terminated"],
  terminated: [],
};

/** Timer H, Timer L and the 2xx give-up time: 64*T1 (RFC 3261 §17.2.1, RFC 6026 §8.7). */
export const TIMER_H = 64 * T1;
/** Timer L (RFC 6026 §8.7). */
export const TIMER_L = 64 * T1;
/** Timer J for unreliable transports (RFC 3261 §17.2.2). */
export const TIMER_J = 64 * T1;

/** RFC 3261 §17.2.1 INVITE server transaction with the RFC 6026 Accepted state. */
export class InviteServerTransaction {
  readonly request: SipRequest;
  #state: InviteServerState = "proceeding";
  #opts: ServerTransactionOptions;
  #last: SipResponse | null = null;
  #retransmit: TimerHandle | null = null;
  #timeout: TimerHandle | null = null;
  #acked = false;
  #end: TransactionEnd = "normal";

  constructor(opts: ServerTransactionOptions) {
    this.#opts = opts;
    this.request = opts.request;
  }

  get state(): InviteServerState {
    return this.#state;
  }

  /** The last response sent, if any. */
  get lastResponse(): SipResponse | null {
    return this.#last;
  }

  /** True once a 2xx was acknowledged. */
  get acked(): boolean {
    return this.#acked;
  }

  #transition(to: InviteServerState): void {
    if (!INVITE_MOVES[this.#state].includes(to)) {
      throw new Error(`Cannot move INVITE server transaction: "${this.#state}" to "${to}"`);
    }
    this.#state = to;
    if (to === "terminated") {
      this.#stopTimers();
      this.#opts.onTerminated(this.#end);
    }
  }

  #stopTimers(): void {
    if (this.#retransmit !== null) this.#opts.timers.clear(this.#retransmit);
    if (this.#timeout !== null) this.#opts.timers.clear(this.#timeout);
    this.#retransmit = this.#timeout = null;
  }

  /** Retransmit `#last` at T1, doubling to T2 (Timer G §17.2.1; 2xx §13.3.1.4). */
  #armRetransmit(interval: number): void {
    this.#retransmit = this.#opts.timers.set(() => {
      if (this.#last) this.#opts.send(this.#last);
      this.#armRetransmit(Math.min(interval * 2, T2));
    }, interval);
  }

  /** Send a response from the TU. */
  respond(response: SipResponse): void {
    switch (this.#state) {
      case "proceeding": {
        this.#last = response;
        this.#opts.send(response);
        if (response.status < 200) return;
        if (response.status < 300) {
          // RFC 6026 §8.5: 2xx → Accepted; Timer L; the 2xx is retransmitted until ACK.
          this.#transition("accepted");
          this.#armRetransmit(T1);
          this.#timeout = this.#opts.timers.set(() => this.#timerL(), TIMER_L);
          return;
        }
        // §17.2.1: 300-699 → Completed; Timer G (unreliable only) and Timer H.
        this.#transition("completed");
        if (!this.#opts.reliable) this.#armRetransmit(T1);
        this.#timeout = this.#opts.timers.set(() => {
          this.#end = "timeout";
          this.#transition("terminated");
        }, TIMER_H);
        return;
      }
      case "accepted":
        // RFC 6026 §8.6: further 2xx from the TU go out unchanged.
        if (response.status >= 200 && response.status < 300) this.#opts.send(response);
        return;
      case "completed":
      case "confirmed":
      case "terminated":
        throw new Error(`Cannot send ${response.status}: INVITE transaction is "${this.#state}"`);
    }
  }

  #timerL(): void {
    if (!this.#acked) this.#end = "no-ack";
    this.#transition("terminated");
  }

  /** A retransmission of the INVITE arrived (§17.2.1): resend or absorb. */
  receiveRetransmission(): void {
    switch (this.#state) {
      case "proceeding":
      case "completed":
        if (this.#last) this.#opts.send(this.#last);
        return;
      case "accepted":
      case "confirmed":
      case "terminated":
        return; // RFC 6026 §8.6 absorbs; Confirmed absorbs (§17.2.1)
    }
  }

  /** An ACK for this INVITE arrived (to a non-2xx via the transaction, to a 2xx via the dialog). */
  receiveAck(): void {
    switch (this.#state) {
      case "completed":
        // §17.2.1: Confirmed; Timer I = T4 unreliable, 0 reliable.
        this.#transition("confirmed");
        this.#stopTimers();
        this.#timeout = this.#opts.timers.set(
          () => this.#transition("terminated"),
          this.#opts.reliable ? 0 : T4,
        );
        return;
      case "accepted":
        // §13.3.1.4: the ACK stops 2xx retransmission; stay for Timer L to absorb copies.
        this.#acked = true;
        if (this.#retransmit !== null) this.#opts.timers.clear(this.#retransmit);
        this.#retransmit = null;
        return;
      case "proceeding":
      case "confirmed":
      case "terminated":
        return;
    }
  }

  /** Stop everything now (server shutdown, transport gone). */
  terminate(): void {
    if (this.#state !== "terminated") this.#transition("terminated");
  }
}

/** Non-INVITE server transaction states (RFC 3261 Figure 8). */
export type NonInviteServerState = "trying" | "proceeding" | "completed" | "terminated";

const NON_INVITE_MOVES: Record<NonInviteServerState, NonInviteServerState[]> = {
  trying: ["proceeding", "completed", "terminated"],
  proceeding: ["completed", "terminated"],
  completed: ["terminated"],
  terminated: [],
};

/** RFC 3261 §17.2.2 non-INVITE server transaction. */
export class NonInviteServerTransaction {
  readonly request: SipRequest;
  #state: NonInviteServerState = "trying";
  #opts: ServerTransactionOptions;
  #last: SipResponse | null = null;
  #timerJ: TimerHandle | null = null;

  constructor(opts: ServerTransactionOptions) {
    this.#opts = opts;
    this.request = opts.request;
  }

  get state(): NonInviteServerState {
    return this.#state;
  }

  #transition(to: NonInviteServerState): void {
    if (!NON_INVITE_MOVES[this.#state].includes(to)) {
      throw new Error(`Cannot move non-INVITE server transaction: "${this.#state}" to "${to}"`);
    }
    this.#state = to;
    if (to === "terminated") {
      if (this.#timerJ !== null) this.#opts.timers.clear(this.#timerJ);
      this.#opts.onTerminated("normal");
    }
  }

  /** Send a response from the TU. */
  respond(response: SipResponse): void {
    switch (this.#state) {
      case "trying":
      case "proceeding":
        this.#last = response;
        this.#opts.send(response);
        if (response.status < 200) {
          if (this.#state === "trying") this.#transition("proceeding");
          return;
        }
        // §17.2.2: final → Completed; Timer J = 64*T1 unreliable, 0 reliable.
        this.#transition("completed");
        this.#timerJ = this.#opts.timers.set(
          () => this.#transition("terminated"),
          this.#opts.reliable ? 0 : TIMER_J,
        );
        return;
      case "completed":
      case "terminated":
        throw new Error(`Cannot send ${response.status}: transaction is "${this.#state}"`);
    }
  }

  /** A retransmitted request (§17.2.2): absorbed in Trying, answered again after. */
  receiveRetransmission(): void {
    switch (this.#state) {
      case "trying":
      case "terminated":
        return;
      case "proceeding":
      case "completed":
        if (this.#last) this.#opts.send(this.#last);
        return;
    }
  }

  /** Stop now. */
  terminate(): void {
    if (this.#state !== "terminated") this.#transition("terminated");
  }
}
