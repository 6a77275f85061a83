/** The circular path the `drag` and `owner` behaviours move a held piece along. */
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";
import type { Point } from "../../shared/placement-check.ts";

/**
 * Whole-pixel points on a circle of `radiusPx` around `start`, by angle in
 * radians. The centre is moved in from the edges so that the whole circle stays
 * on the table and the rules never clamp a move.
 */
export function circleAround(spec: PuzzleSpec, start: Point, radiusPx: number): (angle: number) => Point {
  const centre = {
    x: Math.min(Math.max(start.x, radiusPx), spec.tableWidth - spec.pieceWidth - radiusPx),
    y: Math.min(Math.max(start.y, radiusPx), spec.tableHeight - spec.pieceHeight - radiusPx),
  };
  return (angle) => ({ x: Math.round(centre.x + radiusPx * Math.cos(angle)), y: Math.round(centre.y + radiusPx * Math.sin(angle)) });
}
