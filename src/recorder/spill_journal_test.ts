import assert from "node:assert/strict";
import { readJournalHeader, salvageJournal, SpillJournal } from "./spill_journal.ts";
import { decodeG711, encodeG711 } from "../codec/g711.ts";
import { parseWav } from "../codec/wav.ts";
import type { ToEncoder } from "./media_protocol.ts";

/** Stereo PCM whose samples are exact µ-law values, so the journal round-trips. */
function batch(frames: number, seed: number): Int16Array {
  const pcm = new Int16Array(frames * 2);
  for (let i = 0; i < pcm.length; i++) pcm[i] = (seed * 37 + i * 101) % 20000 - 10000;
  return decodeG711("pcmu", encodeG711("pcmu", pcm));
}

function journal(path: string) {
  const sent: ToEncoder[] = [];
  const j = new SpillJournal({
    rec: "r1",
    path,
    send: (m) => sent.push(m),
    syncIntervalMs: 0,
  });
  return { j, sent };
}

const opts = { sanitizeOps: true, sanitizeResources: true };

Deno.test({
  ...opts,
  name: "SpillJournal sends at once when idle and queues messages behind journal writes",
  async fn() {
    const dir = await Deno.makeTempDir();
    const { j, sent } = journal(`${dir}/a.ogg.journal`);
    j.send({ t: "end", rec: "r1" });
    assert.deepEqual(sent, [{ t: "end", rec: "r1" }], "no I/O pending: posted synchronously");
    sent.length = 0;
    const a = batch(400, 1);
    j.append(a);
    j.replay();
    const b = new Int16Array(8);
    j.send({ t: "pcm", rec: "r1", pcm: b });
    assert.equal(sent.length, 0, "the newer batch waits behind the journal write");
    await j.settled();
    assert.deepEqual(sent, [
      { t: "replay", rec: "r1", path: `${dir}/a.ogg.journal`, offset: 16, bytes: 800 },
      { t: "pcm", rec: "r1", pcm: b },
    ]);
    const raw = await Deno.readFile(`${dir}/a.ogg.journal`);
    assert.deepEqual(readJournalHeader(raw), {
      encoding: { rate: 8000, format: "mulaw", frameBytes: 2 },
      offset: 16,
    });
    assert.deepEqual(
      decodeG711("pcmu", raw.subarray(16)),
      a,
      "after its header the journal holds the batch as stereo µ-law",
    );
    j.close();
    await j.settled();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "SpillJournal replays only the span written since the last replay",
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/b.ogg.journal`;
    const { j, sent } = journal(path);
    j.append(batch(100, 1));
    j.replay();
    j.append(batch(50, 2));
    j.replay();
    j.replay();
    // A later spill episode appends to the same journal.
    j.append(batch(10, 3));
    j.replay();
    await j.settled();
    assert.deepEqual(
      sent.map((m) => m.t === "replay" && [m.offset, m.bytes]),
      [[16, 200], [216, 100], [316, 20]],
      "an empty span is never sent",
    );
    j.close();
    await j.settled();
    assert.equal(j.exists, false);
    assert.equal((await Deno.stat(path)).size, 336, "close() keeps the file for the encoder");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "SpillJournal posts the PCM itself when the journal cannot be written",
  async fn() {
    const errors: unknown[] = [];
    const sent: ToEncoder[] = [];
    const j = new SpillJournal({
      rec: "r1",
      path: "/nonexistent-selrec-dir/x.ogg.journal",
      send: (m) => sent.push(m),
      syncIntervalMs: 0,
      onError: (e) => errors.push(e),
    });
    const a = batch(100, 4);
    j.append(a);
    j.replay();
    await j.settled();
    assert.equal(j.errors, 1);
    assert.ok(errors[0] instanceof Deno.errors.NotFound);
    assert.deepEqual(sent, [{ t: "pcm", rec: "r1", pcm: a }], "no empty replay is sent");
  },
});

Deno.test({
  ...opts,
  name: "salvageJournal() keeps a crashed journal as a playable stereo µ-law WAV",
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/c.ogg.journal`;
    const pcm = batch(8000, 5);
    const bytes = encodeG711("pcmu", pcm);
    // A crash mid-write can leave half a frame.
    await Deno.writeFile(path, Uint8Array.of(...bytes, 0x7f));
    const kept = await salvageJournal(path);
    assert.equal(kept.path, `${path}.wav`);
    assert.equal(kept.durationMs, 1000);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
    const wav = parseWav(await Deno.readFile(kept.path));
    assert.deepEqual(
      { format: wav.format, channels: wav.channels, rate: wav.sampleRate, frames: wav.frames },
      { format: "mulaw", channels: 2, rate: 8000, frames: 8000 },
    );
    assert.deepEqual(wav.data, bytes);
    const probe = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_name,channels",
        "-of",
        "csv=p=0",
        kept.path,
      ],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(probe.stdout).trim(), "pcm_mulaw,2");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "A 16 kHz journal keeps 16-bit PCM at its rate, and salvage makes a 16 kHz PCM WAV of it",
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/w.ogg.journal`;
    const sent: ToEncoder[] = [];
    const j = new SpillJournal({
      rec: "r1",
      path,
      rate: 16000,
      send: (m) => sent.push(m),
      syncIntervalMs: 0,
    });
    const pcm = new Int16Array(16000 * 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(12000 * Math.sin(i / 3)) + (i & 1);
    j.append(pcm);
    j.replay();
    j.close();
    await j.settled();
    assert.deepEqual(sent.map((m) => m.t === "replay" && [m.offset, m.bytes]), [[16, 64000]]);
    const raw = await Deno.readFile(path);
    assert.deepEqual(readJournalHeader(raw).encoding, {
      rate: 16000,
      format: "pcm16",
      frameBytes: 4,
    });
    const kept = await salvageJournal(path);
    assert.equal(kept.durationMs, 1000);
    const wav = parseWav(await Deno.readFile(kept.path));
    assert.deepEqual(
      { format: wav.format, channels: wav.channels, rate: wav.sampleRate, frames: wav.frames },
      { format: "pcm16", channels: 2, rate: 16000, frames: 16000 },
    );
    const back = new Int16Array(wav.data.slice().buffer);
    assert.deepEqual(back, pcm, "samples kept exactly (no µ-law at wide rates)");
    await Deno.remove(dir, { recursive: true });
  },
});
