import assert from "node:assert/strict";
import { concat } from "./ogg.ts";
import { OggStreamWriter } from "./ogg_stream_writer.ts";
import { decodeOggOpus } from "./opus_decode.ts";
import { OggOpusWriter } from "./opus_ogg_writer.ts";

Deno.test("decodeOggOpus() rejects a stream without Opus headers", async () => {
  const w = new OggStreamWriter(1);
  w.addPacket(Uint8Array.of(1, 2, 3), 0);
  await assert.rejects(() => decodeOggOpus(concat(w.flush(true))), SyntaxError);
});

Deno.test("decodeOggOpus() decodes empty packets to trimmed silence", async () => {
  const w = new OggOpusWriter({ serial: 1, channels: 2, preSkip: 312, inputSampleRate: 8000 });
  const out = concat([...w.headerPages(), ...w.end()]);
  const dec = await decodeOggOpus(out);
  assert.equal(dec.channels, 2);
  assert.equal(dec.samples, 960 - 312);
  assert.ok(dec.channelData.every((c) => c.every((x) => x === 0)));
});
