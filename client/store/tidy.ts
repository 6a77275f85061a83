/**
 * Where "gather loose pieces" and "sort edge pieces" put things: free slots on
 * the table around the board, spaced so that laid-out pieces never snap to each
 * other. The moves themselves go through the protocol like any drag.
 */
import { isEdgePiece, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { TAB_REACH_FRACTION } from "../../shared/piece-shapes.ts";
import { SNAP_RADIUS_PX } from "../../shared/rules.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";

export type TidyKind = "gather" | "edges";

export interface TidyMove {
  pieceId: number;
  x: number;
  y: number;
}

/** Gap between laid-out cells: both tabs plus more than a snap radius. */
function slotStep(size: number): number {
  return Math.ceil(size * (1 + 2 * TAB_REACH_FRACTION) + SNAP_RADIUS_PX + 2);
}

/** Free cells on the table outside the board, nearest to the board first. */
function slots(spec: PuzzleSpec, edgesOnTop: boolean): Array<{ x: number; y: number }> {
  const stepX = slotStep(spec.pieceWidth);
  const stepY = slotStep(spec.pieceHeight);
  const boardRight = spec.boardX + spec.cols * spec.pieceWidth;
  const boardBottom = spec.boardY + spec.rows * spec.pieceHeight;
  const centreX = (spec.boardX + boardRight) / 2;
  const centreY = (spec.boardY + boardBottom) / 2;
  const result: Array<{ x: number; y: number; distance: number }> = [];
  for (let y = stepY / 3; y + spec.pieceHeight < spec.tableHeight; y += stepY) {
    for (let x = stepX / 3; x + spec.pieceWidth < spec.tableWidth; x += stepX) {
      const clearOfBoard =
        x + spec.pieceWidth + stepX / 2 < spec.boardX ||
        x - stepX / 2 > boardRight ||
        y + spec.pieceHeight + stepY / 2 < spec.boardY ||
        y - stepY / 2 > boardBottom;
      if (!clearOfBoard) continue;
      if (edgesOnTop && y > spec.boardY) continue;
      // Edges: rows just above the board first, left to right. Gather: nearest the board first.
      const distance = edgesOnTop ? (spec.boardY - y) * spec.tableWidth + x : Math.hypot((x - centreX) / spec.tableWidth, (y - centreY) / spec.tableHeight);
      result.push({ x: Math.round(x), y: Math.round(y), distance });
    }
  }
  return result.sort((a, b) => a.distance - b.distance);
}

/**
 * Plans the moves: every loose single piece (not in a group, not locked, not
 * held) for "gather", or only the loose edge pieces, laid out above the board,
 * for "edges". Pieces already lying on a planned slot are left where they are.
 */
export function planTidy(state: PuzzleState, kind: TidyKind): TidyMove[] {
  const { spec } = state;
  const groupSizes = new Map<number, number>();
  for (const piece of state.pieces) groupSizes.set(piece.group, (groupSizes.get(piece.group) ?? 0) + 1);
  const candidates: number[] = [];
  state.pieces.forEach((piece, id) => {
    if (piece.locked || groupSizes.get(piece.group) !== 1 || state.holds.has(piece.group)) return;
    if (kind === "edges" && !isEdgePiece(spec, id)) return;
    candidates.push(id);
  });
  const free = slots(spec, kind === "edges");
  // Edge pieces first, so "gather" also leaves the frame pieces nearest the board.
  candidates.sort((a, b) => Number(isEdgePiece(spec, b)) - Number(isEdgePiece(spec, a)) || a - b);
  const moves: TidyMove[] = [];
  candidates.forEach((pieceId, index) => {
    const slot = free[index];
    if (!slot) return;
    const piece = state.pieces[pieceId]!;
    if (piece.x === slot.x && piece.y === slot.y) return;
    moves.push({ pieceId, x: slot.x, y: slot.y });
  });
  return moves;
}
