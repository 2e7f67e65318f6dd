/**
 * Issue 15 liveness against the real `selrec serve` process, with a raw SIP/UDP peer:
 * a call whose media stops ends with `media-timeout` and our BYE (retransmitted on
 * Timer E while unanswered), frees its slot (`sip.maxSessions: 1`) and its ports; a
 * session-timer call that is not refreshed ends with `session-expired`; UPDATE
 * refreshes keep one up past its expiry; a late-offer INVITE is recorded.
 */
import assert from "node:assert/strict";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { query, waitFor } from "../helpers/db.ts";

const enc = new TextEncoder(), dec = new TextDecoder();
const rand = () => crypto.randomUUID().replace(/-/g, "").slice(0, 12);

/** A SIP/UDP peer that queues what it receives (with arrival time). */
class Peer {
  sock = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  rtp = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  inbox: { text: string; at: number }[] = [];
  #loop: Promise<void>;
  constructor(readonly sipPort: number) {
    this.#loop = (async () => {
      try {
        for (;;) {
          const [b] = await this.sock.receive();
          this.inbox.push({ text: dec.decode(b), at: Date.now() });
        }
      } catch { /* closed */ }
    })();
  }
  get port(): number {
    return (this.sock.addr as Deno.NetAddr).port;
  }
  get rtpPort(): number {
    return (this.rtp.addr as Deno.NetAddr).port;
  }
  send(text: string): Promise<number> {
    return this.sock.send(enc.encode(text), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: this.sipPort,
    });
  }
  /** Waits for the first queued message matching `re` and removes it. */
  async next(re: RegExp, ms = 10_000): Promise<{ text: string; at: number }> {
    return await waitFor(`a SIP message ${re}`, () => {
      const i = this.inbox.findIndex((m) => re.test(m.text));
      return i < 0 ? null : this.inbox.splice(i, 1)[0];
    }, ms);
  }
  async close(): Promise<void> {
    this.sock.close();
    this.rtp.close();
    await this.#loop;
  }
}

/** One dialog of ours: the INVITE's ids, our CSeq, the server's tag. */
class Call {
  callId = rand();
  tag = rand();
  toTag = "";
  cseq = 1;
  constructor(readonly peer: Peer) {}
  request(method: string, headers: string[], body = "", cseq = this.cseq): string {
    const p = this.peer;
    const to = `<sip:srs@127.0.0.1>${this.toTag ? `;tag=${this.toTag}` : ""}`;
    return [
      `${method} sip:srs@127.0.0.1:${p.sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${p.port};branch=z9hG4bK${rand()};rport`,
      "Max-Forwards: 70",
      `From: <sip:src@127.0.0.1>;tag=${this.tag}`,
      `To: ${to}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:src@127.0.0.1:${p.port}>`,
      ...headers,
      ...(body ? ["Content-Type: application/sdp"] : []),
      `Content-Length: ${enc.encode(body).length}`,
      "",
      body,
    ].join("\r\n");
  }
  /** INVITE (with `sdp` or none), the 200, and the ACK (with `ackSdp`). */
  async invite(headers: string[], sdp: string, ackSdp?: (offer: string) => string) {
    await this.peer.send(this.request("INVITE", headers, sdp));
    const ok = await this.peer.next(new RegExp(`^SIP/2.0 200[^]*Call-ID: ${this.callId}`));
    this.toTag = /\r\nTo:[^\r]*;tag=([^;\r\s]+)/i.exec(ok.text)![1];
    const body = ok.text.slice(ok.text.indexOf("\r\n\r\n") + 4);
    await this.peer.send(this.request("ACK", [], ackSdp ? ackSdp(body) : "", 1));
    return { text: ok.text, port: Number(/m=audio (\d+)/.exec(body)![1]) };
  }
}

function sdp(rtpPort: number, direction: string): string {
  return [
    "v=0",
    "o=src 1 1 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=audio ${rtpPort} RTP/AVP 0`,
    "a=rtpmap:0 PCMU/8000",
    `a=${direction}`,
    "",
  ].join("\r\n");
}

