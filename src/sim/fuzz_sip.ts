/**
 * `runFuzz()`: sends seeded, mutated SIP messages (src/sim/fuzz_mutate.ts) to an SRS
 * over UDP and TCP, counts its responses by class, and checks between rounds that it
 * is still alive: a well-formed OPTIONS must be answered (and /healthz must answer 200
 * when a URL is given). An INVITE the SRS accepts is ACKed and ended with a BYE, sent
 * again (like RFC 3261 Timer E) until it is answered, so a long run does not hold every
 * RTP port; the SRS's own requests (its BYEs) are answered 200 and counted apart.
 * Only for hosts you run yourself. A TCP round is in fuzz_tcp.ts.
 */
import { type FuzzedMessage, mutateMessage, type SipTemplate } from "./fuzz_mutate.ts";
import { BASE_TEMPLATES, fillTemplate, latin1 } from "./fuzz_mutate.ts";
import { pick, seededRandom } from "./rng.ts";
import { tcpRound } from "./fuzz_tcp.ts";

/** Inputs of {@link runFuzz}. */
export interface FuzzOptions {
  /** SRS host (the fuzzer binds and advertises the same loopback or local address). */
  hostname: string;
  port: number;
  count: number;
  seed?: number;
  /** Share of messages sent over TCP (0..1, default 0.3). */
  tcpShare?: number;
  /** Templates besides the built-in ones (e.g. the vendor corpus). */
  corpus?: SipTemplate[];
  /** Messages between liveness checks (default 1000). */
  checkEvery?: number;
  /** `http://…/healthz`, checked with every liveness check. */
  healthUrl?: string;
  /** Messages in flight before the sender yields for a moment (default 50). */
  burst?: number;
}

/** What a run saw. */
export interface FuzzReport {
  seed: number;
  /** Messages written per transport (a TCP round reset by the SRS skips its rest). */
  sent: { udp: number; tcp: number };
  /** Responses by class ("1xx" … "6xx"), plus "other" for unparseable replies. */
  responses: Record<string, number>;
  /** Requests the SRS sent us, by method (its BYEs ending calls), each answered 200. */
  requests: Record<string, number>;
  /** Our BYEs sent again because no final response came (UDP loss under load). */
  byeRetransmissions: number;
  /** Responses by exact status code. */
  statuses: Record<string, number>;
  mutations: Record<string, number>;
  tcpConnections: number;
  tcpErrors: number;
  /** INVITEs the SRS answered 2xx, which the fuzzer then ACKed and BYEd. */
  acceptedInvites: number;
  liveness: { checks: number; failures: string[] };
  elapsedMs: number;
}

const TCP_MESSAGES_PER_CONNECTION = 20;
const dec = new TextDecoder("latin1");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function header(text: string, name: string): string | undefined {
  return new RegExp(`^${name}\\s*:\\s*(.*)$`, "mi").exec(text)?.[1]?.trim();
}

/** Fuzzer state shared by the UDP and TCP senders. */
class Fuzzer {
  readonly report: FuzzReport;
  readonly udp: Deno.DatagramConn;
  #o: FuzzOptions;
  #rng: () => number;
  #templates: SipTemplate[];
  #n = 0;
  #pongs = new Map<string, () => void>();
  /** Our BYEs awaiting a final response, by Call-ID. */
  #byes = new Map<string, { tries: number; timer: ReturnType<typeof setTimeout> }>();
  #reader: Promise<void>;

  constructor(o: FuzzOptions) {
    this.#o = o;
    const seed = o.seed ?? 1;
    this.#rng = seededRandom(seed);
    this.#templates = [...BASE_TEMPLATES, ...(o.corpus ?? [])];
    this.udp = Deno.listenDatagram({ transport: "udp", hostname: o.hostname, port: 0 });
    this.report = {
      seed,
      sent: { udp: 0, tcp: 0 },
      responses: {},
      requests: {},
      byeRetransmissions: 0,
      statuses: {},
      mutations: {},
      tcpConnections: 0,
      tcpErrors: 0,
      acceptedInvites: 0,
      liveness: { checks: 0, failures: [] },
      elapsedMs: 0,
    };
    this.#reader = this.#readUdp();
  }

