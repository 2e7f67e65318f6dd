/**
 * Child process of the sealed writer's kill -9 test: appends a known byte stream (8,000
 * bytes a second, in 40 ms batches) through a SealedAppender and prints the running
 * total after each append, until it is killed. Args: path, hex data key, chunk bytes,
 * seal interval ms.
 */
import { fileAppender } from "./file_appender_test_util.ts";
import { SealedAppender } from "./sealed_writer.ts";

/** Byte `i` of the test stream. */
export function streamByte(i: number): number {
  return (i * 131 + (i >> 8) * 7) & 0xff;
}

if (import.meta.main) {
  const [path, keyHex, chunk, interval] = Deno.args;
  const dataKey = Uint8Array.from(keyHex.match(/../g)!, (h) => parseInt(h, 16));
  const out = await SealedAppender.over(await fileAppender(path, 2000), {
    key: { keyId: "kek-test", wrappedKey: new Uint8Array(60), dataKey },
    chunkBytes: Number(chunk),
    sealIntervalMs: Number(interval),
  });
  const enc = new TextEncoder();
  let total = 0;
  setInterval(() => void out.syncIfDue(), 250);
  for (;;) {
    const batch = new Uint8Array(320).map((_, i) => streamByte(total + i));
    await out.append([batch]);
    total += batch.length;
    await Deno.stdout.write(enc.encode(`${total}\n`));
    await new Promise((r) => setTimeout(r, 40));
  }
}
