/**
 * Whether a piece's state still shows a move or drop the room acknowledged. The
 * rules put the named piece's cell at (x, y), rounded, with its whole group
 * (rigid: joined pieces keep their places relative to each other) clamped onto
 * the table; since then only snaps can have moved the piece, each by at most
 * SNAP_RADIUS_PX. The load scripts' lost-move judgement (testkit/lost-moves.ts)
 * decides with these; a client checking its own acknowledged drops can too.
 */
import { SNAP_RADIUS_PX } from "./rules.ts";
import { solvedPosition, type PuzzleSpec } from "./puzzle-spec.ts";

export interface Point {
  x: number;
  y: number;
}

/** An acknowledged move or drop of `pieceId` to (x, y) that moved the pieces `moved` (its group then, `pieceId` included). */
export interface CheckedPlacement {
  pieceId: number;
  x: number;
  y: number;
  moved: readonly number[];
}

/**
 * Where `placement` put `pieceId`, one of the pieces it moved: the named
 * piece's cell at (x, y), unless that would take part of the group off the
 * table (the rules clamp the group onto it, as shared/rules.ts placeGroup).
 */
export function placedPosition(spec: PuzzleSpec, placement: CheckedPlacement, pieceId: number): Point {
  const anchor = solvedPosition(spec, placement.pieceId);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const id of placement.moved) {
    const cell = solvedPosition(spec, id);
    minX = Math.min(minX, cell.x - anchor.x);
    minY = Math.min(minY, cell.y - anchor.y);
    maxX = Math.max(maxX, cell.x - anchor.x + spec.pieceWidth);
    maxY = Math.max(maxY, cell.y - anchor.y + spec.pieceHeight);
  }
  const anchorX = Math.min(Math.max(Math.round(placement.x), -minX), spec.tableWidth - maxX);
  const anchorY = Math.min(Math.max(Math.round(placement.y), -minY), spec.tableHeight - maxY);
  const cell = solvedPosition(spec, pieceId);
  return { x: anchorX + cell.x - anchor.x, y: anchorY + cell.y - anchor.y };
}

/**
 * How many snaps may have moved a piece since a placement that moved
 * `movedCount` pieces: one for every piece its group has gained since (a
 * neighbour snap joins at least one), and one for locking onto the board.
 */
export function snapsSince(movedCount: number, groupSizeNow: number, lockedNow: boolean): number {
  return groupSizeNow - movedCount + (lockedNow ? 1 : 0);
}

/** True when a piece found at `found` still shows a placement that put it at `expected`, `snaps` snaps ago at most. */
export function showsPlacement(expected: Point, found: Point, snaps: number): boolean {
  return Math.hypot(found.x - expected.x, found.y - expected.y) <= snaps * SNAP_RADIUS_PX;
}
