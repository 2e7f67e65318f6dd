/**
 * SRTP (SDES) against the real `selrec serve`, with media from a sender that shares no
 * code with ours: Debian's python3-pylibsrtp (tests/helpers/srtp_send.py). A SIPREC
 * offer with two RTP/SAVP streams is answered with our crypto lines; the recording
 * holds each tone on its channel for the call's length; forged and replayed packets
 * are counted per stream and not heard; `rtp.srtp.mode: required` refuses a plain RTP
 * offer with 488; and no key we sent appears anywhere the box writes: data dir files
 * (database bytes included), the server's log output, /metrics, `recordings show`.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { dominantTone } from "../helpers/audio.ts";
import { recordEverythingRules, ROOT, startServer } from "../helpers/server.ts";
import { query, waitFor } from "../helpers/db.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";
import {
  b64,
  contains,
  filesUnder,
  freeUdpPorts,
  keyNeedles,
  offerSdp,
  PYTHON,
  SUITE,
  Ua,
} from "../helpers/srtp_ua.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

async function cli(dataDir: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
    env: { SELREC_DATA_DIR: dataDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, dec.decode(out.stderr));
  return dec.decode(out.stdout);
}

Deno.test({
  name:
    "SRTP SIPREC call from pylibsrtp is recorded right; forgeries counted; no key kept anywhere",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const config = await Deno.makeTempFile({ suffix: ".yaml" });
    await Deno.writeTextFile(
      config,
      "rtp:\n  srtp:\n    mode: required\n    allowOverPlainSip: true\n",
    );
    const server = await startServer({ configFile: config, env: { SELREC_RULES_DIR: rules } });
    const dbPath = `${server.dataDir}/selrec.db`;
    const keys = [0, 1].map(() => crypto.getRandomValues(new Uint8Array(30)));
    const ua = new Ua(server.sipPort, `srtp-${crypto.randomUUID()}@test`);
    const plainUa = new Ua(server.sipPort, `plain-${crypto.randomUUID()}@test`);
    try {
      const refused = await plainUa.invite(offerSdp(null));
      assert.match(refused, /^SIP\/2\.0 488/);
      assert.match(refused, /^Warning: 399 .*SRTP is required/m);
      await plainUa.request("ACK");

      // The SRC's media ports (rtp.sourcePolicy offer): free now, bound by the sender.
      const from = freeUdpPorts(2);
      const ok = await ua.invite(offerSdp(keys.map(b64), from));
      assert.match(ok, /^SIP\/2\.0 200/, ok);
      const answered = [...ok.matchAll(/^m=audio (\d+) RTP\/SAVP 0/gm)].map((m) => Number(m[1]));
      const ours = [...ok.matchAll(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:(\S+)/gm)];
      assert.equal(answered.length, 2, ok);
      assert.equal(ours.length, 2, "one crypto line of ours per stream");
      for (const k of keys) {
        assert.ok(!ok.includes(b64(k)), "our answer never echoes the SRC's key");
      }
      await ua.request("ACK");

      const sender = await new Deno.Command(PYTHON, {
        args: [
          `${ROOT}tests/helpers/srtp_send.py`,
          JSON.stringify({
            host: "127.0.0.1",
            suite: SUITE,
            durationMs: 4000,
            attackEvery: 50,
            legs: [
              { port: answered[0], from: from[0], key: b64(keys[0]), hz: 440 },
              { port: answered[1], from: from[1], key: b64(keys[1]), hz: 880 },
            ],
          }),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(sender.success, dec.decode(sender.stderr));
      const sent: { sent: number; forged: number; replayed: number }[] = JSON.parse(
        dec.decode(sender.stdout),
      );
      assert.match(await ua.request("BYE"), /^SIP\/2\.0 200/);

      const rec = await waitFor("the finished recording", () => {
        const r = query<{ id: string; state: string; path: string }>(
          dbPath,
          "SELECT id, state, path FROM recordings",
        )[0];
        return r && r.state !== "recording" ? r : null;
      });
      assert.equal(rec.state, "complete");
      const stats = query<{ label: string; stats: string }>(
        dbPath,
        "SELECT label, stats FROM streams ORDER BY label",
      ).map((r) => JSON.parse(r.stats));
      for (const [i, s] of stats.entries()) {
        assert.equal(s.srtpSuite, SUITE);
        assert.equal(s.srtpAuthFailures, sent[i].forged, `stream ${i} forged packets counted`);
        assert.equal(s.srtpReplays, sent[i].replayed, `stream ${i} replays counted`);
        assert.ok(sent[i].forged >= 3 && s.received === sent[i].sent, JSON.stringify(s));
      }
      const audio = await decodeOggOpus(
        await recordingPlaintext(`${server.dataDir}/recordings/${rec.path}`, server.dataDir),
      );
      const [left, right] = audio.channelData;
      const seconds = left.length / 48000;
      assert.ok(seconds > 3.7 && seconds < 4.6, `duration ${seconds} s`);
      const mid = (ch: Float32Array) => ch.subarray(500 * 48, 3500 * 48);
      assert.equal(dominantTone(mid(left), 48000, 440, 880), 440, "caller's tone on the left");
      assert.equal(dominantTone(mid(right), 48000, 440, 880), 880, "callee's tone on the right");

      // No key anywhere: raw bytes, base64 and hex of every key in the offer.
      const show = await cli(server.dataDir, "recordings", "show", rec.id);
      assert.match(show, /label 10/);
      const token = JSON.parse(
        await cli(
          server.dataDir,
          "token",
          "add",
          "--name",
          "k",
          "--scope",
          "system.manage",
          "--user",
          "admin",
          "--json",
        ),
      ).token;
      const metrics = await (await fetch(`${server.httpUrl}/metrics`, {
        headers: { Authorization: `Bearer ${token}` },
      })).text();
      const texts = { log: server.output(), show, metrics };
      const needles = keyNeedles(keys);
      for (const [name, text] of Object.entries(texts)) {
        for (const n of needles) assert.ok(!contains(enc.encode(text), n), `a key in ${name}`);
      }
      let files = 0;
      for await (const [path, bytes] of filesUnder(server.dataDir)) {
        files++;
        for (const n of needles) assert.ok(!contains(bytes, n), `a key in ${path}`);
      }
      assert.ok(files >= 3, "database, WAL and the recording were searched");
      assert.ok(!/inline:(?!<redacted>)/.test(server.output()), "no inline: key in the log");
    } finally {
      ua.sock.close();
      plainUa.sock.close();
      assert.equal(await server.stop(), 0);
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(config);
    }
  },
});