/** Sends `ms` of PCMU (20 ms packets, a 400 Hz tone) from the peer's RTP socket. */
async function sendRtp(peer: Peer, port: number, ms: number): Promise<number> {
  const start = performance.now();
  let n = 0;
  for (; n * 20 < ms; n++) {
    const p = new Uint8Array(172);
    const v = new DataView(p.buffer);
    v.setUint8(0, 0x80);
    v.setUint16(2, n);
    v.setUint32(4, n * 160);
    v.setUint32(8, 0x1234);
    for (let i = 0; i < 160; i++) {
      p[12 + i] = Math.sin((2 * Math.PI * 400 * (n * 160 + i)) / 8000) > 0 ? 0x90 : 0x10;
    }
    await peer.rtp.send(p, { transport: "udp", hostname: "127.0.0.1", port });
    const wait = start + (n + 1) * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return n;
}

type Row = {
  state: string;
  duration_ms: number;
  flag_media_timeout: number;
  flag_session_expired: number;
  end_reason: string;
};
const ended = (db: string, callId: string) =>
  waitFor(`the end of call ${callId}`, () => {
    const r = query<Row>(
      db,
      `SELECT r.state, r.duration_ms, r.flag_media_timeout, r.flag_session_expired, c.end_reason
       FROM recordings r JOIN calls c ON c.id = r.call_id WHERE c.sip_call_id = ?`,
      callId,
    )[0];
    return r && r.state !== "recording" ? r : null;
  }, 15_000);

Deno.test({
  name: "liveness: media timeout, BYE retransmission, session timers, late offer",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn(t) {
    const rules = await recordEverythingRules();
    const config = await Deno.makeTempFile({ suffix: ".yaml" });
    await Deno.writeTextFile(
      config,
      "sip: { maxSessions: 1, minSE: 1 }\nrtp: { inactivitySeconds: 1.5 }\n",
    );
    await using server = await startServer({
      env: { SELREC_RULES_DIR: rules },
      configFile: config,
      rtpPorts: "24000-24003",
    });
    const db = `${server.dataDir}/selrec.db`;
    const peer = new Peer(server.sipPort);
    try {
      await t.step("no RTP after 3 s of media: our BYE, retransmitted until answered", async () => {
        const call = new Call(peer);
        const ok = await call.invite([], sdp(peer.rtpPort, "sendonly"));
        await sendRtp(peer, ok.port, 3000);
        const stopped = Date.now();
        const byes = [await peer.next(/^BYE /), await peer.next(/^BYE /)];
        const third = await peer.next(/^BYE /);
        assert.ok(byes[0].at - stopped <= 1500 + 1000, `BYE after ${byes[0].at - stopped} ms`);
        // Timer E: T1 (500 ms), then 1 s; the same transaction (one branch, one CSeq).
        const gap = [byes[1].at - byes[0].at, third.at - byes[1].at];
        assert.ok(gap[0] >= 400 && gap[0] <= 800, `first retransmission after ${gap[0]} ms`);
        assert.ok(gap[1] >= 850 && gap[1] <= 1400, `second retransmission after ${gap[1]} ms`);
        const via = (m: string) => /\r\nVia: ([^\r]+)/.exec(m)![1];
        assert.equal(via(third.text), via(byes[0].text));
        await peer.send(reply200(third.text));
        const r = await ended(db, call.callId);
        assert.equal(r.flag_media_timeout, 1);
        assert.equal(r.end_reason, "media-timeout");
        assert.ok(r.duration_ms >= 2900, `duration ${r.duration_ms}`);
      });

      await t.step("an unrefreshed session timer ends the call as session-expired", async () => {
        const call = new Call(peer); // maxSessions 1: this call proves the slot is free
        const ok = await call.invite(
          ["Supported: timer", "Session-Expires: 3;refresher=uac"],
          sdp(peer.rtpPort, "sendonly"),
        );
        assert.match(ok.text, /\r\nSession-Expires: 3;refresher=uac\r\n/);
        assert.match(ok.text, /\r\nRequire: timer\r\n/);
        const started = Date.now();
        // Media flows, so only the session timer can end the call (a call whose media never
        // starts ends after rtp.inactivitySeconds, 1.5 s here).
        const media = sendRtp(peer, ok.port, 2600);
        const bye = await peer.next(/^BYE /);
        await peer.send(reply200(bye.text));
        await media;
        const after = bye.at - started; // RFC 4028 §10: 3 − min(32, 3/3) = 2 s
        assert.ok(after >= 1700 && after <= 2800, `BYE after ${after} ms`);
        const r = await ended(db, call.callId);
        assert.equal(r.flag_session_expired, 1);
        assert.equal(r.end_reason, "session-expired");
      });

      await t.step("UPDATE refreshes keep a session-timer call up past its expiry", async () => {
        const call = new Call(peer);
        const ok = await call.invite(
          ["Supported: timer", "Session-Expires: 3;refresher=uac"],
          sdp(peer.rtpPort, "sendonly"),
        );
        const media = sendRtp(peer, ok.port, 5200);
        for (let i = 0; i < 4; i++) {
          await new Promise((r) => setTimeout(r, 1200));
          call.cseq++;
          await peer.send(call.request("UPDATE", ["Supported: timer", "Session-Expires: 3"]));
          const ok = await peer.next(/^SIP\/2.0 200[^]*CSeq: \d+ UPDATE/);
          assert.match(ok.text, /\r\nSession-Expires: 3;refresher=uac\r\n/);
        }
        await media;
        assert.equal(peer.inbox.filter((m) => /^BYE /.test(m.text)).length, 0);
        call.cseq++;
        await peer.send(call.request("BYE", []));
        await peer.next(/^SIP\/2.0 200[^]*CSeq: \d+ BYE/);
        const r = await ended(db, call.callId);
        assert.equal(r.flag_session_expired, 0);
        assert.equal(r.end_reason, "bye");
      });

      await t.step("a late-offer INVITE gets our offer in the 200 and is recorded", async () => {
        const call = new Call(peer);
        const ok = await call.invite([], "", () => sdp(peer.rtpPort, "sendonly"));
        assert.match(ok.text, /\r\nContent-Type: application\/sdp/);
        assert.match(ok.text, /a=recvonly/);
        await new Promise((r) => setTimeout(r, 200)); // the ACK binds the ports
        const sent = await sendRtp(peer, ok.port, 2000);
        call.cseq++;
        await peer.send(call.request("BYE", []));
        await peer.next(/^SIP\/2.0 200[^]*CSeq: \d+ BYE/);
        const r = await ended(db, call.callId);
        assert.equal(r.state, "complete");
        assert.ok(Math.abs(r.duration_ms - sent * 20) <= 200, `duration ${r.duration_ms}`);
        const port = query<{ port: number }>(db, "SELECT port FROM streams ORDER BY rowid DESC")[0];
        assert.equal(port.port, ok.port);
      });
    } finally {
      await peer.close();
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(config);
    }
  },
});

/** A 200 to a request of the server's (its Via, From, To, Call-ID and CSeq copied). */
function reply200(req: string): string {
  const keep = req.split("\r\n").filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
  return ["SIP/2.0 200 OK", ...keep, "Content-Length: 0", "", ""].join("\r\n");
}
