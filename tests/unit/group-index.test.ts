/**
 * The group index and locked count of a PuzzleState stay what the pieces say,
 * through the rules' merges and locks and through a replica's arbitrary
 * reassignments (a backend that loses writes can split groups).
 */
import { describe, expect, it } from "vitest";
import { createPrng } from "../../shared/prng.ts";
import { createPuzzle, puzzleState, setPiece, type PuzzleState } from "../../shared/puzzle-state.ts";
import { neighboursOf, solvedPosition } from "../../shared/puzzle-spec.ts";
import { applyAction } from "../../shared/rules.ts";

function derived(state: PuzzleState): { groups: Array<[number, number[]]>; locked: number } {
  const fresh = puzzleState(state);
  return { groups: [...fresh.groups].sort((a, b) => a[0] - b[0]), locked: fresh.lockedPieces };
}

function indexed(state: PuzzleState): { groups: Array<[number, number[]]>; locked: number } {
  return { groups: [...state.groups].sort((a, b) => a[0] - b[0]), locked: state.lockedPieces };
}

describe("group index", () => {
  it("follows the rules' snaps, merges and locks", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const state = createPuzzle({ imageId: "test", imageWidth: 1200, imageHeight: 900, pieceCount: 30, seed });
      const prng = createPrng(seed);
      for (let step = 0; step < 300; step++) {
        const id = Math.floor(prng() * state.pieces.length);
        const aim = prng() < 0.5 ? solvedPosition(state.spec, id) : (() => {
          const { id: other, dRow, dCol } = neighboursOf(state.spec, id)[0]!;
          const piece = state.pieces[other]!;
          return { x: piece.x - dCol * state.spec.pieceWidth, y: piece.y - dRow * state.spec.pieceHeight };
        })();
        applyAction(state, "p", { type: "grab", pieceId: id }, step);
        applyAction(state, "p", { type: "drop", pieceId: id, x: aim.x + 3, y: aim.y - 2 }, step);
        expect(indexed(state), `seed ${seed} step ${step}`).toEqual(derived(state));
      }
    }
  });

  it("follows a replica's arbitrary reassignments", () => {
    const state = createPuzzle({ imageId: "test", imageWidth: 800, imageHeight: 800, pieceCount: 16, seed: 3 });
    const prng = createPrng(9);
    for (let step = 0; step < 500; step++) {
      const id = Math.floor(prng() * state.pieces.length);
      const group = Math.floor(prng() * state.pieces.length);
      setPiece(state, id, step, -step, group, prng() < 0.3, 0);
      expect(indexed(state)).toEqual(derived(state));
    }
  });
});
