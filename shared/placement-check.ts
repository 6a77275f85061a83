/**
 * Whether a piece's state still shows a move or drop the room acknowledged. The
 * rules put the named piece's cell at (x, y), rounded, with its whole group
 * (rigid: joined pieces keep their places relative to each other, turned with
 * the group's rotation, as shared/rotation.ts says) clamped onto the table;
 * since then only snaps can have moved the piece, each by at most
 * SNAP_RADIUS_PX, and nothing but a rotate can have turned it. The load
 * scripts' lost-move judgement (testkit/lost-moves.ts) decides with these; a
 * client checking its own acknowledged drops can too.
 */
import { SNAP_RADIUS_PX } from "./rules.ts";
import type { PuzzleSpec } from "./puzzle-spec.ts";
import { footprint, memberOffset, shiftOntoTable, type Rotation } from "./rotation.ts";

export interface Point {
  x: number;
  y: number;
}

/**
 * An acknowledged move or drop of `pieceId` to (x, y) that moved the pieces
 * `moved` (its group then, `pieceId` included), turned by `rotation` quarter turns.
 */
export interface CheckedPlacement {
  pieceId: number;
  x: number;
  y: number;
  moved: readonly number[];
  rotation: Rotation;
}

/**
 * Where `placement` put `pieceId`, one of the pieces it moved: the named
 * piece's cell at (x, y), unless that would take part of the group off the
 * table (the rules clamp the group's footprints onto it, as shared/rules.ts
 * placeGroup).
 */
export function placedPosition(spec: PuzzleSpec, placement: CheckedPlacement, pieceId: number): Point {
  const box = footprint(spec, placement.rotation);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const id of placement.moved) {
    const offset = memberOffset(spec, placement.pieceId, id, placement.rotation);
    minX = Math.min(minX, offset.x);
    minY = Math.min(minY, offset.y);
    maxX = Math.max(maxX, offset.x);
    maxY = Math.max(maxY, offset.y);
  }
  // The group with the named piece's cell at the origin, shifted to (x, y) and onto the table.
  const bounds = { left: minX + box.left, top: minY + box.top, right: maxX + box.right, bottom: maxY + box.bottom };
  const anchor = shiftOntoTable(spec, bounds, Math.round(placement.x), Math.round(placement.y));
  const offset = memberOffset(spec, placement.pieceId, pieceId, placement.rotation);
  return { x: anchor.x + offset.x, y: anchor.y + offset.y };
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
