import assert from "node:assert/strict";
import { join } from "node:path";
import { migrate, openStore } from "../store/db.ts";
import { ensureSpool } from "../store/queries/recording_writes.ts";
import { OpusRecordingFile } from "../codec/recording_file.ts";
import { encodeG711 } from "../codec/g711.ts";
import { parseWav } from "../codec/wav.ts";
import type { LogFields, Logger } from "../log.ts";
import { recoverySweep } from "./recovery.ts";

function memoryLog(lines: { level: string; msg: string; fields?: LogFields }[]): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) =>
    void lines.push({ level, msg, fields });
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => log,
  };
  return log;
}

async function partialOgg(finalPath: string): Promise<void> {
  const f = await OpusRecordingFile.create(finalPath, {
    serial: 7,
    channels: 2,
    preSkip: 312,
    inputSampleRate: 8000,
    comments: [],
  });
  f.abandon();
}

Deno.test({
  name: "recoverySweep() keeps every spill journal as WAV, even one beside a final file",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    await using store = openStore(join(dir, "selrec.db"));
    await migrate(store.db);
    const spool = join(dir, "recordings");
    await Deno.mkdir(join(spool, "2026"), { recursive: true });
    const spoolId = await ensureSpool(store.db, spool);
    const journal = encodeG711("pcmu", new Int16Array(16000).fill(1000)); // 1 s stereo
    // Crashed mid-call while spilling: .partial and .journal side by side.
    const crashed = join(spool, "2026", "crashed.ogg");
    await partialOgg(crashed);
    await Deno.writeFile(`${crashed}.journal`, journal);
    // A final file with its journal still there: closed by recovery after the encoder
    // failed on a full disk (its journaled audio is not in the file), or finished just
    // before a crash. The sweep cannot tell these apart, so it keeps the journal.
    const finished = join(spool, "2026", "finished.ogg");
    await Deno.writeFile(finished, new Uint8Array(100));
    await Deno.writeFile(`${finished}.journal`, journal);

    const lines: { level: string; msg: string; fields?: LogFields }[] = [];
    const report = await recoverySweep(store.db, spool, spoolId, memoryLog(lines));
    assert.deepEqual(report, {
      interrupted: 0,
      completed: 0,
      missing: 0,
      adopted: 1,
      failed: 0,
      journalsKept: 2,
    });
    await assert.rejects(Deno.stat(`${finished}.journal`), Deno.errors.NotFound);
    assert.equal(parseWav(await Deno.readFile(`${finished}.journal.wav`)).frames, 8000);
    await assert.rejects(Deno.stat(`${crashed}.journal`), Deno.errors.NotFound);
    const wav = parseWav(await Deno.readFile(`${crashed}.journal.wav`));
    assert.equal(wav.frames, 8000);
    assert.ok((await Deno.stat(crashed)).isFile, "the interrupted recording is recovered too");
    const warn = lines.find((l) =>
      l.msg.startsWith("spill journal") && l.fields?.recording === "2026/crashed.ogg"
    );
    assert.deepEqual(warn?.fields, {
      recording: "2026/crashed.ogg",
      journal: "2026/crashed.ogg.journal.wav",
      durationMs: 1000,
    });
    // Idempotent: a second sweep finds nothing to do.
    const again = await recoverySweep(store.db, spool, spoolId, memoryLog([]));
    assert.equal(again.journalsKept + again.adopted, 0);
    await store.close();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "recoverySweep() leaves a journal in place when its audio cannot be written out",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir();
    await using store = openStore(join(dir, "selrec.db"));
    await migrate(store.db);
    const spool = join(dir, "recordings");
    await Deno.mkdir(spool, { recursive: true });
    const spoolId = await ensureSpool(store.db, spool);
    const final = join(spool, "cut.ogg");
    await Deno.writeFile(final, new Uint8Array(100));
    const journal = encodeG711("pcmu", new Int16Array(8000).fill(500));
    await Deno.writeFile(`${final}.journal`, journal);
    // Its WAV cannot be created (a directory is in the way, as a full disk would refuse it).
    await Deno.mkdir(`${final}.journal.wav`);
    const lines: { level: string; msg: string; fields?: LogFields }[] = [];
    const report = await recoverySweep(store.db, spool, spoolId, memoryLog(lines));
    assert.equal(report.failed, 1);
    assert.equal(report.journalsKept, 0);
    assert.deepEqual(await Deno.readFile(`${final}.journal`), journal);
    assert.ok(lines.some((l) => l.level === "error" && l.msg.includes("spill journal")));
    await store.close();
    await Deno.remove(dir, { recursive: true });
  },
});
