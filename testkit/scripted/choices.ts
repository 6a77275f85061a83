/**
 * What a scripted player chooses: which free piece to take, and where to take
 * it. Every choice draws from the player's seeded generator, always in the same
 * order, so a seed replays the same choices on the same table.
 */
import { between, type Prng } from "../../shared/prng.ts";
import { boardRect, solvedPosition, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { groupMembers, type PuzzleState } from "../../shared/puzzle-state.ts";
import type { Point } from "../../shared/placement-check.ts";

export interface PiecePick {
  /** Only pieces on their own (not joined to any other); otherwise a piece of any loose group. */
  alone: boolean;
  /** A room's few contested pieces, and the probability of going for one of them first. */
  hot?: { pieces: readonly number[]; probability: number };
}

/**
 * A loose piece (not locked) that nobody holds as far as this player can see,
 * chosen at random; with probability `hot.probability`, one of the contested
 * ones when any is free. Undefined when there is none.
 */
export function pickFreePiece(state: PuzzleState, prng: Prng, pick: PiecePick): number | undefined {
  const free = (id: number): boolean => {
    const piece = state.pieces[id];
    if (!piece || piece.locked || state.holds.has(piece.group)) return false;
    return !pick.alone || groupMembers(state, piece.group).length === 1;
  };
  if (pick.hot && prng() < pick.hot.probability) {
    const hot = pick.hot.pieces.filter(free);
    if (hot.length > 0) return hot[Math.floor(prng() * hot.length)];
  }
  const candidates: number[] = [];
  for (let id = 0; id < state.pieces.length; id++) if (free(id)) candidates.push(id);
  return candidates.length > 0 ? candidates[Math.floor(prng() * candidates.length)] : undefined;
}

/** Where a drag of `pieceId` ends. */
export type Destination = (spec: PuzzleSpec, pieceId: number, prng: Prng) => Point;

/**
 * With probability `placeProbability` the piece's place on the board, otherwise
 * a spot anywhere on the table clear of the board (and a piece's width around
 * it), inside the table so no move is clamped.
 */
export function awayFromBoard(placeProbability: number): Destination {
  return (spec, pieceId, prng) => {
    if (prng() < placeProbability) return solvedPosition(spec, pieceId);
    const maxX = spec.tableWidth - spec.pieceWidth;
    const maxY = spec.tableHeight - spec.pieceHeight;
    const board = boardRect(spec);
    const boardRight = board.x + board.width;
    const boardBottom = board.y + board.height;
    for (;;) {
      const x = Math.round(between(prng, 0, maxX));
      const y = Math.round(between(prng, 0, maxY));
      const onBoard = x + spec.pieceWidth > spec.boardX - spec.pieceWidth && x < boardRight + spec.pieceWidth && y + spec.pieceHeight > spec.boardY - spec.pieceHeight && y < boardBottom + spec.pieceHeight;
      if (!onBoard) return { x, y };
    }
  };
}

/**
 * With probability `placeProbability` (none drawn when it is 0) the piece's
 * place on the board, otherwise a spot in the strip of table above the board.
 */
export function aboveBoard(placeProbability: number): Destination {
  return (spec, pieceId, prng) => {
    if (placeProbability > 0 && prng() < placeProbability) return solvedPosition(spec, pieceId);
    return { x: Math.round(between(prng, 0, spec.tableWidth - spec.pieceWidth)), y: Math.round(between(prng, 0, spec.boardY - spec.pieceHeight)) };
  };
}
