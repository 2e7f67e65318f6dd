/**
 * A re-key through SIP against the real `selrec serve`: mid-call the SRC sends a
 * re-INVITE with new a=crypto keys (RFC 4568 §7.1.4) and its sender (python3-pylibsrtp,
 * no code shared with ours) switches to them right after the 200. The recording has no
 * gap: every packet authenticated, no gap rows, each tone present in every 100 ms of
 * the call, the duration right. During the call `/calls` (signed in as admin through
 * /sign-in) shows the call and none of the four keys; after it, no key is in any file of
 * the data dir (the database holds the audit trail) nor in the log.
 */
import assert from "node:assert/strict";
import { decodeOggOpus } from "../../src/codec/opus_decode.ts";
import { dominantTone, rms } from "../helpers/audio.ts";
import { query, waitFor } from "../helpers/db.ts";
import { recordEverythingRules, ROOT, startServer, type TestServer } from "../helpers/server.ts";
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
const CALL_MS = 6000;

/** Signs in as admin through the form; returns the session cookie. */
async function signIn(server: TestServer): Promise<string> {
  const res = await fetch(`${server.httpUrl}/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: "admin", password: server.adminPassword, next: "/" }),
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 303, "admin signs in");
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  assert.ok(cookie, "a session cookie");
  return cookie;
}

async function activeCalls(server: TestServer, cookie: string): Promise<string> {
  const res = await fetch(`${server.httpUrl}/calls`, { headers: { Cookie: cookie } });
  assert.equal(res.status, 200);
  return await res.text();
}

Deno.test({
  name:
    "re-INVITE with new SRTP keys mid-call: the sender switches after the 200 and the recording has no gap; /calls shows no key",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const rules = await recordEverythingRules();
    const config = await Deno.makeTempFile({ suffix: ".yaml" });
    await Deno.writeTextFile(
      config,
      // A password sign-in for admin (no TOTP enrolment): the test reads /calls as admin.
      "rtp:\n  srtp:\n    mode: required\n    allowOverPlainSip: true\nauth:\n  mfa:\n    requiredRoles: []\n",
    );
    const server = await startServer({ configFile: config, env: { SELREC_RULES_DIR: rules } });
    const db = `${server.dataDir}/selrec.db`;
    const first = [0, 1].map(() => crypto.getRandomValues(new Uint8Array(30)));
    const second = [0, 1].map(() => crypto.getRandomValues(new Uint8Array(30)));
    const ua = new Ua(server.sipPort, `rekey-${crypto.randomUUID()}@test`);
    let sender: Deno.ChildProcess | null = null;
    try {
      const cookie = await signIn(server);
      const from = freeUdpPorts(2);
      const ok = await ua.invite(offerSdp(first.map(b64), from));
      assert.match(ok, /^SIP\/2\.0 200/, ok);
      const ports = [...ok.matchAll(/^m=audio (\d+) RTP\/SAVP 0/gm)].map((m) => Number(m[1]));
      await ua.request("ACK");
      sender = new Deno.Command(PYTHON, {
        args: [
          `${ROOT}tests/helpers/srtp_send.py`,
          JSON.stringify({
            host: "127.0.0.1",
            suite: SUITE,
            durationMs: CALL_MS,
            rekeyFromStdin: true,
            legs: [
              { port: ports[0], from: from[0], key: b64(first[0]), hz: 440 },
              { port: ports[1], from: from[1], key: b64(first[1]), hz: 880 },
            ],
          }),
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const pages = [await activeCalls(server, cookie)];
      for (let i = 0; i < 40 && !/\b1 active calls\b/.test(pages[0]); i++) {
        await new Promise((r) => setTimeout(r, 50));
        pages[0] = await activeCalls(server, cookie);
      }
      assert.match(pages[0], /\b1 active calls\b/, "the call is on /calls");

      await new Promise((r) => setTimeout(r, 2500));
      const reOk = await ua.request("INVITE", offerSdp(second.map(b64), from, 2));
      assert.match(reOk, /^SIP\/2\.0 200/, reOk);
      // Right after the 200, as an SRC does: the new keys from the next packet on.
      const stdin = sender.stdin.getWriter();
      await stdin.write(enc.encode(JSON.stringify(second.map(b64)) + "\n"));
      await ua.request("ACK");
      const reAnswered = [...reOk.matchAll(/^m=audio (\d+) RTP\/SAVP 0/gm)].map((m) =>
        Number(m[1])
      );
      assert.deepEqual(reAnswered, ports, "same ports after the re-key");
      pages.push(await activeCalls(server, cookie));
      assert.match(pages[1], /\b1 active calls\b/);
      await stdin.close();
      const out = await sender.output();
      sender = null;
      assert.ok(out.success, dec.decode(out.stderr));
      const sent: { sent: number; rekeyedAt: number[] }[] = JSON.parse(dec.decode(out.stdout));
      for (const leg of sent) {
        assert.equal(leg.rekeyedAt.length, 1, "each leg switched once");
        assert.ok(leg.rekeyedAt[0] > 100 && leg.rekeyedAt[0] < 250, `at ${leg.rekeyedAt}`);
      }
      assert.match(await ua.request("BYE"), /^SIP\/2\.0 200/);

      const rec = await waitFor("the finished recording", () => {
        const r = query<
          { id: string; state: string; path: string; duration_ms: number; flag_gaps: number }
        >(
          db,
          "SELECT id, state, path, duration_ms, flag_gaps FROM recordings",
        )[0];
        return r && r.state !== "recording" ? r : null;
      });
      assert.equal(rec.state, "complete");
      assert.equal(rec.flag_gaps, 0, "no gap flag");
      assert.deepEqual(query(db, "SELECT * FROM gaps WHERE recording_id = ?", rec.id), []);
      const stats = query<{ stats: string }>(db, "SELECT stats FROM streams ORDER BY label")
        .map((r) => JSON.parse(r.stats));
      stats.forEach((s, i) => {
        assert.equal(s.srtpAuthFailures, 0, `stream ${i}: every packet authenticated`);
        assert.equal(s.srtpReplays, 0);
        assert.equal(s.received, sent[i].sent, `stream ${i}: every packet kept`);
        assert.equal(s.lost ?? 0, 0);
      });
      assert.ok(Math.abs(rec.duration_ms - CALL_MS) < 500, `duration ${rec.duration_ms}`);
      const audio = await decodeOggOpus(
        await recordingPlaintext(`${server.dataDir}/recordings/${rec.path}`, server.dataDir),
      );
      audio.channelData.forEach((ch, i) => {
        const hz = i === 0 ? 440 : 880;
        assert.equal(dominantTone(ch.subarray(48 * 500, 48 * 5500), 48000, 440, 880), hz);
        // The tone is in every 100 ms window from 0.3 s to 5.7 s: no gap at the re-key.
        for (let ms = 300; ms < CALL_MS - 300; ms += 100) {
          const level = rms(ch, 48 * ms, 48 * (ms + 100));
          assert.ok(level > 0.1, `channel ${i} level ${level.toFixed(3)} at ${ms} ms`);
        }
      });

      const needles = keyNeedles([...first, ...second]);
      for (const [i, page] of pages.entries()) {
        for (const n of needles) {
          assert.ok(!contains(enc.encode(page), n), `a key on /calls (${i})`);
        }
        assert.ok(!/inline:/.test(page), "no crypto line on /calls");
      }
      for (const n of needles) {
        assert.ok(!contains(enc.encode(server.output()), n), "a key in the log");
      }
      let files = 0;
      for await (const [path, bytes] of filesUnder(server.dataDir)) {
        files++;
        for (const n of needles) assert.ok(!contains(bytes, n), `a key in ${path}`);
      }
      const audit = query<{ n: number }>(db, "SELECT count(*) AS n FROM audit_events")[0].n;
      assert.ok(
        files >= 3 && audit > 0,
        `database (${audit} audit events), WAL and recording searched`,
      );
    } finally {
      if (sender) {
        sender.kill();
        await sender.output();
      }
      ua.sock.close();
      assert.equal(await server.stop(), 0);
      await Deno.remove(server.dataDir, { recursive: true });
      await Deno.remove(rules, { recursive: true });
      await Deno.remove(config);
    }
  },
});
