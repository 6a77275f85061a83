/**
 * A seeded pseudo-random generator (mulberry32): the only source of randomness
 * the shared rules accept, so a seed gives the same puzzle on every machine.
 */
export type Prng = () => number;

/** Returns a generator of floats in [0, 1) fully determined by `seed`. */
export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float in [min, max) drawn from `prng`. */
export function between(prng: Prng, min: number, max: number): number {
  return min + (max - min) * prng();
}
