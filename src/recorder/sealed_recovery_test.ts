import assert from "node:assert/strict";
import { join } from "node:path";
import { migrate, openStore } from "../store/db.ts";
import { ensureSpool } from "../store/queries/recording_writes.ts";
import { OpusRecordingFile } from "../codec/recording_file.ts";
import { OGG_EOS, scanOggPages } from "../codec/ogg.ts";
import { parseWav } from "../codec/wav.ts";
import { nullLogger } from "../log.ts";
import { Keyring } from "../seal/keyring.ts";
import { openSealedFile } from "../seal/sealed_reader.ts";
import { type FileSeal, JournalSpans, sealLayer } from "./file_seal.ts";
import { recoverySweep } from "./recovery.ts";
import { SpillJournal } from "./spill_journal.ts";
import { decodeG711, encodeG711 } from "../codec/g711.ts";
import type { ToEncoder } from "./media_protocol.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const kek = crypto.getRandomValues(new Uint8Array(32));
const keyring = new Keyring({ currentKeyId: "kek-t", load: () => Promise.resolve(kek) });

async function seal(): Promise<FileSeal> {
  return { ...await keyring.newDataKey(), chunkBytes: 4096, syncIntervalMs: 0 };
}

/** Does `hay` contain `needle` anywhere? */
function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

Deno.test({
  ...opts,
  name: "a sealed recording cut by a crash is recovered sealed: whole pages, the last one EOS",
  async fn() {
    const dir = await Deno.makeTempDir();
    await using store = openStore(join(dir, "selrec.db"));
    await migrate(store.db);
    const spool = join(dir, "recordings");
    await Deno.mkdir(join(spool, "d"), { recursive: true });
    const spoolId = await ensureSpool(store.db, spool);
    const final = join(spool, "d", "orphan.ogg");
    let t = 0;
    const f = await OpusRecordingFile.create(final, {
      serial: 7,
      channels: 2,
      preSkip: 312,
      inputSampleRate: 8000,
      comments: [],
      now: () => t,
      layer: sealLayer(await seal()),
    });
    const packet = crypto.getRandomValues(new Uint8Array(60));
    for (let i = 0; i < 300; i++) {
      t += 20;
      await f.writePacket(packet, 960);
      if (i % 25 === 0) await f.tick();
    }
    f.abandon();
    const partial = `${final}.partial`;
    const raw = await Deno.readFile(partial);
    assert.equal(contains(raw, new TextEncoder().encode("OggS")), false, "no Ogg in the clear");
    assert.equal(contains(raw, packet.subarray(0, 16)), false, "no Opus packet in the clear");
    await Deno.truncate(partial, raw.length - 5);

    const report = await recoverySweep(store.db, spool, spoolId, nullLogger, new Date(), keyring);
    assert.equal(report.adopted, 1);
    await assert.rejects(Deno.stat(partial));
    using r = await openSealedFile(final, keyring.unwrapFor(final));
    const ogg = await r.readRange(0, r.plaintextSize);
    const pages = scanOggPages(ogg).pages;
    assert.ok(pages.length > 3, `${pages.length} pages`);
    assert.equal(pages.at(-1)!.page.headerType & OGG_EOS, OGG_EOS);
    assert.equal(
      pages.at(-1)!.offset + pages.at(-1)!.page.body.length + 27 +
        pages.at(-1)!.page.segments.length,
      ogg.length,
      "ends at the EOS page",
    );
    const row = {
      ...store.raw.prepare("SELECT sealed, key_id, duration_ms FROM recordings").get(),
    };
    assert.deepEqual({ sealed: row.sealed, key_id: row.key_id }, { sealed: 1, key_id: "kek-t" });
    assert.ok(Number(row.duration_ms) >= 4000, `kept ${row.duration_ms} ms of 6000`);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  ...opts,
  name: "a sealed spill journal replays its spans and is salvaged as a sealed WAV",
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = join(dir, "r.ogg.journal");
    const sent: ToEncoder[] = [];
    const s = await seal();
    const j = new SpillJournal({
      rec: "r",
      path,
      send: (m) => sent.push(m),
      syncIntervalMs: 0,
      seal: s,
    });
    const pcm = decodeG711(
      "pcmu",
      encodeG711("pcmu", new Int16Array(4000).map((_, i) => i * 13 % 9000)),
    );
    j.append(pcm.slice(0, 2000));
    j.append(pcm.slice(2000));
    j.replay();
    await j.settled();
    const replay = sent.find((m) => m.t === "replay") as Extract<ToEncoder, { t: "replay" }>;
    const spans = new JournalSpans(path, s);
    const bytes = await spans.read(replay.offset, replay.bytes);
    assert.deepEqual(bytes, encodeG711("pcmu", pcm), "the span reads back as the µ-law written");
    spans.close();
    j.close();
    await j.settled();
    assert.equal(
      contains(await Deno.readFile(path), encodeG711("pcmu", pcm).subarray(100, 132)),
      false,
    );

    const spool = join(dir, "spool");
    await Deno.mkdir(spool);
    await Deno.rename(path, join(spool, "r.ogg.journal"));
    await using store = openStore(join(dir, "selrec.db"));
    await migrate(store.db);
    const spoolId = await ensureSpool(store.db, spool);
    const report = await recoverySweep(store.db, spool, spoolId, nullLogger, new Date(), keyring);
    assert.equal(report.journalsKept, 1);
    const wavPath = join(spool, "r.ogg.journal.wav");
    using r = await openSealedFile(wavPath, keyring.unwrapFor(wavPath));
    const wav = parseWav(await r.readRange(0, r.plaintextSize));
    assert.deepEqual(wav.data, encodeG711("pcmu", pcm));
    await Deno.remove(dir, { recursive: true });
  },
});
