/**
 * The drawable shape of every piece, from the outlines shared/ defines: a Path2D
 * for cutting textures and hit-testing, and each side as a polyline for drawing
 * outlines around held groups.
 */
import type { Rect } from "./play-area.ts";
import { generateEdges, pieceOutline, TAB_REACH_FRACTION, type PathCommand } from "../../shared/piece-shapes.ts";
import { colOf, pieceCountOf, rowOf, type PuzzleSpec } from "../../shared/puzzle-spec.ts";

/** Segments per cubic when flattening a side into a polyline. */
const CURVE_STEPS = 6;

export type Side = "top" | "right" | "bottom" | "left";
export const SIDES: readonly Side[] = ["top", "right", "bottom", "left"];

export interface PieceGeometry {
  path: Path2D;
  /** Polyline of each side in piece-local px: x0, y0, x1, y1, ... */
  sides: Record<Side, number[]>;
}

/** Margin around a cell that tabs (and a little shadow) can reach into, in table px. */
export function cellPadding(spec: PuzzleSpec): number {
  return Math.ceil(Math.max(spec.pieceWidth, spec.pieceHeight) * TAB_REACH_FRACTION) + 4;
}

function toPath(commands: PathCommand[]): Path2D {
  const path = new Path2D();
  for (const command of commands) {
    if (command.op === "M") path.moveTo(command.x, command.y);
    else if (command.op === "L") path.lineTo(command.x, command.y);
    else path.bezierCurveTo(command.x1, command.y1, command.x2, command.y2, command.x, command.y);
  }
  path.closePath();
  return path;
}

function flatten(from: { x: number; y: number }, commands: PathCommand[]): number[] {
  const points = [from.x, from.y];
  let x = from.x;
  let y = from.y;
  for (const command of commands) {
    if (command.op === "C") {
      for (let step = 1; step <= CURVE_STEPS; step++) {
        const t = step / CURVE_STEPS;
        const u = 1 - t;
        points.push(
          u * u * u * x + 3 * u * u * t * command.x1 + 3 * u * t * t * command.x2 + t * t * t * command.x,
          u * u * u * y + 3 * u * u * t * command.y1 + 3 * u * t * t * command.y2 + t * t * t * command.y,
        );
      }
    } else points.push(command.x, command.y);
    x = command.x;
    y = command.y;
  }
  return points;
}

/** Builds every piece's geometry. Sides are a straight line or four cubics, in the outline's order. */
export function buildGeometry(spec: PuzzleSpec): PieceGeometry[] {
  const edges = generateEdges(spec);
  const result: PieceGeometry[] = [];
  for (let id = 0; id < pieceCountOf(spec); id++) {
    const commands = pieceOutline(spec, edges, id);
    const row = rowOf(spec, id);
    const col = colOf(spec, id);
    const flat: Record<Side, boolean> = { top: row === 0, right: col === spec.cols - 1, bottom: row === spec.rows - 1, left: col === 0 };
    const sides = {} as Record<Side, number[]>;
    let index = 1;
    let from = { x: 0, y: 0 };
    for (const side of SIDES) {
      const count = flat[side] ? 1 : 4;
      const segment = commands.slice(index, index + count);
      sides[side] = flatten(from, segment);
      const last = segment[segment.length - 1]!;
      from = { x: last.x, y: last.y };
      index += count;
    }
    result.push({ path: toPath(commands), sides });
  }
  return result;
}

/** The neighbour across a side, or -1 on the border. */
export function neighbourAcross(spec: PuzzleSpec, id: number, side: Side): number {
  const row = rowOf(spec, id);
  const col = colOf(spec, id);
  switch (side) {
    case "top":
      return row > 0 ? id - spec.cols : -1;
    case "right":
      return col < spec.cols - 1 ? id + 1 : -1;
    case "bottom":
      return row < spec.rows - 1 ? id + spec.cols : -1;
    case "left":
      return col > 0 ? id - 1 : -1;
    default: {
      const unreachable: never = side;
      return unreachable;
    }
  }
}

/** Radians per quarter turn, for drawing pieces turned by `turns` quarter turns. */
export const RADIANS_PER_QUARTER_TURN = Math.PI / 2;

/** Where a border is traced: a canvas context or anything else with the same two calls. */
export interface PathSink {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
}

