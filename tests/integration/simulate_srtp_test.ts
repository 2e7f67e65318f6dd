/**
 * `selrec simulate --srtp SUITE` against the real server: over TLS each leg is sent as
 * SRTP with its own SDES key and the recording is right (every packet authenticated,
 * none lost, each tone on its channel); over UDP the CLI says why the recorder refuses
 * the keys (RFC 4568 §8.3) and the calls get 488.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { assertPartyTones } from "../helpers/audio.ts";
import { query, waitFor } from "../helpers/db.ts";
import { freeTcpPort } from "../helpers/ports.ts";
import { recordEverythingRules, simulateCommand, startServer } from "../helpers/server.ts";
import { makeTestCerts } from "../helpers/tls_certs.ts";
import { recordingPlaintext } from "../helpers/recording_bytes.ts";
import { assertAnswered } from "../helpers/sim_report.ts";

const dec = new TextDecoder();

function simulate(...args: string[]): Promise<Deno.CommandOutput> {
  return simulateCommand(...args).output();
}

Deno.test({
  name:
    "simulate --srtp over TLS is recorded packet for packet with the tones in place; over UDP the CLI explains the 488",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const certs = await makeTestCerts();
    const rules = await recordEverythingRules();
    const tlsPort = freeTcpPort();
    const config = `${certs.dir}/selrec.yaml`;
    await Deno.writeTextFile(
      config,
      `sip:\n  tls:\n    port: ${tlsPort}\n    certFile: ${certs.server.cert}\n    keyFile: ${certs.server.key}\n` +
        "rtp:\n  srtp:\n    mode: required\n",
    );
    const server = await startServer({ configFile: config, env: { SELREC_RULES_DIR: rules } });
    const db = `${server.dataDir}/selrec.db`;
    try {
      const suite = "AES_CM_128_HMAC_SHA1_80";
      const common = ["--calls", "2", "--rate", "4", "--duration", "3", "--tones", "--json"];
      const out = await simulate(
        "--target",
        `127.0.0.1:${tlsPort}`,
        "--transport",
        "tls",
        "--ca",
        certs.ca,
        "--srtp",
        suite,
        ...common,
      );
      assert.equal(out.code, 0, dec.decode(out.stderr));
      const report = JSON.parse(dec.decode(out.stdout));
      assert.equal(report.srtp, suite);
      assertAnswered(report, 2);
      assert.equal(report.totals.recordedStreams, 4);
      assert.equal(report.packets.protectErrors, 0);
      assert.equal(report.packets.sent, 4 * 150);

      const recs = await waitFor("two complete recordings", () => {
        const r = query<{ id: string; path: string; duration_ms: number }>(
          db,
          "SELECT id, path, duration_ms FROM recordings WHERE state = 'complete'",
        );
        return r.length === 2 ? r : null;
      }, 15_000);
      const stats = query<{ stats: string }>(db, "SELECT stats FROM streams")
        .map((r) => JSON.parse(r.stats));
      assert.equal(stats.length, 4);
      for (const s of stats) {
        assert.equal(s.srtpSuite, suite);
        assert.equal(s.srtpAuthFailures, 0);
        assert.equal(s.srtpReplays, 0);
      }
      const received = stats.reduce((a, s) => a + s.received, 0);
      assert.equal(received, report.packets.sent, "every SRTP packet authenticated and kept");
      for (const r of recs) {
        assert.ok(Math.abs(r.duration_ms - 3000) < 400, `duration ${r.duration_ms}`);
        const audio = await decodeOggOpus(
          await recordingPlaintext(`${server.dataDir}/recordings/${r.path}`, server.dataDir),
        );
        const mid = (ch: Float32Array) => ch.subarray(500 * 48, 2500 * 48);
        const [left, right] = audio.channelData;
        // Two calls at once are encoded on two encoder threads: neither leaks into the other.
        assertPartyTones(mid(left), mid(right), 48000);
      }

      const plain = await simulate(
        "--target",
        `127.0.0.1:${server.sipPort}`,
        "--srtp",
        suite,
        ...common.slice(0, -1),
      );
      assert.equal(plain.code, 1, "the refused calls failed");
      const stderr = dec.decode(plain.stderr), stdout = dec.decode(plain.stdout);
      assert.match(stderr, /SDES keys only over SIP\/TLS \(RFC 4568 §8\.3\)/);
      assert.match(stderr, /--transport tls --ca FILE, or set rtp\.srtp\.allowOverPlainSip: true/);
      assert.match(stdout, /^2 calls got 488: /m);
      assert.match(server.output(), /SRTP offer refused: SDES keys need SIP over TLS/);

      const bad = await simulate("--target", "127.0.0.1:5", "--srtp", "AES_256_CM_HMAC_SHA1_80");
      assert.equal(bad.code, 2);
      assert.match(dec.decode(bad.stderr), /--srtp must be one of AES_CM_128_HMAC_SHA1_80, /);
    } finally {
      await server.stop();
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(certs.dir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
    }
  },
});