  get localPort(): number {
    return (this.udp.addr as Deno.NetAddr).port;
  }

  next(transport: "UDP" | "TCP", lport: number): FuzzedMessage {
    const i = this.#n++;
    const m = mutateMessage(this.#rng, pick(this.#rng, this.#templates), {
      host: this.#o.hostname,
      port: this.#o.port,
      lport,
      transport,
      callId: `fuzz-${this.report.seed}-${i}@${this.#o.hostname}`,
      branch: `f${this.report.seed}x${i}`,
      tag: `t${i}`,
    });
    for (const name of m.mutations) {
      this.report.mutations[name] = (this.report.mutations[name] ?? 0) + 1;
    }
    return m;
  }

  async sendUdp(bytes: Uint8Array): Promise<void> {
    await this.udp.send(bytes, { transport: "udp", hostname: this.#o.hostname, port: this.#o.port })
      .catch(() => {});
  }

  /** Counts a response; ACKs and BYEs a 2xx to an INVITE; resolves a liveness probe. */
  onResponse(text: string): void {
    const m = /^SIP\/2\.0 (\d{3}) /.exec(text);
    const request = /^([A-Z]+) \S+ SIP\/2\.0\r?\n/.exec(text);
    if (!m && request) return this.#answerRequest(text, request[1]);
    if (!m) {
      this.report.responses.other = (this.report.responses.other ?? 0) + 1;
      return;
    }
    const code = Number(m[1]);
    const cls = `${Math.floor(code / 100)}xx`;
    this.report.responses[cls] = (this.report.responses[cls] ?? 0) + 1;
    this.report.statuses[m[1]] = (this.report.statuses[m[1]] ?? 0) + 1;
    const callId = header(text, "Call-ID") ?? header(text, "i") ?? "";
    const cseq = header(text, "CSeq") ?? "";
    if (code >= 200) this.#pongs.get(callId)?.();
    if (code >= 200 && / BYE$/i.test(cseq)) this.#byeAnswered(callId);
    if (code >= 200 && code < 300 && / INVITE$/i.test(cseq)) this.#endCall(text, callId, cseq);
  }

  #endCall(text: string, callId: string, cseq: string): void {
    this.report.acceptedInvites++;
    const n = parseInt(cseq, 10) || 1;
    const from = header(text, "From") ?? header(text, "f") ?? "";
    const to = header(text, "To") ?? header(text, "t") ?? "";
    for (const [method, seq] of [["ACK", n], ["BYE", n + 1]] as const) {
      const msg = fillTemplate(
        [
          `${method} sip:srs@{host}:{port} SIP/2.0`,
          `Via: SIP/2.0/UDP {host}:{lport};branch=z9hG4bK{branch}${method};rport`,
          "Max-Forwards: 70",
          `From: ${from}`,
          `To: ${to}`,
          `Call-ID: ${callId}`,
          `CSeq: ${seq} ${method}`,
          "",
          "",
        ].join("\n"),
        this.#fill(callId),
      );
      const bytes = latin1(msg.replace(/\r?\n/g, "\r\n"));
      void this.sendUdp(bytes);
      if (method === "BYE") this.#byeSent(callId, bytes);
    }
  }

  /** Sends the BYE again at 0.5, 1, 2, 4 s until a final response (RFC 3261 §17.1.2.2). */
  #byeSent(callId: string, bytes: Uint8Array, tries = 0): void {
    this.#byeAnswered(callId);
    if (tries >= 4) return;
    const timer = setTimeout(() => {
      this.report.byeRetransmissions++;
      void this.sendUdp(bytes);
      this.#byeSent(callId, bytes, tries + 1);
    }, 500 * 2 ** tries);
    this.#byes.set(callId, { tries, timer });
  }

  #byeAnswered(callId: string): void {
    const bye = this.#byes.get(callId);
    if (bye) clearTimeout(bye.timer);
    this.#byes.delete(callId);
  }

  /** A request from the SRS (a BYE ending a call): 200 OK echoing its dialog headers. */
  #answerRequest(text: string, method: string): void {
    this.report.requests[method] = (this.report.requests[method] ?? 0) + 1;
    if (method === "ACK") return;
    const vias = [...text.matchAll(/^(?:Via|v)\s*:\s*(.*)$/gmi)].map((v) => `Via: ${v[1].trim()}`);
    const echo = ["From", "To", "Call-ID", "CSeq"].map((h) => `${h}: ${header(text, h) ?? ""}`);
    const res = ["SIP/2.0 200 OK", ...vias, ...echo, "Content-Length: 0", "", ""].join("\r\n");
    void this.sendUdp(latin1(res));
  }

  #fill(callId: string) {
    const r = Math.floor(this.#rng() * 1e9).toString(36);
    return {
      host: this.#o.hostname,
      port: this.#o.port,
      lport: this.localPort,
      transport: "UDP" as const,
      callId,
      branch: r,
      tag: r,
    };
  }

  /** A well-formed OPTIONS over UDP must get a final response within `ms`. */
  async alive(ms = 3000): Promise<string | null> {
    this.report.liveness.checks++;
    const callId = `probe-${this.report.liveness.checks}-${this.report.seed}@${this.#o.hostname}`;
    const answered = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.#pongs.set(callId, () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    const text = fillTemplate(BASE_TEMPLATES[0], this.#fill(callId));
    for (let i = 0; i < 3; i++) {
      await this.sendUdp(latin1(text.replace(/\r?\n/g, "\r\n")));
      if (await Promise.race([answered, sleep(ms / 3).then(() => null)]) !== null) break;
    }
    this.#pongs.delete(callId);
    if (!await answered) return `OPTIONS after ${this.#n} messages got no answer`;
    if (!this.#o.healthUrl) return null;
    try {
      const r = await fetch(this.#o.healthUrl, { signal: AbortSignal.timeout(ms) });
      await r.body?.cancel();
      return r.status === 200 ? null : `/healthz answered ${r.status} after ${this.#n} messages`;
    } catch (error) {
      return `/healthz failed after ${this.#n} messages: ${(error as Error).message}`;
    }
  }

  async #readUdp(): Promise<void> {
    const buf = new Uint8Array(65_535);
    while (true) {
      try {
        const [bytes] = await this.udp.receive(buf);
        this.onResponse(dec.decode(bytes));
      } catch {
        return; // closed
      }
    }
  }

  async close(): Promise<void> {
    for (const bye of this.#byes.values()) clearTimeout(bye.timer);
    this.#byes.clear();
    this.udp.close();
    await this.#reader;
  }
}

/** Runs the fuzzer; resolves with the report (liveness failures are in it, not thrown). */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const t0 = performance.now();
  const f = new Fuzzer(o);
  const tcpShare = o.tcpShare ?? 0.3;
  const checkEvery = o.checkEvery ?? 1000;
  const burst = o.burst ?? 50;
  try {
    let sent = 0, sinceCheck = 0, sinceYield = 0;
    while (sent < o.count) {
      // A TCP round whenever TCP is behind its share (rounds end early on a reset).
      if (tcpShare > 0 && f.report.sent.tcp < tcpShare * sent) {
        const n = Math.min(TCP_MESSAGES_PER_CONNECTION, o.count - sent);
        await tcpRound(f, o, n);
        sent += n;
        sinceCheck += n;
      } else {
        await f.sendUdp(f.next("UDP", f.localPort).bytes);
        f.report.sent.udp++;
        sent++;
        sinceCheck++;
        if (++sinceYield >= burst) {
          sinceYield = 0;
          await sleep(5);
        }
      }
      if (sinceCheck >= checkEvery) {
        sinceCheck = 0;
        const failure = await f.alive();
        if (failure) f.report.liveness.failures.push(failure);
      }
    }
    await sleep(500); // late answers
    const failure = await f.alive();
    if (failure) f.report.liveness.failures.push(failure);
  } finally {
    await f.close();
  }
  f.report.elapsedMs = Math.round(performance.now() - t0);
  return f.report;
}
