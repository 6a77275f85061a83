/**
 * Where "gather loose pieces" and "sort edge pieces" put things: free slots on
 * the table around the board, spaced so that laid-out pieces never snap to each
 * other. The moves themselves go through the protocol like any drag.
 */
import { boardRect, isEdgePiece, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { TAB_REACH_FRACTION } from "../../shared/piece-shapes.ts";
import { SNAP_RADIUS_PX } from "../../shared/rules.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";

export type TidyKind = "gather" | "edges";

export interface TidyMove {
  pieceId: number;
  x: number;
  y: number;
}

/**
 * Distance between laid-out cells: room for both tabs, and never within a snap
 * radius of the offset at which two neighbours fit, so laid-out pieces stay apart.
 */
function slotStep(size: number): number {
  return Math.ceil(Math.max(size * (1 + 2 * TAB_REACH_FRACTION), size + SNAP_RADIUS_PX) + 2);
}

/**
 * Free cells on the table outside the board, in the order they should fill.
 * Where pieces turn, a slot is square on the longer side: a turned piece's
 * footprint and its turned neighbour offsets swap the two sides.
 */
function slots(spec: PuzzleSpec, edgesOnTop: boolean): Array<{ x: number; y: number }> {
  const longer = Math.max(spec.pieceWidth, spec.pieceHeight);
  const stepX = slotStep(spec.rotation ? longer : spec.pieceWidth);
  const stepY = slotStep(spec.rotation ? longer : spec.pieceHeight);
  const board = boardRect(spec);
  const boardRight = board.x + board.width;
  const boardBottom = board.y + board.height;
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
      // Nearest the board first; for edges, the band above the board comes before anything else.
      const near = Math.hypot((x - centreX) / spec.tableWidth, (y - centreY) / spec.tableHeight);
      const aboveBoard = y + spec.pieceHeight < spec.boardY;
      const distance = edgesOnTop && aboveBoard ? -1e9 + (spec.boardY - y) * spec.tableWidth + x : near;
      result.push({ x: Math.round(x), y: Math.round(y), distance });
    }
  }
  return result.sort((a, b) => a.distance - b.distance);
}

/**
 * Plans the moves: every loose single piece (not in a group, not locked, not
 * held) for "gather", or only the loose edge pieces, laid out in rows above
 * the board (then around it when those rows are full), for "edges". Pieces already lying on a planned slot are left where they are.
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
