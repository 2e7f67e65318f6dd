import assert from "node:assert/strict";
import { parseSdp, serializeSdp } from "./sdp.ts";
import { type AnsweredStream, buildAnswer, SdpOfferError, type SrtpPolicy } from "./sdp_answer.ts";
import { parseCrypto } from "./sdp_crypto.ts";

const KEY_A = btoa(String.fromCharCode(...new Uint8Array(30).fill(1)));
const KEY_B = btoa(String.fromCharCode(...new Uint8Array(30).fill(2)));

function offer(proto: string, crypto: string[], second = "RTP/SAVP"): string {
  return [
    "v=0",
    "o=SBC 1 1 IN IP4 192.0.2.1",
    "s=-",
    "c=IN IP4 192.0.2.1",
    "t=0 0",
    `m=audio 20000 ${proto} 0`,
    ...crypto.map((c) => `a=crypto:${c}`),
    "a=label:1",
    "a=sendonly",
    `m=audio 20002 ${second} 8`,
    `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B}`,
    "a=label:2",
    "a=sendonly",
  ].join("\r\n") + "\r\n";
}

const OVER_TLS: SrtpPolicy = { mode: "offered", sdesAllowed: true };

function answer(
  sdp: string,
  srtp: SrtpPolicy = OVER_TLS,
  previous: { origin: ReturnType<typeof parseSdp>["origin"]; streams: AnsweredStream[] } | null =
    null,
) {
  let port = 40000;
  return buildAnswer({
    offer: parseSdp(sdp),
    address: "198.51.100.1",
    record: true,
    ports: { allocate: () => (port += 2), release: () => {} },
    previous,
    sessionId: "1",
    srtp,
  });
}

Deno.test("buildAnswer() answers RTP/SAVP with the first supported crypto line and a key of our own", () => {
  const a = answer(offer("RTP/SAVP", [
    `1 AES_256_CM_HMAC_SHA1_80 inline:${KEY_A}${KEY_A.slice(0, 16)}`,
    `2 AES_CM_128_HMAC_SHA1_32 inline:${KEY_A}`,
    `3 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`,
  ]));
  const m = a.sdp.media[0];
  assert.equal(m.proto, "RTP/SAVP");
  const lines = m.attributes.filter((x) => x.name === "crypto");
  assert.equal(lines.length, 1);
  const ours = parseCrypto(lines[0].value!);
  assert.deepEqual([ours.tag, ours.suite], [2, "AES_CM_128_HMAC_SHA1_32"]);
  assert.notEqual(ours.keys[0].keySalt, KEY_A, "our key, not the SRC's");
  assert.equal(a.streams[0].srtp?.suite, "AES_CM_128_HMAC_SHA1_32");
  assert.deepEqual(a.streams[0].srtp?.keySalt(), new Uint8Array(30).fill(1));
  assert.ok(!JSON.stringify(a.streams).includes(KEY_A));
});

Deno.test("buildAnswer() refuses an SRTP stream with no usable crypto line (port 0), keeps the others", () => {
  const a = answer(offer("RTP/SAVP", [`1 F8_128_HMAC_SHA1_80 inline:${KEY_A}`]));
  assert.equal(a.streams[0].port, 0);
  assert.equal(a.streams[1].port > 0, true);
  assert.ok(!serializeSdp(a.sdp).split("m=audio 0")[1].split("m=")[0].includes("crypto"));
});

Deno.test("rtp.srtp policies: required refuses plain RTP, off refuses SRTP, keys need TLS", () => {
  const refuses = (sdp: string, srtp: SrtpPolicy, text: RegExp) =>
    assert.throws(
      () => answer(sdp, srtp),
      (e) => e instanceof SdpOfferError && e.status === 488 && text.test(e.warning),
    );
  const plain = offer("RTP/AVP", [], "RTP/AVP");
  refuses(plain, { mode: "required", sdesAllowed: true }, /SRTP is required.*RTP\/AVP/);
  const secure = offer("RTP/SAVP", [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`]);
  refuses(secure, { mode: "off", sdesAllowed: true }, /rtp\.srtp\.mode/);
  refuses(secure, { mode: "offered", sdesAllowed: false }, /only over SIP\/TLS \(RFC 4568 §8\.3/);
  assert.equal(answer(plain, { mode: "offered", sdesAllowed: false }).streams[0].srtp, null);
  assert.ok(answer(secure, { mode: "required", sdesAllowed: true }).streams[1].srtp);
});

Deno.test("a re-offer with the same key keeps our answer key; a new key is a new generation", () => {
  const first = answer(offer("RTP/SAVP", [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`]));
  const prev = { origin: first.sdp.origin, streams: first.streams };
  const same = answer(
    offer("RTP/SAVP", [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`]),
    OVER_TLS,
    prev,
  );
  assert.equal(same.streams[0].srtp, first.streams[0].srtp);
  assert.equal(same.streams[0].localCrypto, first.streams[0].localCrypto);
  const rekeyed = answer(
    offer("RTP/SAVP", [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B}`]),
    OVER_TLS,
    prev,
  );
  assert.notEqual(rekeyed.streams[0].srtp?.generation, first.streams[0].srtp?.generation);
  assert.notEqual(rekeyed.streams[0].localCrypto, first.streams[0].localCrypto);
  assert.equal(rekeyed.streams[0].port, first.streams[0].port);
});
