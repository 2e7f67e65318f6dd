/**
 * Interop with an independent client: Debian's baresip calls the real `selrec serve`
 * as a plain fork (no SIPREC) over SIP/TLS with SDES SRTP (`mediaenc=srtp-mand`),
 * sending a 440 Hz tone from a sox-made WAV. The box answers the one sendrecv stream
 * recvonly with its own a=crypto line, decrypts every packet and records the tone on
 * the caller's channel (the other silent) for the call's length.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { dominantTone, rms } from "../helpers/audio.ts";
import { BARESIP_MODULES, runBaresipCall } from "../helpers/baresip.ts";
import { query, waitFor } from "../helpers/db.ts";
import { contains, filesUnder } from "../helpers/srtp_ua.ts";
import { freeTcpPort } from "../helpers/ports.ts";
import { recordEverythingRules, startServer } from "../helpers/server.ts";
import { makeTestCerts } from "../helpers/tls_certs.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";

const CALL_S = 6;

async function toneWav(path: string, seconds: number): Promise<void> {
  const out = await new Deno.Command("sox", {
    args: [
      "-n",
      "-r",
      "8000",
      "-c",
      "1",
      "-b",
      "16",
      path,
      "synth",
      String(seconds),
      "sine",
      "440",
      "vol",
      "0.5",
    ],
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name:
    "baresip calls over TLS with SDES SRTP as a plain fork: every packet decrypted, the tone on the caller's channel for the call's length",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    for (const m of BARESIP_MODULES) await Deno.stat(`/usr/lib/baresip/modules/${m}`);
    const certs = await makeTestCerts();
    const rules = await recordEverythingRules();
    const tlsPort = freeTcpPort();
    const config = `${certs.dir}/selrec.yaml`;
    await Deno.writeTextFile(
      config,
      `sip:\n  tls:\n    port: ${tlsPort}\n    certFile: ${certs.server.cert}\n    keyFile: ${certs.server.key}\n` +
        "    required: true\nrtp:\n  srtp:\n    mode: required\n",
    );
    const server = await startServer({ configFile: config, env: { SELREC_RULES_DIR: rules } });
    const db = `${server.dataDir}/selrec.db`;
    const wav = `${certs.dir}/tone.wav`;
    let baresipDir = "";
    try {
      await toneWav(wav, CALL_S + 10);
      const call = await runBaresipCall({
        dial: `sip:rec@127.0.0.1:${tlsPort};transport=tls`,
        caFile: certs.ca,
        wavFile: wav,
        seconds: CALL_S,
      });
      baresipDir = call.dir;
      assert.equal(call.code, 0, call.output);
      assert.match(call.output, /SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
      assert.match(
        call.output,
        new RegExp(`^TLS \\S+ -> 127\\.0\\.0\\.1:${tlsPort}\\s+INVITE `, "m"),
      );
      const rec = await waitFor("the finished recording", () => {
        const r = query<{ id: string; state: string; path: string; duration_ms: number }>(
          db,
          "SELECT id, state, path, duration_ms FROM recordings",
        )[0];
        return r && r.state !== "recording" ? r : null;
      }, 15_000);
      assert.equal(rec.state, "complete");
      const calls = query<{ source: string; ani: string; end_reason: string }>(
        db,
        "SELECT source, ani, end_reason FROM calls",
      );
      assert.deepEqual(calls, [{ source: "fork", ani: "caller", end_reason: "bye" }]);
      const streams = query<{ channel: number; participant_key: string; stats: string }>(
        db,
        "SELECT channel, participant_key, stats FROM streams",
      );
      assert.equal(streams.length, 1, "one sendrecv m-line, answered recvonly");
      const st = JSON.parse(streams[0].stats);
      assert.equal(st.srtpSuite, "AES_CM_128_HMAC_SHA1_80");
      assert.equal(st.foreignPackets, 0);
      assert.equal(st.lost, 0);
      // baresip 1.0 (libre) sends its RTCP APP "PINGPONG" and its closing RTCP BYE without
      // SRTCP protection; RFC 3711 §3.4 drops them, so they are counted, never decoded.
      assert.ok(st.srtpAuthFailures <= 2, `auth failures ${st.srtpAuthFailures}`);
      assert.ok(st.received > (CALL_S - 2) * 50, `received ${st.received}`);
      // The recording is as long as the media: 20 ms per packet received.
      assert.ok(Math.abs(rec.duration_ms - st.received * 20) < 120, `duration ${rec.duration_ms}`);
      const said = /terminated \(duration: (\d+) secs\)/.exec(call.output);
      assert.ok(said, "baresip reports the call's duration");
      assert.ok(Math.abs(rec.duration_ms / 1000 - Number(said[1])) < 1.5, `baresip: ${said[1]} s`);

      const audio = await decodeOggOpus(
        await recordingPlaintext(`${server.dataDir}/recordings/${rec.path}`, server.dataDir),
      );
      const caller = streams[0].channel, other = 1 - caller;
      assert.equal(streams[0].participant_key, "caller");
      assert.equal(caller, 0, "the caller (From) is the customer: left channel");
      const ch = audio.channelData;
      const end = Math.floor(rec.duration_ms) - 300;
      assert.equal(dominantTone(ch[caller].subarray(48 * 300, 48 * end), 48000, 440, 880), 440);
      for (let ms = 300; ms < end; ms += 100) {
        const level = rms(ch[caller], 48 * ms, 48 * (ms + 100));
        assert.ok(level > 0.1, `caller's tone at ${ms} ms: ${level.toFixed(3)}`);
      }
      assert.ok(rms(ch[other]) < 0.01, "nothing on the other channel");

      // baresip's own SDES key (its INVITE's a=crypto) is kept nowhere.
      const key = /^a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)/m.exec(call.output)?.[1];
      assert.ok(key, "baresip offered a key");
      assert.ok(!server.output().includes(key), "baresip's key in the log");
      for await (const [path, bytes] of filesUnder(server.dataDir)) {
        assert.ok(!contains(bytes, new TextEncoder().encode(key)), `baresip's key in ${path}`);
      }
    } finally {
      await server.stop();
      if (baresipDir) await Deno.remove(baresipDir, { recursive: true });
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(certs.dir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});
