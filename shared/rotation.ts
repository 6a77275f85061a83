/**
 * Quarter turns: the one geometry of a turned piece and a turned group, for the
 * rules, the lost-move check and the client's drawing alike.
 *
 * A piece's (x, y) is always the top-left corner of its cell as it would lie
 * upright; its `rotation` turns that cell clockwise on the table (y points down)
 * about the cell's centre, (x + pieceWidth / 2, y + pieceHeight / 2), which a
 * turn never moves. A turned piece that is not square covers another box than
 * its cell: its footprint, which is what must stay on the table. The pieces of a
 * group share one rotation and keep their solved offsets turned with it; every
 * such offset is whole cells along turned axes, so positions stay whole pixels.
 */
import { solvedPosition, type PuzzleSpec } from "./puzzle-spec.ts";

/** Quarter turns clockwise: 0 is upright. */
export const ROTATIONS = [0, 1, 2, 3] as const;
export type Rotation = (typeof ROTATIONS)[number];

export interface Vector {
  x: number;
  y: number;
}

/** A box relative to some origin, in table px. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export function isRotation(value: number): value is Rotation {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

/** `rotation` turned `quarterTurns` further (negative: anticlockwise). */
export function turned(rotation: Rotation, quarterTurns: number): Rotation {
  return ((((rotation + quarterTurns) % 4) + 4) % 4) as Rotation;
}

/** How many quarter turns clockwise take `from` to `to` (0-3). */
export function turnsBetween(from: Rotation, to: Rotation): Rotation {
  return turned(to, -from);
}

/** A vector turned clockwise by `rotation` quarter turns. (`0 - v`, not `-v`: no negative zeros in positions.) */
export function turnVector(dx: number, dy: number, rotation: Rotation): Vector {
  switch (rotation) {
    case 0:
      return { x: dx, y: dy };
    case 1:
      return { x: 0 - dy, y: dx };
    case 2:
      return { x: 0 - dx, y: 0 - dy };
    case 3:
      return { x: dy, y: 0 - dx };
    default: {
      const unreachable: never = rotation;
      return unreachable;
    }
  }
}

/** Where piece `to`'s cell lies from piece `from`'s when both are in one group turned by `rotation`. */
export function memberOffset(spec: PuzzleSpec, from: number, to: number, rotation: Rotation): Vector {
  const a = solvedPosition(spec, from);
  const b = solvedPosition(spec, to);
  return turnVector(b.x - a.x, b.y - a.y, rotation);
}

/** Where the neighbour one grid step (dRow, dCol) away fits, from a piece turned by `rotation`. */
export function neighbourOffset(spec: PuzzleSpec, dRow: number, dCol: number, rotation: Rotation): Vector {
  return turnVector(dCol * spec.pieceWidth, dRow * spec.pieceHeight, rotation);
}

/**
 * The box a piece turned by `rotation` covers, relative to its cell's top-left:
 * the cell itself upright or upside down, the cell turned about its centre
 * otherwise (half-pixel edges when width and height differ by an odd number).
 */
export function footprint(spec: PuzzleSpec, rotation: Rotation): Box {
  const { pieceWidth: width, pieceHeight: height } = spec;
  if (rotation % 2 === 0) return { left: 0, top: 0, right: width, bottom: height };
  const half = (width - height) / 2;
  return { left: half, top: -half, right: half + height, bottom: width - half };
}

/**
 * The whole-pixel shift nearest (dx, dy) that keeps `bounds` (the footprints of
 * a group, in table px) on the table. A group larger than the table keeps its
 * top-left edge on it.
 */
export function shiftOntoTable(spec: PuzzleSpec, bounds: Box, dx: number, dy: number): Vector {
  return {
    x: Math.max(Math.min(dx, Math.floor(spec.tableWidth - bounds.right)), Math.ceil(-bounds.left)),
    y: Math.max(Math.min(dy, Math.floor(spec.tableHeight - bounds.bottom)), Math.ceil(-bounds.top)),
  };
}
