import assert from "node:assert/strict";
import {
  DUAL_MONO,
  encodeOpusHead,
  encodeOpusTags,
  opusComment,
  parseOpusHead,
  parseOpusTags,
} from "./opus_head.ts";

Deno.test("encodeOpusHead() writes the RFC 7845 layout and parses back", () => {
  const head = { channels: 2 as const, preSkip: 312, inputSampleRate: 8000, outputGain: 0 };
  const wire = encodeOpusHead(head);
  assert.deepEqual(
    [...wire],
    [79, 112, 117, 115, 72, 101, 97, 100, 1, 2, 0x38, 0x01, 0x40, 0x1f, 0, 0, 0, 0, 0],
  );
  assert.deepEqual(parseOpusHead(wire), head);
});

Deno.test("encodeOpusHead() writes family 1 with two uncoupled streams and parses back", () => {
  const head = {
    channels: 2 as const,
    preSkip: 312,
    inputSampleRate: 8000,
    outputGain: 0,
    mapping: DUAL_MONO,
  };
  const wire = encodeOpusHead(head);
  assert.equal(wire.length, 23);
  assert.deepEqual([...wire.subarray(18)], [1, 2, 0, 0, 1]);
  assert.deepEqual(parseOpusHead(wire), { ...head, mapping: { ...DUAL_MONO } });
});

Deno.test("parseOpusHead() rejects bad family 1 stream counts and mapping entries", () => {
  const wire = encodeOpusHead({
    channels: 2,
    preSkip: 0,
    inputSampleRate: 8000,
    outputGain: 0,
    mapping: DUAL_MONO,
  });
  const with_ = (i: number, v: number) => Uint8Array.from(wire, (b, j) => (j === i ? v : b));
  assert.throws(() => parseOpusHead(wire.subarray(0, 22)), RangeError);
  assert.throws(() => parseOpusHead(with_(19, 0)), /"0" streams/);
  assert.throws(() => parseOpusHead(with_(20, 3)), /"3" coupled/);
  assert.throws(() => parseOpusHead(with_(22, 2)), /entry "2"/);
  assert.throws(() => parseOpusHead(with_(18, 2)), /family "2"/);
  assert.equal(parseOpusHead(with_(22, 255)).mapping?.table[1], 255);
});

Deno.test("parseOpusHead() rejects a short packet and a wrong magic", () => {
  assert.throws(() => parseOpusHead(new Uint8Array(10)), RangeError);
  assert.throws(() => parseOpusHead(new Uint8Array(19)), SyntaxError);
});

Deno.test("encodeOpusTags() round-trips vendor and UTF-8 comments", () => {
  const tags = {
    vendor: "selrec",
    comments: [opusComment("callid", "abc@host"), opusComment("PARTICIPANT", "Zoë <sip:z@x>")],
  };
  assert.deepEqual(parseOpusTags(encodeOpusTags(tags)), {
    vendor: "selrec",
    comments: ["CALLID=abc@host", "PARTICIPANT=Zoë <sip:z@x>"],
  });
});

Deno.test("parseOpusTags() rejects a comment length past the end", () => {
  const wire = encodeOpusTags({ vendor: "v", comments: ["A=b"] });
  assert.throws(() => parseOpusTags(wire.subarray(0, wire.length - 1)), RangeError);
  assert.throws(() => opusComment("A=B", "x"), TypeError);
});