/**
 * Traces the outer border of a set of pieces drawn at (x[id], y[id]) and
 * turned by turns[id] quarter turns about their cells' centres, shifted by
 * (dx, dy): every side whose neighbour across is not `inside` the set. The
 * caller begins and strokes the path.
 */
export function traceBorder(
  path: PathSink,
  spec: PuzzleSpec,
  geometry: readonly PieceGeometry[],
  at: { x: ArrayLike<number>; y: ArrayLike<number>; turns: ArrayLike<number> },
  pieces: Iterable<number>,
  inside: (neighbour: number) => boolean,
  dx: number,
  dy: number,
): void {
  const halfWidth = spec.pieceWidth / 2;
  const halfHeight = spec.pieceHeight / 2;
  for (const id of pieces) {
    const cx = at.x[id]! + halfWidth + dx;
    const cy = at.y[id]! + halfHeight + dy;
    const angle = at.turns[id]! * RADIANS_PER_QUARTER_TURN;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    // A point of the outline (piece-local px) where it is drawn on the table.
    const tableX = (px: number, py: number) => cx + (px - halfWidth) * cos - (py - halfHeight) * sin;
    const tableY = (px: number, py: number) => cy + (px - halfWidth) * sin + (py - halfHeight) * cos;
    for (const side of SIDES) {
      if (inside(neighbourAcross(spec, id, side))) continue;
      const points = geometry[id]!.sides[side];
      path.moveTo(tableX(points[0]!, points[1]!), tableY(points[0]!, points[1]!));
      for (let i = 2; i < points.length; i += 2) path.lineTo(tableX(points[i]!, points[i + 1]!), tableY(points[i]!, points[i + 1]!));
    }
  }
}

/**
 * The table area (table px) pieces drawn at (x[id], y[id]) and turned by
 * turns[id] can touch with their tabs and shadows, grown by `grow` (a line's
 * width). A turned piece reaches its longer half-side from its centre, and,
 * while it turns, half its diagonal.
 */
export function piecesBounds(spec: PuzzleSpec, at: { x: ArrayLike<number>; y: ArrayLike<number>; turns: ArrayLike<number> }, pieces: Iterable<number>, grow: number): Rect | null {
  let left = Number.POSITIVE_INFINITY;
  let top = Number.POSITIVE_INFINITY;
  let right = Number.NEGATIVE_INFINITY;
  let bottom = Number.NEGATIVE_INFINITY;
  const halfWidth = spec.pieceWidth / 2;
  const halfHeight = spec.pieceHeight / 2;
  const halfLonger = Math.max(halfWidth, halfHeight);
  const halfDiagonal = Math.hypot(halfWidth, halfHeight);
  for (const id of pieces) {
    const turns = at.turns[id]!;
    const reachX = turns === 0 || turns === 2 ? halfWidth : Number.isInteger(turns) ? halfLonger : halfDiagonal;
    const reachY = turns === 0 || turns === 2 ? halfHeight : Number.isInteger(turns) ? halfLonger : halfDiagonal;
    const cx = at.x[id]! + halfWidth;
    const cy = at.y[id]! + halfHeight;
    left = Math.min(left, cx - reachX);
    top = Math.min(top, cy - reachY);
    right = Math.max(right, cx + reachX);
    bottom = Math.max(bottom, cy + reachY);
  }
  if (left > right) return null;
  const reach = cellPadding(spec) + grow;
  return { left: left - reach, top: top - reach, right: right + reach, bottom: bottom + reach };
}

/**
 * Where a table point lies in the frame of a piece drawn at (x, y) turned by
 * `turns` quarter turns: piece-local px of its upright cell, for hit tests
 * against its outline.
 */
export function pieceLocal(spec: PuzzleSpec, x: number, y: number, turns: number, tableX: number, tableY: number): { x: number; y: number } {
  const halfWidth = spec.pieceWidth / 2;
  const halfHeight = spec.pieceHeight / 2;
  if (turns === 0) return { x: tableX - x, y: tableY - y };
  const dx = tableX - (x + halfWidth);
  const dy = tableY - (y + halfHeight);
  const cos = Math.cos(turns * RADIANS_PER_QUARTER_TURN);
  const sin = Math.sin(turns * RADIANS_PER_QUARTER_TURN);
  return { x: halfWidth + dx * cos + dy * sin, y: halfHeight - dx * sin + dy * cos };
}
