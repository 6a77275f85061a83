/**
 * The atlas's levels when a big puzzle opens on a coarse one: which level a
 * zoom draws from while finer ones are not cut yet, and cutting them a budget
 * at a time (views/piece-atlas.ts).
 */
import { describe, expect, it } from "vitest";
import { cutFinerLevels, levelFor, wantedLevel, type AtlasLevel, type PieceAtlas } from "../../client/views/piece-atlas.ts";

/** A stand-in page: level choice reads only whether a level has pages. */
const PAGE = {} as HTMLCanvasElement;

function atlasWith(cut: boolean[], finer: Iterator<void, void> | null = null): PieceAtlas {
  const levels: AtlasLevel[] = cut.map((isCut, index) => ({ pages: isCut ? [PAGE] : [], scale: 2 / 2 ** index }));
  return { frames: [], scale: 2, padding: 0, levels, finer };
}

describe("atlas levels", () => {
  it("draws from the wanted level once it is cut", () => {
    const atlas = atlasWith([true, true, true, true]);
    expect(wantedLevel(atlas, 1.5)).toBe(0);
    expect(levelFor(atlas, 1.5)).toBe(0);
    expect(levelFor(atlas, 0.6)).toBe(1);
    expect(levelFor(atlas, 0.3)).toBe(2);
    expect(levelFor(atlas, 0.01)).toBe(3);
  });

  it("draws from the finest coarser level that is cut while the wanted one is not", () => {
    const atlas = atlasWith([false, false, true, true]);
    expect(wantedLevel(atlas, 1.5)).toBe(0);
    expect(levelFor(atlas, 1.5)).toBe(2);
    expect(levelFor(atlas, 0.6)).toBe(2);
    expect(levelFor(atlas, 0.1)).toBe(3);
  });

  it("cuts the finer levels a step at a time and says when none is left", () => {
    const atlas = atlasWith([false, true]);
    let steps = 0;
    atlas.finer = (function* () {
      while (steps < 3) {
        steps++;
        yield;
      }
      atlas.levels[0]!.pages = [PAGE];
    })();
    // No time at all: one step is still taken, so a busy frame never starves the cut.
    expect(cutFinerLevels(atlas, 0)).toBe(false);
    expect(steps).toBe(1);
    expect(levelFor(atlas, 2)).toBe(1);
    while (!cutFinerLevels(atlas, 0));
    expect(atlas.finer).toBeNull();
    expect(levelFor(atlas, 2)).toBe(0);
    expect(cutFinerLevels(atlas, 0)).toBe(true);
  });
});
