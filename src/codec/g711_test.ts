import assert from "node:assert/strict";
import { decodeG711, encodeG711, g711SilenceByte } from "./g711.ts";

const ALL = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test("decodeG711() matches reference µ-law and A-law values", () => {
  const u = decodeG711("pcmu", Uint8Array.of(0x00, 0x7f, 0x80, 0xff, 0x0f));
  assert.deepEqual([...u], [-32124, 0, 32124, 0, -16764]);
  const a = decodeG711("pcma", Uint8Array.of(0xd5, 0x55, 0x2a, 0xaa));
  assert.deepEqual([...a], [8, -8, -32256, 32256]);
});

Deno.test("encodeG711() inverts decodeG711() for every code", () => {
  const back = encodeG711("pcma", decodeG711("pcma", ALL));
  assert.deepEqual([...back], [...ALL]);
  const u = encodeG711("pcmu", decodeG711("pcmu", ALL));
  // 0x7f (negative zero) encodes back as 0xff (positive zero).
  assert.deepEqual([...u], [...ALL].map((b) => (b === 0x7f ? 0xff : b)));
});

Deno.test("encodeG711() maps silence to the silence byte and clips extremes", () => {
  assert.equal(encodeG711("pcmu", Int16Array.of(0))[0], g711SilenceByte("pcmu"));
  assert.equal(encodeG711("pcma", Int16Array.of(0))[0], g711SilenceByte("pcma"));
  assert.equal(encodeG711("pcmu", Int16Array.of(32767))[0], 0x80);
  assert.equal(encodeG711("pcmu", Int16Array.of(-32768))[0], 0x00);
});

Deno.test("decodeG711() writes into a caller buffer and rejects a short one", () => {
  const dst = new Int16Array(8);
  const out = decodeG711("pcmu", Uint8Array.of(0x80, 0x00), dst);
  assert.equal(out.buffer, dst.buffer);
  assert.equal(out.length, 2);
  assert.throws(() => decodeG711("pcmu", ALL, new Int16Array(3)), RangeError);
});

for (const law of ["pcmu", "pcma"] as const) {
  Deno.test(`decodeG711() agrees with sox for all 256 codes (${law})`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeFile(`${dir}/in.raw`, ALL);
      const enc = law === "pcmu" ? "u-law" : "a-law";
      const args = [
        "-D",
        "-t",
        "raw",
        "-r",
        "8000",
        "-e",
        enc,
        "-b",
        "8",
        "-c",
        "1",
        `${dir}/in.raw`,
      ];
      args.push("-t", "raw", "-e", "signed", "-b", "16", "-L", `${dir}/out.raw`);
      const { success } = await new Deno.Command("sox", { args }).output();
      assert.ok(success);
      const raw = await Deno.readFile(`${dir}/out.raw`);
      const sox = new Int16Array(raw.buffer, 0, 256);
      assert.deepEqual([...decodeG711(law, ALL)], [...sox]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
