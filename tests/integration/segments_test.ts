/**
 * Issue 15's maximum recording length against the real `selrec serve` process: with
 * `recorder.maxSegmentSeconds: 2.5`, a 6.5 s call whose two legs send continuous tones
 * (400 Hz and 600 Hz) is stored as three linked recordings of one call. Decoded back to
 * back, the three WAV files hold the sent audio within 40 ms, and each tone runs on
 * across both joins: no sample lost, doubled or padded (a least-squares sine fit over a
 * window that straddles each join leaves only µ-law quantization noise).
 */
import assert from "node:assert/strict";
import { encodeG711 } from "../../src/codec/g711.ts";
import { decodeBytes } from "../../src/codec/decode_file.ts";
import { ROOT, startServer } from "../helpers/server.ts";
import { query, waitFor } from "../helpers/db.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";

const enc = new TextEncoder(), dec = new TextDecoder();
const rand = () => crypto.randomUUID().replace(/-/g, "").slice(0, 12);
const TONES = [400, 600];
const AMPLITUDE = 8000;

function request(o: {
  method: string;
  sipPort: number;
  port: number;
  callId: string;
  tag: string;
  toTag?: string;
  cseq: number;
  body?: string;
}): string {
  const body = o.body ?? "";
  return [
    `${o.method} sip:srs@127.0.0.1:${o.sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${o.port};branch=z9hG4bK${rand()};rport`,
    "Max-Forwards: 70",
    `From: <sip:src@127.0.0.1>;tag=${o.tag}`,
    `To: <sip:srs@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ""}`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} ${o.method}`,
    `Contact: <sip:src@127.0.0.1:${o.port}>`,
    ...(body ? ["Content-Type: application/sdp"] : []),
    `Content-Length: ${enc.encode(body).length}`,
    "",
    body,
  ].join("\r\n");
}

function offer(ports: number[]): string {
  return [
    "v=0",
    "o=src 1 1 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    ...ports.flatMap((p, i) => [
      `m=audio ${p} RTP/AVP 0`,
      "a=rtpmap:0 PCMU/8000",
      `a=label:${i + 1}`,
      "a=sendonly",
    ]),
    "",
  ].join("\r\n");
}

/** Sends `ms` of a continuous tone per leg (20 ms PCMU packets) to the answered ports. */
async function sendTones(
  socks: Deno.DatagramConn[],
  ports: number[],
  ms: number,
): Promise<number> {
  const start = performance.now();
  let n = 0;
  for (; n * 20 < ms; n++) {
    for (const [leg, port] of ports.entries()) {
      const pcm = new Int16Array(160);
      for (let i = 0; i < 160; i++) {
        const t = (n * 160 + i) / 8000;
        pcm[i] = Math.round(AMPLITUDE * Math.sin(2 * Math.PI * TONES[leg] * t));
      }
      const p = new Uint8Array(172);
      const v = new DataView(p.buffer);
      v.setUint8(0, 0x80);
      v.setUint16(2, n);
      v.setUint32(4, n * 160);
      v.setUint32(8, 0x1000 + leg);
      p.set(encodeG711("pcmu", pcm), 12);
      await socks[leg].send(p, { transport: "udp", hostname: "127.0.0.1", port });
    }
    const wait = start + (n + 1) * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return n;
}

/** RMS residual of a least-squares fit a·sin + b·cos (+ c) at `hz` over x[from, to). */
function sineResidual(x: Float32Array, hz: number, from: number, to: number): number {
  const w = (2 * Math.PI * hz) / 8000;
  // Normal equations for [sin, cos, 1].
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]], r = [0, 0, 0];
  for (let i = from; i < to; i++) {
    const f = [Math.sin(w * i), Math.cos(w * i), 1];
    for (let a = 0; a < 3; a++) {
      r[a] += f[a] * x[i];
      for (let b = 0; b < 3; b++) m[a][b] += f[a] * f[b];
    }
  }
  const c = solve3(m, r);
  let sum = 0;
  for (let i = from; i < to; i++) {
    const e = x[i] - (c[0] * Math.sin(w * i) + c[1] * Math.cos(w * i) + c[2]);
    sum += e * e;
  }
  return Math.sqrt(sum / (to - from));
}

function solve3(m: number[][], r: number[]): number[] {
  const det = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  return [0, 1, 2].map((k) => det(m.map((row, i) => row.map((v, j) => (j === k ? r[i] : v)))) / d);
}

/** Longest run of samples quieter than 1 % of full scale in x[from, to). */
function longestQuiet(x: Float32Array, from: number, to: number): number {
  let run = 0, longest = 0;
  for (let i = Math.max(0, from); i < Math.min(x.length, to); i++) {
    run = Math.abs(x[i]) < 0.01 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

type Seg = {
  id: string;
  segment: number;
  previous_recording_id: string | null;
  state: string;
  path: string;
  format: "opus" | "wav";
  duration_ms: number;
};

Deno.test({
  name: "segments: a 6.5 s call in 2.5 s segments plays back whole across its joins",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await Deno.makeTempDir({ prefix: "selrec-rules-" });
    await Deno.writeTextFile(
      `${rules}/all.yaml`,
      `version: 1
rules:
  - id: record-everything-wav
    when: { not: { field: businessUnit, equals: "__never__" } }
    then: { record: true, format: wav, partitions: [qa] }
`,
    );
    const config = await Deno.makeTempFile({ suffix: ".yaml" });
    await Deno.writeTextFile(config, "recorder: { maxSegmentSeconds: 2.5 }\n");
    await using server = await startServer({
      env: { SELREC_RULES_DIR: rules },
      configFile: config,
    });
    const sip = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
    const port = (sip.addr as Deno.NetAddr).port;
    const rtp = [0, 1].map(() =>
      Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" })
    );
    const rtpPorts = rtp.map((s) => (s.addr as Deno.NetAddr).port);
    const inbox: string[] = [];
    const loop = (async () => {
      try {
        for (;;) inbox.push(dec.decode((await sip.receive())[0]));
      } catch { /* closed */ }
    })();
    const next = (re: RegExp) =>
      waitFor(`a SIP message ${re}`, () => {
        const i = inbox.findIndex((m) => re.test(m));
        return i < 0 ? null : inbox.splice(i, 1)[0];
      }, 10_000);
    const send = (text: string) =>
      sip.send(enc.encode(text), { transport: "udp", hostname: "127.0.0.1", port: server.sipPort });
    try {
      const callId = rand(), tag = rand();
      const base = { sipPort: server.sipPort, port, callId, tag };
      await send(request({ ...base, method: "INVITE", cseq: 1, body: offer(rtpPorts) }));
      const ok = await next(new RegExp(`^SIP/2.0 200[^]*Call-ID: ${callId}`));
      const toTag = /\r\nTo:[^\r]*;tag=([^;\r\s]+)/i.exec(ok)![1];
      await send(request({ ...base, toTag, method: "ACK", cseq: 1 }));
      const answered = [...ok.matchAll(/m=audio (\d+)/g)].map((m) => Number(m[1]));
      assert.equal(answered.length, 2);
      const packets = await sendTones(rtp, answered, 6500);
      await new Promise((r) => setTimeout(r, 300));
      await send(request({ ...base, toTag, method: "BYE", cseq: 2 }));
      await next(/^SIP\/2.0 200[^]*CSeq: 2 BYE/);

      const db = `${server.dataDir}/selrec.db`;
      const segs = await waitFor("three finished segments", () => {
        const rows = query<Seg>(
          db,
          `SELECT r.id, r.segment, r.previous_recording_id, r.state, r.path, r.format,
             r.duration_ms FROM recordings r JOIN calls c ON c.id = r.call_id
           WHERE c.sip_call_id = ? ORDER BY r.segment`,
          callId,
        );
        return rows.length === 3 && rows.every((r) => r.state !== "recording") ? rows : null;
      }, 15_000);
      assert.deepEqual(segs.map((s) => [s.segment, s.state]), [
        [1, "complete"],
        [2, "complete"],
        [3, "complete"],
      ]);
      assert.equal(segs[0].previous_recording_id, null);
      assert.equal(segs[1].previous_recording_id, segs[0].id);
      assert.equal(segs[2].previous_recording_id, segs[1].id);

      const pcm = await Promise.all(
        segs.map(async (s) =>
          decodeBytes(
            await recordingPlaintext(`${server.dataDir}/recordings/${s.path}`, server.dataDir),
            s.format,
          )
        ),
      );
      const lengths = pcm.map((p) => p.channels[0].length);
      const total = lengths.reduce((a, b) => a + b, 0);
      const sentMs = packets * 20, gotMs = total / 8;
      assert.ok(Math.abs(gotMs - sentMs) <= 40, `recorded ${gotMs} ms of ${sentMs} ms sent`);
      // Each of the first two segments is about maxSegmentSeconds long.
      for (const n of lengths.slice(0, 2)) assert.ok(Math.abs(n / 8 - 2500) <= 300, `${n / 8} ms`);

      // `recordings show` of the middle segment lists all three, in order.
      const show = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}main.ts`, "recordings", "show", segs[1].id],
        env: { SELREC_DATA_DIR: server.dataDir, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(show.code, 0, dec.decode(show.stderr));
      const text = dec.decode(show.stdout);
      assert.match(text, /segments \(3, this is 2\):/);
      const listed = [...text.matchAll(/^ {2}[* ] (\d) (\S+) /gm)].map((m) => [m[1], m[2]]);
      assert.deepEqual(listed, segs.map((s) => [String(s.segment), s.id]));

      for (const ch of [0, 1]) {
        const all = new Float32Array(total);
        let at = 0;
        for (const p of pcm) {
          all.set(p.channels[ch], at);
          at += p.channels[ch].length;
        }
        const level = AMPLITUDE / 32768;
        for (const join of [lengths[0], lengths[0] + lengths[1]]) {
          const across = sineResidual(all, TONES[ch], join - 400, join + 400);
          const before = sineResidual(all, TONES[ch], join - 1200, join - 400);
          // µ-law noise alone is ~1 % of the tone; a lost or doubled sample is ~30 %.
          assert.ok(across < 0.05 * level, `ch${ch} join ${join}: residual ${across}`);
          assert.ok(across < before * 3 + 0.005, `ch${ch} join ${join}: ${across} vs ${before}`);
          assert.ok(longestQuiet(all, join - 400, join + 400) < 8, `ch${ch}: silence at ${join}`);
        }
      }
    } finally {
      sip.close();
      for (const s of rtp) s.close();
      await loop;
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(config);
    }
  },
});
