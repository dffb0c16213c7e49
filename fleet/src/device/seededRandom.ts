/** A small seeded generator (mulberry32): the same seed gives the same run of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed of its own for device `index` of a run (so one device's plan does not depend on how many others there are). */
export function deviceSeed(runSeed: number, index: number): number {
  // FNV-1a over the two numbers: cheap, stable, and well spread for neighbouring indices.
  let h = 0x811c9dc5;
  for (const n of [runSeed >>> 0, Math.floor(runSeed / 2 ** 32) >>> 0, index >>> 0]) {
    for (let shift = 0; shift < 32; shift += 8) {
      h ^= (n >>> shift) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}
