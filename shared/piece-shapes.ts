/**
 * Jigsaw edges. Every shared edge between two neighbours is generated once from
 * the seed, and both pieces trace that same curve (in opposite directions), so
 * neighbours fit exactly.
 */
import { createPrng, between } from "./prng.ts";
import { colOf, rowOf, type PuzzleSpec } from "./puzzle-spec.ts";

/** How far a tab can reach past its cell, as a fraction of the cell side. */
export const TAB_REACH_FRACTION = 0.3;

/** One internal edge: which side the tab bulges to, and its jitter. */
export interface EdgeShape {
  /** +1: the tab bulges towards the piece below/right; -1: towards the one above/left. */
  bulge: 1 | -1;
  /** Shift of the tab's centre along the edge, as a fraction of the edge. */
  centreShift: number;
  /** Scale of the tab's height. */
  heightScale: number;
  /** Scale of the tab's width. */
  widthScale: number;
}

export interface PuzzleEdges {
  /** Edge below piece (row, col) for rows 0..rows-2, index row * cols + col. */
  horizontal: EdgeShape[];
  /** Edge right of piece (row, col) for cols 0..cols-2, index row * (cols - 1) + col. */
  vertical: EdgeShape[];
}

export type PathCommand =
  | { op: "M"; x: number; y: number }
  | { op: "L"; x: number; y: number }
  | { op: "C"; x1: number; y1: number; x2: number; y2: number; x: number; y: number };

/** Generates every internal edge of the puzzle from its seed. */
export function generateEdges(spec: PuzzleSpec): PuzzleEdges {
  const prng = createPrng(spec.seed ^ 0x9e3779b9);
  const edge = (): EdgeShape => ({
    bulge: prng() < 0.5 ? 1 : -1,
    centreShift: between(prng, -0.06, 0.06),
    heightScale: between(prng, 0.85, 1.15),
    widthScale: between(prng, 0.85, 1.15),
  });
  const horizontal: EdgeShape[] = [];
  for (let i = 0; i < (spec.rows - 1) * spec.cols; i++) horizontal.push(edge());
  const vertical: EdgeShape[] = [];
  for (let i = 0; i < spec.rows * (spec.cols - 1); i++) vertical.push(edge());
  return { horizontal, vertical };
}

/**
 * Control points of a tab on the unit edge from (0,0) to (1,0), bulging towards
 * +n: [along, across] pairs of three cubic segments' (c1, c2, end).
 */
function tabCurve(shape: EdgeShape): Array<[number, number]> {
  const c = 0.5 + shape.centreShift;
  const w = shape.widthScale;
  const h = shape.heightScale;
  return [
    [0.3, 0], [c - 0.02 * w, 0], [c - 0.06 * w, 0.07 * h],
    [c - 0.12 * w, 0.14 * h], [c - 0.14 * w, 0.25 * h], [c, 0.25 * h],
    [c + 0.14 * w, 0.25 * h], [c + 0.12 * w, 0.14 * h], [c + 0.06 * w, 0.07 * h],
    [c + 0.02 * w, 0], [0.7, 0], [1, 0],
  ];
}

interface Point {
  x: number;
  y: number;
}

/**
 * Absolute points (table-independent, in board cell units scaled to pixels) of an
 * edge from `from` to `to`, bulging towards the perpendicular `normal`.
 */
function edgePoints(shape: EdgeShape, from: Point, to: Point, normal: Point): Point[] {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy);
  return tabCurve(shape).map(([along, across]) => ({
    x: from.x + dx * along + normal.x * across * length * shape.bulge,
    y: from.y + dy * along + normal.y * across * length * shape.bulge,
  }));
}

function appendCurve(commands: PathCommand[], points: Point[]): void {
  for (let i = 0; i + 2 < points.length; i += 3) {
    const [c1, c2, end] = [points[i]!, points[i + 1]!, points[i + 2]!];
    commands.push({ op: "C", x1: c1.x, y1: c1.y, x2: c2.x, y2: c2.y, x: end.x, y: end.y });
  }
}

/** Reverses a curve's point list so it can be traced from its other end. */
function reversed(points: Point[], start: Point): Point[] {
  const all = [start, ...points].reverse();
  return all.slice(1);
}

/**
 * The outline of a piece as a closed path in piece-local pixels: (0,0) is the
 * top-left corner of its cell, tabs reach up to TAB_REACH_FRACTION outside it.
 */
export function pieceOutline(spec: PuzzleSpec, edges: PuzzleEdges, pieceId: number): PathCommand[] {
  const row = rowOf(spec, pieceId);
  const col = colOf(spec, pieceId);
  const w = spec.pieceWidth;
  const h = spec.pieceHeight;
  const topLeft = { x: 0, y: 0 };
  const topRight = { x: w, y: 0 };
  const bottomRight = { x: w, y: h };
  const bottomLeft = { x: 0, y: h };
  const down = { x: 0, y: 1 };
  const right = { x: 1, y: 0 };
  const commands: PathCommand[] = [{ op: "M", x: 0, y: 0 }];

  // Top: the horizontal edge of the piece above, defined from its bottom-left to
  // bottom-right, which is our top-left to top-right, bulging down (+y) for +1.
  const top = row > 0 ? edges.horizontal[(row - 1) * spec.cols + col] : undefined;
  if (top) appendCurve(commands, edgePoints(top, topLeft, topRight, down));
  else commands.push({ op: "L", ...topRight });

  const rightEdge = col < spec.cols - 1 ? edges.vertical[row * (spec.cols - 1) + col] : undefined;
  if (rightEdge) appendCurve(commands, edgePoints(rightEdge, topRight, bottomRight, right));
  else commands.push({ op: "L", ...bottomRight });

  const bottom = row < spec.rows - 1 ? edges.horizontal[row * spec.cols + col] : undefined;
  if (bottom) appendCurve(commands, reversed(edgePoints(bottom, bottomLeft, bottomRight, down), bottomLeft));
  else commands.push({ op: "L", ...bottomLeft });

  const left = col > 0 ? edges.vertical[row * (spec.cols - 1) + col - 1] : undefined;
  if (left) appendCurve(commands, reversed(edgePoints(left, topLeft, bottomLeft, right), topLeft));
  else commands.push({ op: "L", ...topLeft });

  return commands;
}
