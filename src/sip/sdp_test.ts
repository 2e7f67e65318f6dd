import assert from "node:assert/strict";
import { mediaConnection, mediaDirection, mediaFormats, parseSdp, serializeSdp } from "./sdp.ts";
import { SipParseError } from "./message.ts";
import { buildAnswer, SdpOfferError } from "./sdp_answer.ts";

const OFFER = [
  "v=0",
  "o=SBC 100 7 IN IP4 192.0.2.1",
  "s=SIPREC",
  "c=IN IP4 192.0.2.1",
  "t=0 0",
  "m=audio 20000 RTP/AVP 111 8 0 101",
  "a=rtpmap:111 opus/48000/2",
  "a=fmtp:111 useinbandfec=1",
  "a=rtpmap:101 telephone-event/48000",
  "a=rtpmap:100 telephone-event/8000",
  "a=label:10",
  "a=sendonly",
  "m=audio 20002 RTP/AVP 18 8 100",
  "c=IN IP4 192.0.2.9",
  "a=rtpmap:100 telephone-event/8000",
  "a=label:20",
  "m=video 20004 RTP/AVP 96",
  "a=label:30",
].join("\r\n") + "\r\n";

function pool(start = 40000) {
  let next = start;
  const released: number[] = [];
  return {
    released,
    allocate: () => (next += 2) - 2,
    release: (p: number) => void released.push(p),
  };
}

Deno.test("parseSdp() reads any number of m-lines with media- or session-level c= (RFC 8866 §5.7)", () => {
  const s = parseSdp(OFFER);
  assert.equal(s.media.length, 3);
  assert.equal(mediaConnection(s, s.media[0])?.address, "192.0.2.1");
  assert.equal(mediaConnection(s, s.media[1])?.address, "192.0.2.9");
  assert.equal(mediaDirection(s, s.media[0]), "sendonly");
  assert.equal(mediaDirection(s, s.media[1]), "sendrecv");
});

Deno.test("mediaFormats() applies rtpmap/fmtp and knows static payload types (RFC 3551 §6)", () => {
  const s = parseSdp(OFFER);
  const f = mediaFormats(s.media[0]);
  assert.deepEqual(f.map((x) => [x.pt, x.name, x.clockRate, x.channels]), [
    [111, "opus", 48000, 2],
    [8, "PCMA", 8000, 1],
    [0, "PCMU", 8000, 1],
    [101, "telephone-event", 48000, 1],
  ]);
  assert.equal(f[0].fmtp, "useinbandfec=1");
});

Deno.test("serializeSdp() round-trips a parsed description", () => {
  const s = parseSdp(OFFER);
  assert.deepEqual(parseSdp(serializeSdp(s)), s);
});

Deno.test("parseSdp() rejects a broken m= line and a missing o=", () => {
  assert.throws(
    () => parseSdp("v=0\r\no=a 1 1 IN IP4 h\r\nm=audio x RTP/AVP 0\r\n"),
    SipParseError,
  );
  assert.throws(() => parseSdp("v=0\r\ns=-\r\n"), SipParseError);
  assert.throws(() => parseSdp("hello"), SipParseError);
});

Deno.test("buildAnswer() answers each m-line: recvonly, our address, even ports, offered PT numbers (RFC 3264 §6)", () => {
  const ports = pool();
  const a = buildAnswer({
    offer: parseSdp(OFFER),
    address: "198.51.100.5",
    record: true,
    ports,
    previous: null,
    sessionId: "9",
  });
  const text = serializeSdp(a.sdp);
  assert.equal(a.sdp.media.length, 3);
  assert.match(text, /^c=IN IP4 198\.51\.100\.5$/m);
  assert.match(
    text,
    /^m=audio 40000 RTP\/AVP 111 8 0 101$/m,
    "every recordable codec in the offer's order, with its telephone-event",
  );
  assert.match(text, /^a=fmtp:111 useinbandfec=1$/m, "opus keeps its fmtp");
  assert.match(text, /^m=audio 40002 RTP\/AVP 18 8 100$/m, "G.729 and PCMA kept in order");
  assert.match(text, /^m=video 0 RTP\/AVP 96$/m, "refused stream has port 0");
  assert.equal((text.match(/a=recvonly/g) ?? []).length, 2);
  assert.match(text, /a=label:10/);
  assert.deepEqual(a.streams.map((s) => [s.label, s.port, s.rtcpPort, s.codec?.name ?? null]), [
    ["10", 40000, 40001, "opus"],
    ["20", 40002, 40003, "G729"],
    ["30", 0, 0, null],
  ]);
  assert.deepEqual(a.streams[0].codecs.map((c) => c.name), [
    "opus",
    "PCMA",
    "PCMU",
    "telephone-event",
  ]);
});

