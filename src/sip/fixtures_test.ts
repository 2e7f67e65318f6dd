/**
 * Replays the per-vendor SIPREC offer corpus (tests/fixtures/siprec/) through the
 * socket-free SRS core and compares what the recorder would be told.
 */
import assert from "node:assert/strict";
import { FakeTimers } from "./timers.ts";
import { SiprecCore } from "./srs_core.ts";
import { parseSipMessage, type SipResponse } from "./message.ts";
import type { RecordingSession } from "./session.ts";

const DIR = new URL("../../tests/fixtures/siprec/", import.meta.url);
const HEADER_MAP = {
  "X-Genesys-CallUUID": "X-Genesys-CallUUID",
  "X-Business-Unit": "businessUnit",
  "X-Customer-Type": "customerType",
  "X-Language": "language",
  "X-Genesys-GVP-Session-ID": "gvpSessionId",
};

/** LF → CRLF and a true Content-Length, so fixtures stay editable. */
export function fixtureBytes(text: string): Uint8Array {
  const crlf = text.replace(/\r?\n/g, "\r\n");
  const split = crlf.indexOf("\r\n\r\n");
  const head = crlf.slice(0, split).split("\r\n").filter((l) => !/^(Content-Length|l):/i.test(l));
  const body = new TextEncoder().encode(crlf.slice(split + 4));
  head.push(`Content-Length: ${body.length}`);
  const headBytes = new TextEncoder().encode(head.join("\r\n") + "\r\n\r\n");
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes);
  out.set(body, headBytes.length);
  return out;
}

interface Expected {
  isSiprec: boolean;
  sessionId: string;
  streams: Record<string, unknown>[];
  participants: Record<string, unknown>[];
  metadata: Record<string, string>;
}

async function replay(name: string): Promise<{ session: RecordingSession; sent: SipResponse[] }> {
  const sent: SipResponse[] = [];
  let port = 40000;
  const core = new SiprecCore({
    host: "198.51.100.7",
    udpPort: 5060,
    tcpPort: 5060,
    ports: { allocate: () => (port += 2), release: () => {} },
    maxSessions: 10,
    headerMap: HEADER_MAP,
    timers: new FakeTimers(),
  }, (bytes) => sent.push(parseSipMessage(bytes) as SipResponse));
  const started = new Promise<RecordingSession>((resolve) =>
    core.sessions.events.on("session-started", (e) => resolve(e.session))
  );
  const text = await Deno.readTextFile(new URL(`${name}.sip`, DIR));
  core.receive(fixtureBytes(text), { transport: "udp", hostname: "192.0.2.1", port: 5060 });
  const session = await started;
  core.close();
  return { session, sent };
}

const names = [...Deno.readDirSync(DIR)]
  .filter((e) => e.name.endsWith(".sip"))
  .map((e) => e.name.slice(0, -4))
  .sort();

Deno.test("the SIPREC fixture corpus covers every vendor named in the issue", () => {
  for (
    const v of [
      "audiocodes",
      "oracle_acme",
      "avaya",
      "cisco_cube",
      "cisco_nbr",
      "broadworks",
      "ribbon",
    ]
  ) {
    assert.ok(names.includes(v), v);
  }
});

for (const name of names) {
  Deno.test(`SiprecCore reads the ${name} SIPREC offer into the expected streams, participants and metadata`, async () => {
    const expected: Expected = JSON.parse(await Deno.readTextFile(new URL(`${name}.json`, DIR)));
    const { session, sent } = await replay(name);
    assert.equal(session.isSiprec, expected.isSiprec);
    assert.equal(session.sessionId, expected.sessionId);
    assert.equal(session.streams.length, expected.streams.length);
    expected.streams.forEach((want, i) => {
      const got = session.streams[i] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(want)) {
        assert.deepEqual(
          k === "codec" ? (got.codec as { name: string }).name : got[k],
          v,
          `${name} stream ${i} ${k}`,
        );
      }
    });
    assert.deepEqual(
      session.participants.map((p) => ({
        id: p.id,
        aor: p.aor,
        name: p.name,
        sends: p.sends,
        receives: p.receives,
      })),
      expected.participants,
    );
    for (const [k, v] of Object.entries(expected.metadata)) {
      assert.equal(session.metadata[k], v, `${name} metadata ${k}`);
    }
    const ok = sent.find((r) => r.status === 200)!;
    assert.equal(ok.headers.get("Content-Type"), "application/sdp");
    assert.match(ok.headers.get("Contact")!, /;\+sip\.srs$/);
    assert.equal((ok.body.match(/^m=audio [1-9]\d* /gm) ?? []).length, expected.streams.length);
    assert.equal((ok.body.match(/^a=recvonly$/gm) ?? []).length, expected.streams.length);
  });
}
