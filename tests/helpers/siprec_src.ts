/**
 * A scriptable SIPREC SRC over UDP for integration tests, built from the load client's
 * parts (src/sim: client transactions with retransmissions, the SRC dialog) and the
 * SIPREC offer builder: INVITE with SDP + metadata, re-INVITEs with SDP only (pause,
 * resume), metadata only (a transfer) or both, and BYE. Media is sent by the test
 * (tests/helpers/audio.ts) from {@link SiprecSrc.legs} to the answered ports.
 */
import { SipClient } from "../../src/sim/sip_client.ts";
import {
  ackFor,
  bye,
  confirmDialog,
  initialInvite,
  readAnswer,
  reInvite,
  type SrcDialog,
} from "../../src/sim/dialog.ts";
import {
  buildSiprecMetadata,
  type OfferParticipant,
  type SiprecOfferOptions,
} from "../../src/sip/siprec_offer.ts";
import type { SipResponse } from "../../src/sip/message.ts";
import { realTimers } from "../../src/sip/timers.ts";
import { seededRandom } from "../../src/sim/rng.ts";

/** What a call offers: who is on it and the attached data (extension data). */
export interface SrcCall {
  participants: OfferParticipant[];
  extensions: Record<string, string>;
}

/** One SIPREC call from a fresh UDP socket, with two RTP legs labelled 1 and 2. */
export class SiprecSrc {
  readonly sip = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  /** The RTP sockets of legs 1 and 2 (offered as the SRC's media ports). */
  readonly legs = [0, 1].map(() =>
    Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" })
  );
  readonly client: SipClient;
  readonly dialog: SrcDialog;
  #version = 1;
  #rng = seededRandom(Math.floor(Math.random() * 2 ** 31));
  #loop: Promise<void>;

  constructor(readonly srsPort: number, readonly sessionId = crypto.randomUUID()) {
    const port = (this.sip.addr as Deno.NetAddr).port;
    const client = new SipClient({
      send: (bytes) => {
        this.sip.send(bytes, { transport: "udp", hostname: "127.0.0.1", port: srsPort })
          .catch(() => {});
      },
      reliable: false,
      timers: realTimers,
      onRequest: () => 200,
    });
    this.client = client;
    this.dialog = {
      addressing: {
        srs: `127.0.0.1:${srsPort}`,
        src: `127.0.0.1:${port}`,
        transport: "udp",
        callId: `${crypto.randomUUID()}@it.selrec.test`,
        fromTag: crypto.randomUUID().slice(0, 8),
      },
      to: null,
      remoteTarget: null,
      cseq: 1,
    };
    this.#loop = (async () => {
      try {
        for (;;) client.receive((await this.sip.receive())[0]);
      } catch { /* closed */ }
    })();
  }

  /** The SIP Call-ID of this call. */
  get callId(): string {
    return this.dialog.addressing.callId;
  }

  #offer(call: SrcCall, direction: "sendonly" | "inactive"): SiprecOfferOptions {
    return {
      host: "127.0.0.1",
      streams: this.legs.map((s, i) => ({
        label: String(i + 1),
        port: (s.addr as Deno.NetAddr).port,
        codec: "PCMU",
        direction,
      })),
      participants: call.participants,
      sessionId: this.sessionId,
      sipSessionId: this.callId,
      extensions: call.extensions,
      sdpVersion: this.#version++,
    };
  }

  async #ack(res: SipResponse, cseq: number): Promise<void> {
    if (res.status >= 300) throw new Error(`SRS answered ${res.status} ${res.reason}`);
    confirmDialog(this.dialog, res);
    this.client.ack(ackFor(this.dialog, cseq, this.#rng));
    await Promise.resolve();
  }

  /** INVITE; resolves with the answered RTP port of each leg (label 1, 2). */
  async invite(call: SrcCall): Promise<number[]> {
    const res = await this.client.request(
      initialInvite(this.dialog, this.#offer(call, "sendonly"), this.#rng),
    );
    await this.#ack(res, 1);
    return readAnswer(res, ["1", "2"], "127.0.0.1").map((l) => {
      if (!l.target) throw new Error(`leg ${l.label} was refused`);
      return l.target.port;
    });
  }

  /** Re-INVITE with SDP only: `inactive` pauses (RFC 7866 §8.1.4), `sendonly` resumes. */
  async direction(call: SrcCall, direction: "sendonly" | "inactive"): Promise<void> {
    const req = reInvite(this.dialog, this.#offer(call, direction), false, this.#rng);
    await this.#ack(await this.client.request(req), this.dialog.cseq);
  }

  /** Re-INVITE carrying only new metadata (RFC 7866 §8.2.1): a transfer. */
  async metadata(call: SrcCall): Promise<void> {
    const req = reInvite(this.dialog, this.#offer(call, "sendonly"), true, this.#rng);
    req.headers.set("Content-Type", "application/rs-metadata+xml");
    req.headers.set("Content-Disposition", "recording-session");
    req.body = buildSiprecMetadata(this.#offer(call, "sendonly"));
    this.#version--; // no new SDP went out
    await this.#ack(await this.client.request(req), this.dialog.cseq);
  }

  /** BYE; resolves with its final status. */
  async bye(): Promise<number> {
    return (await this.client.request(bye(this.dialog, this.#rng))).status;
  }

  /** Closes the sockets. */
  async close(): Promise<void> {
    this.client.close();
    this.sip.close();
    for (const s of this.legs) s.close();
    await this.#loop;
  }
}
