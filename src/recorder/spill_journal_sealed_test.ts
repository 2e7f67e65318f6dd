/** The sealed spill journal: few, larger chunks, and nothing lost or doubled when writes fail. */
import assert from "node:assert/strict";
import { decodeG711, encodeG711 } from "../codec/g711.ts";
import { enospc } from "../../tests/helpers/full_disk.ts";
import type { ToEncoder } from "./media_protocol.ts";
import { type FileSeal, JournalSpans, type JournalTarget } from "./file_seal.ts";
import { SpillJournal } from "./spill_journal.ts";
import { parseHeader } from "../seal/sealed_format.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const HEADER = 128, CHUNK_OVERHEAD = 20, JOURNAL_HEADER = 16;

const seal: FileSeal = {
  keyId: "kek-test",
  wrappedKey: new Uint8Array(60),
  dataKey: crypto.getRandomValues(new Uint8Array(32)),
  chunkBytes: 65536,
  syncIntervalMs: 500,
};

/** Stereo PCM whose samples are exact µ-law values (400 frames: 800 journal bytes). */
function batch(seed: number): Int16Array {
  const pcm = new Int16Array(800).map((_, i) => (seed * 37 + i * 101) % 20000 - 10000);
  return decodeG711("pcmu", encodeG711("pcmu", pcm));
}

/** A real file whose writes fail while `disk.full`. */
function fillable(disk: { full: boolean }) {
  return async (path: string): Promise<JournalTarget> => {
    const f = await Deno.open(path, { write: true, create: true, truncate: true });
    return {
      write: (p) => disk.full ? Promise.reject(enospc()) : f.write(p),
      syncData: () => f.syncData(),
      truncate: (n) => f.truncate(n),
      seek: (o, w) => f.seek(o, w),
      close: () => f.close(),
    };
  };
}

function journal(path: string, t: { now: number }, disk = { full: false }) {
  const sent: ToEncoder[] = [];
  const j = new SpillJournal({
    rec: "r1",
    path,
    send: (m) => sent.push(m),
    syncIntervalMs: 0,
    now: () => t.now,
    seal,
    open: fillable(disk),
  });
  return { j, sent };
}

Deno.test({
  ...opts,
  name: "a sealed journal seals its batches as one chunk per seal interval, and at a replay",
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/a.ogg.journal`;
    const t = { now: 0 };
    const { j, sent } = journal(path, t);
    const batches = [1, 2, 3, 4, 5].map(batch);
    for (const [i, b] of batches.slice(0, 3).entries()) {
      t.now = i * 200;
      j.append(b);
      await j.settled();
    }
    const raw = await Deno.readFile(path);
    assert.equal(raw.length, HEADER, "400 ms of batches wait in memory");
    assert.equal(parseHeader(raw, path).chunkBytes, 10_000, "chunks of 500 ms and a quarter");
    t.now = 500;
    j.append(batches[3]);
    await j.settled();
    const first = JOURNAL_HEADER + 4 * 800 + CHUNK_OVERHEAD;
    assert.equal((await Deno.stat(path)).size, HEADER + first, "one chunk for four batches");
    t.now = 600;
    j.append(batches[4]);
    j.replay();
    await j.settled();
    assert.equal((await Deno.stat(path)).size, HEADER + first + 800 + CHUNK_OVERHEAD);
    assert.deepEqual(sent, [{ t: "replay", rec: "r1", path, offset: 16, bytes: 5 * 800 }]);
    const spans = new JournalSpans(path, seal);
    const all = new Int16Array(batches.flatMap((b) => [...b]));
    assert.deepEqual(decodeG711("pcmu", await spans.read(16, 5 * 800)), all);
    spans.close();
    j.close();
    await j.settled();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "a sealed journal on a full disk hands the encoder every batch once, in order",
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/a.ogg.journal`;
    const t = { now: 0 };
    const disk = { full: false };
    const { j, sent } = journal(path, t, disk);
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(batch);
    const at = async (ms: number, pcm: Int16Array) => {
      t.now = ms;
      j.append(pcm);
      await j.settled();
    };
    await at(0, a);
    await at(600, b); // due: a and b are sealed and written
    await at(700, c); // waits in memory
    disk.full = true;
    await at(1300, d); // due, and the write fails: c and d never reach the file
    await at(1400, e); // the journal refuses from now on
    j.replay();
    await j.settled();
    assert.equal(j.errors, 2);
    assert.deepEqual(sent.map((m) => m.t), ["replay", "pcm", "pcm", "pcm"]);
    assert.deepEqual(sent[0], { t: "replay", rec: "r1", path, offset: 16, bytes: 1600 });
    assert.deepEqual(sent.slice(1).map((m) => (m as { pcm: Int16Array }).pcm), [c, d, e]);
    const spans = new JournalSpans(path, seal);
    assert.deepEqual(
      decodeG711("pcmu", await spans.read(16, 1600)),
      new Int16Array([...a, ...b]),
    );
    spans.close();
    j.close();
    await j.settled();
    await Deno.remove(dir, { recursive: true });
  },
});
