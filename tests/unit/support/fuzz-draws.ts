/**
 * The seeded draws both fuzzes make (tests/unit/fuzz.test.ts, client-fuzz.test.ts).
 * The order of draws is part of every named regression seed: change it and
 * those seeds replay other games.
 */
import type { Prng } from "../../../shared/prng.ts";
import type { PuzzleOptions } from "../../../shared/puzzle-spec.ts";

export const pick = <T>(prng: Prng, items: readonly T[]): T => items[Math.floor(prng() * items.length)]!;
export const int = (prng: Prng, min: number, max: number): number => min + Math.floor(prng() * (max - min + 1));

/** A small puzzle of a seeded shape and size; `rotation` is the caller's (drawn from a stream of its own). */
export function fuzzPuzzle(prng: Prng, rotation: boolean): PuzzleOptions {
  return {
    imageId: "fuzz",
    imageWidth: pick(prng, [800, 1200, 1600]),
    imageHeight: pick(prng, [800, 900, 1200]),
    pieceCount: pick(prng, [4, 6, 12, 20, 35]),
    seed: int(prng, 0, 0xffffffff),
    rotation,
  };
}
