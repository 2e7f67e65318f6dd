import assert from "node:assert/strict";
import {
  encodeOggPage,
  OGG_BOS,
  OGG_CONTINUED,
  OGG_EOS,
  OGG_NO_GRANULE,
  oggCrc32,
  oggPackets,
  parseOggPage,
  scanOggPages,
} from "./ogg.ts";
import { OggStreamWriter } from "./ogg_stream_writer.ts";

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

Deno.test("oggCrc32() matches the known check value of the Ogg polynomial", () => {
  // CRC-32/MPEG-2 without init/xorout ("CRC-32/OGG") over "123456789".
  assert.equal(oggCrc32(new TextEncoder().encode("123456789")), 0x89a1897f);
});

Deno.test("encodeOggPage() and parseOggPage() round-trip every header field", () => {
  const page = {
    headerType: OGG_BOS | OGG_EOS,
    granule: 2 ** 40 + 5,
    serial: 0xcafebabe,
    sequence: 7,
    segments: Uint8Array.of(255, 10),
    body: bytes(265, 1),
  };
  const wire = encodeOggPage(page);
  assert.equal(wire.length, 27 + 2 + 265);
  const { page: back, length } = parseOggPage(wire);
  assert.equal(length, wire.length);
  assert.deepEqual({ ...back, segments: [...back.segments], body: [...back.body] }, {
    ...page,
    segments: [...page.segments],
    body: [...page.body],
  });
});

Deno.test("parseOggPage() rejects a flipped byte as a CRC mismatch", () => {
  const wire = encodeOggPage({
    headerType: 0,
    granule: 960,
    serial: 1,
    sequence: 0,
    segments: Uint8Array.of(3),
    body: Uint8Array.of(1, 2, 3),
  });
  wire[wire.length - 1] ^= 1;
  assert.throws(() => parseOggPage(wire), /CRC mismatch/);
  assert.throws(() => parseOggPage(wire.subarray(0, 20)), RangeError);
});

Deno.test("parseOggPage() keeps granule -1 for pages where no packet ends", () => {
  const wire = encodeOggPage({
    headerType: 0,
    granule: OGG_NO_GRANULE,
    serial: 1,
    sequence: 0,
    segments: new Uint8Array(),
    body: new Uint8Array(),
  });
  assert.equal(parseOggPage(wire).page.granule, OGG_NO_GRANULE);
});

Deno.test("OggStreamWriter continues a large packet over pages and reassembles it", () => {
  const w = new OggStreamWriter(42);
  const big = bytes(255 * 300 + 17, 3);
  const exact = bytes(510, 9);
  w.addPacket(bytes(5, 1), 100);
  w.addPacket(big, 200);
  w.addPacket(exact, 300);
  const wire = w.flush(true);
  assert.equal(wire.length, 2);
  const scan = scanOggPages(new Uint8Array(wire.flatMap((p) => [...p])));
  assert.equal(scan.error, null);
  const pages = scan.pages.map((p) => p.page);
  assert.equal(pages[0].headerType, OGG_BOS);
  assert.equal(pages[0].granule, 100);
  assert.equal(pages[1].headerType, OGG_CONTINUED | OGG_EOS);
  assert.equal(pages[1].granule, 300);
  const packets = oggPackets(pages);
  assert.deepEqual(packets.map((p) => p.data.length), [5, big.length, 510]);
  assert.deepEqual(packets[1].data, big);
  assert.deepEqual(packets[2].data, exact);
  assert.deepEqual(packets.map((p) => p.granule), [100, -1, 300]);
  assert.throws(() => w.addPacket(bytes(1, 1), 400), RangeError);
});

Deno.test("scanOggPages() stops at a truncated page and reports where to cut", () => {
  const w = new OggStreamWriter(9);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 3; i++) {
    w.addPacket(bytes(100, i), (i + 1) * 960);
    parts.push(...w.flush());
  }
  const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, (o += p.length) - p.length);
  const cut = all.subarray(0, all.length - 40);
  const scan = scanOggPages(cut);
  assert.equal(scan.pages.length, 2);
  assert.equal(scan.validEnd, parts[0].length + parts[1].length);
  assert.match(scan.error ?? "", /truncated/);
  assert.deepEqual(scan.pages.map((p) => p.page.sequence), [0, 1]);
});
