/**
 * Seeded pseudo-random numbers for the load client: the same seed gives the same
 * calls, metadata and audio, so a benchmark or a failing test can be replayed.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Mulberry32: a small, fast 32-bit generator; good enough for test data, not for keys. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max], inclusive. */
export function randomInt(rng: Random, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(rng: Random, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** Hex string of `bytes` random bytes. */
export function randomHex(rng: Random, bytes: number): string {
  let out = "";
  for (let i = 0; i < bytes; i++) out += randomInt(rng, 0, 255).toString(16).padStart(2, "0");
  return out;
}
