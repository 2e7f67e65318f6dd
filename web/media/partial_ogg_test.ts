import assert from "node:assert/strict";
import { encodeOggPage } from "../../src/codec/ogg.ts";
import { wholeOggPrefix, wholePagesEnd } from "./partial_ogg.ts";

function page(sequence: number, bodyLength: number): Uint8Array {
  const body = new Uint8Array(bodyLength).map((_, i) => (i * 7 + sequence) & 0xff);
  const segments: number[] = [];
  for (let left = bodyLength;; left -= 255) {
    segments.push(Math.min(255, left));
    if (left < 255) break;
  }
  return encodeOggPage({
    headerType: 0,
    granule: sequence * 960,
    serial: 7,
    sequence,
    segments: Uint8Array.from(segments),
    body,
  });
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) [out.set(p, o), o += p.length];
  return out;
}

Deno.test("wholePagesEnd() stops before a page cut short", () => {
  const pages = [page(0, 300), page(1, 80), page(2, 600)];
  const whole = pages[0].length + pages[1].length;
  const cut = join([pages[0], pages[1], pages[2].subarray(0, 100)]);
  assert.equal(wholePagesEnd(cut, true), whole);
  assert.equal(wholePagesEnd(join(pages), true), whole + pages[2].length);
  assert.equal(wholePagesEnd(pages[0].subarray(0, 20), true), 0);
});

Deno.test("wholePagesEnd() finds the page boundary inside a window that starts mid-page", () => {
  const pages = [page(0, 2000), page(1, 500), page(2, 400)];
  const all = join(pages);
  const from = 1000; // inside page 0's body
  const window = all.subarray(from, all.length - 10);
  assert.equal(from + wholePagesEnd(window, false), pages[0].length + pages[1].length);
});

Deno.test({
  name: "wholeOggPrefix() reads only the tail of a large growing file",
  sanitizeResources: true,
  sanitizeOps: true,
  async fn() {
    const pages = Array.from({ length: 120 }, (_, i) => page(i, 1500 + (i % 5) * 300));
    const full = join(pages);
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/x.ogg.partial`;
      await Deno.writeFile(path, join([full, page(120, 900).subarray(0, 40)]));
      assert.equal(await wholeOggPrefix(path), full.length);
      await Deno.writeFile(path, full.subarray(0, 10));
      assert.equal(await wholeOggPrefix(path), 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