Deno.test("buildAnswer() keeps G.722, G.729 and CN in the SBC's order and leaves out what we cannot record", () => {
  const offer = parseSdp(
    "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\n" +
      "m=audio 1000 RTP/AVP 97 9 3 18 0 13 101\r\na=rtpmap:97 iLBC/8000\r\n" +
      "a=rtpmap:101 telephone-event/8000\r\na=fmtp:18 annexb=yes\r\n",
  );
  const a = buildAnswer({
    offer,
    address: "h",
    record: true,
    ports: pool(),
    previous: null,
    sessionId: "1",
  });
  assert.match(serializeSdp(a.sdp), /^m=audio 40000 RTP\/AVP 9 18 0 13 101$/m);
  assert.match(serializeSdp(a.sdp), /^a=fmtp:18 annexb=yes$/m);
  assert.equal(a.streams[0].codec?.name, "G722");
  assert.deepEqual(a.streams[0].codecs.map((c) => `${c.name}/${c.pt}`), [
    "G722/9",
    "G729/18",
    "PCMU/0",
    "CN/13",
    "telephone-event/101",
  ]);
});

Deno.test("buildAnswer() answers inactive when told not to record", () => {
  const a = buildAnswer({
    offer: parseSdp(OFFER),
    address: "h",
    record: false,
    ports: pool(),
    previous: null,
    sessionId: "1",
  });
  const text = serializeSdp(a.sdp);
  assert.equal((text.match(/a=inactive/g) ?? []).length, 2);
  assert.doesNotMatch(text, /recvonly/);
});

Deno.test("buildAnswer() on a re-offer keeps ports, bumps o= version and releases removed streams (RFC 3264 §8)", () => {
  const ports = pool();
  const first = buildAnswer({
    offer: parseSdp(OFFER),
    address: "h",
    record: true,
    ports,
    previous: null,
    sessionId: "1",
  });
  const reoffer = parseSdp(
    OFFER.replace("m=audio 20002 RTP/AVP 18 8 100", "m=audio 0 RTP/AVP 18 8 100"),
  );
  const again = buildAnswer({
    offer: reoffer,
    address: "h",
    record: true,
    ports,
    previous: { origin: first.sdp.origin, streams: first.streams },
    sessionId: "1",
  });
  assert.equal(again.sdp.origin.sessVersion, "2");
  assert.equal(again.sdp.origin.sessId, first.sdp.origin.sessId);
  assert.equal(again.streams[0].port, 40000);
  assert.deepEqual(again.released, [40002]);
});

Deno.test("buildAnswer() refuses RTP/SAVP with 488 and a Warning when rtp.srtp is off, never as AVP", () => {
  const offer = parseSdp(OFFER.replace("20000 RTP/AVP", "20000 RTP/SAVP"));
  assert.throws(
    () =>
      buildAnswer({
        offer,
        address: "h",
        record: true,
        ports: pool(),
        previous: null,
        sessionId: "1",
        srtp: { mode: "off", sdesAllowed: true },
      }),
    (e) => e instanceof SdpOfferError && e.status === 488 && /SRTP \(RTP\/SAVP\)/.test(e.warning),
  );
});

Deno.test("buildAnswer() gives 503 and returns ports when the allocator runs dry", () => {
  let n = 0;
  const released: number[] = [];
  const ports = {
    allocate: () => (n++ === 0 ? 50000 : null),
    release: (p: number) => void released.push(p),
  };
  assert.throws(
    () =>
      buildAnswer({
        offer: parseSdp(OFFER),
        address: "h",
        record: true,
        ports,
        previous: null,
        sessionId: "1",
      }),
    (e) => e instanceof SdpOfferError && e.status === 503,
  );
  assert.deepEqual(released, [50000]);
});

Deno.test("buildAnswer() refuses an offer with no recordable codec with 488 naming the codecs offered", () => {
  const offer = parseSdp(
    "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\nm=audio 1000 RTP/AVP 97 3\r\n" +
      "a=rtpmap:97 iLBC/8000\r\n",
  );
  assert.throws(
    () =>
      buildAnswer({
        offer,
        address: "h",
        record: true,
        ports: pool(),
        previous: null,
        sessionId: "1",
      }),
    (e) =>
      e instanceof SdpOfferError && e.status === 488 &&
      e.warning === "No recordable audio stream: offered iLBC/8000, GSM/8000",
  );
});
