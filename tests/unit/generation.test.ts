/**
 * Puzzle generation: determinism, grid sizing, the start layout and the fit of
 * every shared edge.
 */
import { describe, expect, it } from "vitest";
import { createPuzzle } from "../../shared/puzzle-state.ts";
import {
  MAX_PIECES,
  MIN_PIECES,
  colOf,
  createSpec,
  gridFor,
  neighboursOf,
  pieceCountOf,
  rowOf,
  solvedPosition,
  type PuzzleOptions,
  type PuzzleSpec,
} from "../../shared/puzzle-spec.ts";
import { parseClientFrame } from "../../shared/protocol.ts";
import { generateEdges, pieceOutline, TAB_REACH_FRACTION, type PathCommand } from "../../shared/piece-shapes.ts";

const options = (overrides: Partial<PuzzleOptions> = {}): PuzzleOptions => ({
  imageId: "test",
  imageWidth: 1600,
  imageHeight: 1200,
  pieceCount: 48,
  seed: 12345,
  ...overrides,
});

interface Point {
  x: number;
  y: number;
}

type Side = "top" | "right" | "bottom" | "left";
const SIDES: Side[] = ["top", "right", "bottom", "left"];

/**
 * Splits an outline into its four sides at the cell's corners, each as the list
 * of points it visits (start, then every control and end point), moved by
 * `offset` into table coordinates.
 */
function sidesOf(commands: PathCommand[], width: number, height: number, offset: Point): Record<Side, Point[]> {
  const [first, ...rest] = commands;
  if (first?.op !== "M" || first.x !== 0 || first.y !== 0) throw new Error("an outline starts with M at the top-left corner");
  const corners = [{ x: width, y: 0 }, { x: width, y: height }, { x: 0, y: height }, { x: 0, y: 0 }];
  const sides: Point[][] = [];
  let current: Point[] = [{ x: 0, y: 0 }];
  for (const command of rest) {
    if (command.op === "M") throw new Error("an outline has a single M");
    if (command.op === "C") current.push({ x: command.x1, y: command.y1 }, { x: command.x2, y: command.y2 });
    const end = { x: command.x, y: command.y };
    current.push(end);
    const corner = corners[sides.length];
    if (corner && end.x === corner.x && end.y === corner.y) {
      sides.push(current);
      current = [end];
    }
  }
  if (sides.length !== 4 || current.length !== 1) throw new Error(`expected 4 sides ending at the corners, got ${sides.length}`);
  const moved = sides.map((points) => points.map((point) => ({ x: point.x + offset.x, y: point.y + offset.y })));
  return { top: moved[0]!, right: moved[1]!, bottom: moved[2]!, left: moved[3]! };
}

function tableSides(spec: PuzzleSpec, pieceId: number): Record<Side, Point[]> {
  return sidesOf(pieceOutline(spec, generateEdges(spec), pieceId), spec.pieceWidth, spec.pieceHeight, solvedPosition(spec, pieceId));
}

function expectSamePoints(actual: Point[], expected: Point[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((point, index) => {
    const other = expected[index]!;
    expect(Math.abs(point.x - other.x), `${label} point ${index} x`).toBeLessThan(1e-9);
    expect(Math.abs(point.y - other.y), `${label} point ${index} y`).toBeLessThan(1e-9);
  });
}

describe("determinism", () => {
  it.each([1, 42, 0xffffffff, 987654321])("seed %i gives the identical puzzle every time", (seed) => {
    const a = createPuzzle(options({ seed, pieceCount: 120 }));
    const b = createPuzzle(options({ seed, pieceCount: 120 }));
    expect(b.spec).toEqual(a.spec);
    expect(b.pieces).toEqual(a.pieces);
    const edgesA = generateEdges(a.spec);
    expect(generateEdges(b.spec)).toEqual(edgesA);
    for (let id = 0; id < pieceCountOf(a.spec); id++) {
      expect(pieceOutline(b.spec, generateEdges(b.spec), id)).toEqual(pieceOutline(a.spec, edgesA, id));
    }
  });

  it("different seeds give different layouts and edges", () => {
    const seeds = [1, 2, 3, 1000, 65537];
    const layouts = seeds.map((seed) => JSON.stringify(createPuzzle(options({ seed })).pieces));
    const edges = seeds.map((seed) => JSON.stringify(generateEdges(createSpec(options({ seed })))));
    expect(new Set(layouts).size).toBe(seeds.length);
    expect(new Set(edges).size).toBe(seeds.length);
  });

  it("pins one puzzle so a change to generation cannot go unnoticed", () => {
    // Clients and room must build the same pieces: a silent change to generation
    // would split a room made before the change from clients made after it.
    const state = createPuzzle(options({ seed: 7, pieceCount: 12 }));
    const edges = generateEdges(state.spec);
    // Fingerprinted as the puzzle was before rotation existed: without rotation it must build exactly that.
    expect(state.spec.rotation).toBe(false);
    expect(state.pieces.every((piece) => piece.rotation === 0)).toBe(true);
    const { rotation: _off, ...spec } = state.spec;
    const pieces = state.pieces.map(({ rotation: _upright, ...piece }) => piece);
    const fingerprint = JSON.stringify({ spec, pieces, edges });
    let hash = 0;
    for (let i = 0; i < fingerprint.length; i++) hash = (Math.imul(hash, 31) + fingerprint.charCodeAt(i)) >>> 0;
    expect({ rows: state.spec.rows, cols: state.spec.cols, first: pieces[0], hash }).toMatchInlineSnapshot(`
      {
        "cols": 4,
        "first": {
          "group": 0,
          "locked": false,
          "x": 6,
          "y": 25,
        },
        "hash": 3500635322,
        "rows": 3,
      }
    `);
  });
});

describe("grid sizing", () => {
  const aspects: Array<[string, number, number]> = [
    ["square", 1000, 1000],
    ["4:3", 1600, 1200],
    ["3:4", 1200, 1600],
    ["16:9", 1920, 1080],
    ["9:16", 1080, 1920],
    ["2:1 panorama", 2000, 1000],
  ];
  /** Looser bounds for small counts: a handful of pieces cannot tile every aspect. */
  const bands: Array<{ from: number; to: number; maxCountError: number; minCellAspect: number; maxCellAspect: number }> = [
    { from: MIN_PIECES, to: 19, maxCountError: 0.2, minCellAspect: 0.5, maxCellAspect: 2 },
    { from: 20, to: 99, maxCountError: 0.1, minCellAspect: 0.7, maxCellAspect: 1.45 },
    { from: 100, to: 999, maxCountError: 0.05, minCellAspect: 0.85, maxCellAspect: 1.25 },
    { from: 1000, to: MAX_PIECES, maxCountError: 0.02, minCellAspect: 0.9, maxCellAspect: 1.1 },
  ];

  it.each(aspects)("%s: rows*cols is close to the request and cells are near-square", (_label, width, height) => {
    for (const band of bands) {
      for (let count = band.from; count <= band.to; count++) {
        const { rows, cols } = gridFor(count, width, height);
        const label = `${count} pieces -> ${rows}x${cols}`;
        expect(Math.abs(rows * cols - count) / count, label).toBeLessThanOrEqual(band.maxCountError);
        const cellAspect = width / cols / (height / rows);
        expect(cellAspect, label).toBeGreaterThanOrEqual(band.minCellAspect);
        expect(cellAspect, label).toBeLessThanOrEqual(band.maxCellAspect);
      }
    }
  });

  it.each(aspects)("%s: every requested count gives a grid whose piece ids the protocol can address", (_label, width, height) => {
    for (let count = MIN_PIECES; count <= MAX_PIECES; count++) {
      const { rows, cols } = gridFor(count, width, height);
      expect(rows).toBeGreaterThanOrEqual(2);
      expect(cols).toBeGreaterThanOrEqual(2);
      if (rows * cols > MAX_PIECES) expect.fail(`${count} pieces at ${width}x${height} -> ${rows}x${cols} = ${rows * cols} > MAX_PIECES`);
    }
  });

  it("the last piece of the largest 16:9 puzzle can be grabbed over the wire", () => {
    // Regression: 2,496-2,500 pieces at 16:9 once gave a 38x66 grid, whose pieces
    // 2,500-2,507 the protocol refused as out of range.
    const spec = createSpec(options({ imageWidth: 1920, imageHeight: 1080, pieceCount: 2496 }));
    const frame = JSON.stringify({ type: "grab", seq: 1, pieceId: pieceCountOf(spec) - 1 });
    expect(parseClientFrame(frame).ok).toBe(true);
  });

  it("the piece height follows the image aspect", () => {
    const spec = createSpec(options({ imageWidth: 1920, imageHeight: 1080, pieceCount: 1000 }));
    const imageCellAspect = 1920 / spec.cols / (1080 / spec.rows);
    expect(Math.abs(spec.pieceWidth / spec.pieceHeight - imageCellAspect)).toBeLessThan(0.05);
    expect(spec.tableWidth).toBeGreaterThan(spec.cols * spec.pieceWidth);
    expect(spec.tableHeight).toBeGreaterThan(spec.rows * spec.pieceHeight);
  });
});

describe("start layout", () => {
  it.each([
    [4, 1000, 1000, 1],
    [12, 1600, 1200, 2],
    [100, 1920, 1080, 3],
    [1000, 1200, 1600, 4],
    [2500, 2000, 1000, 5],
  ])("%i pieces (%ix%i, seed %i) start on the table and off the board", (pieceCount, imageWidth, imageHeight, seed) => {
    const state = createPuzzle(options({ pieceCount, imageWidth, imageHeight, seed }));
    const { spec } = state;
    const boardRight = spec.boardX + spec.cols * spec.pieceWidth;
    const boardBottom = spec.boardY + spec.rows * spec.pieceHeight;
    expect(state.pieces).toHaveLength(pieceCountOf(spec));
    state.pieces.forEach((piece, id) => {
      expect(piece.group).toBe(id);
      expect(piece.locked).toBe(false);
      expect(Number.isInteger(piece.x) && Number.isInteger(piece.y)).toBe(true);
      expect(piece.x).toBeGreaterThanOrEqual(0);
      expect(piece.y).toBeGreaterThanOrEqual(0);
      expect(piece.x + spec.pieceWidth).toBeLessThanOrEqual(spec.tableWidth);
      expect(piece.y + spec.pieceHeight).toBeLessThanOrEqual(spec.tableHeight);
      const overlapsBoard =
        piece.x + spec.pieceWidth > spec.boardX && piece.x < boardRight && piece.y + spec.pieceHeight > spec.boardY && piece.y < boardBottom;
      expect(overlapsBoard, `piece ${id} at ${piece.x},${piece.y}`).toBe(false);
    });
    expect(state.holds.size).toBe(0);
    expect(state.version).toBe(0);
    expect(state.completedAtMs).toBeNull();
  });
});

describe("edge fit", () => {
  it.each([
    [4, 1000, 1000, 11],
    [12, 1600, 1200, 12],
    [35, 1920, 1080, 13],
    [80, 1080, 1920, 14],
    [1000, 1600, 1200, 15],
  ])("%i pieces (%ix%i, seed %i): neighbours trace the same curve reversed", (pieceCount, imageWidth, imageHeight, seed) => {
    const spec = createSpec(options({ pieceCount, imageWidth, imageHeight, seed }));
    const sides = Array.from({ length: pieceCountOf(spec) }, (_, id) => tableSides(spec, id));
    let pairs = 0;
    for (let id = 0; id < pieceCountOf(spec); id++) {
      for (const { id: other, dRow, dCol } of neighboursOf(spec, id)) {
        // Each pair once, from the piece above or left.
        if (dRow < 0 || dCol < 0) continue;
        const mine = dCol === 1 ? sides[id]!.right : sides[id]!.bottom;
        const theirs = dCol === 1 ? sides[other]!.left : sides[other]!.top;
        expectSamePoints([...theirs].reverse(), mine, `pieces ${id}/${other}`);
        // A jigsaw edge of curves, not a straight cut.
        expect(mine.length).toBeGreaterThan(2);
        pairs++;
      }
    }
    expect(pairs).toBe(spec.rows * (spec.cols - 1) + (spec.rows - 1) * spec.cols);
  });

  it.each([
    [12, 1600, 1200, 21],
    [100, 1920, 1080, 22],
  ])("%i pieces (%ix%i, seed %i): border sides are straight, inner sides have tabs within reach", (pieceCount, imageWidth, imageHeight, seed) => {
    const spec = createSpec(options({ pieceCount, imageWidth, imageHeight, seed }));
    for (let id = 0; id < pieceCountOf(spec); id++) {
      const row = rowOf(spec, id);
      const col = colOf(spec, id);
      const { x, y } = solvedPosition(spec, id);
      const sides = tableSides(spec, id);
      const border: Record<Side, boolean> = { top: row === 0, right: col === spec.cols - 1, bottom: row === spec.rows - 1, left: col === 0 };
      for (const side of SIDES) {
        const points = sides[side];
        if (border[side]) {
          expect(points, `piece ${id} ${side}`).toHaveLength(2);
          const horizontal = side === "top" || side === "bottom";
          const line = side === "top" ? y : side === "bottom" ? y + spec.pieceHeight : side === "left" ? x : x + spec.pieceWidth;
          for (const point of points) expect(horizontal ? point.y : point.x, `piece ${id} ${side}`).toBe(line);
          continue;
        }
        expect(points.length, `piece ${id} ${side}`).toBeGreaterThan(2);
        const across = side === "top" || side === "bottom" ? points.map((p) => p.y) : points.map((p) => p.x);
        const base = across[0]!;
        const reach = Math.max(...across.map((value) => Math.abs(value - base)));
        const length = side === "top" || side === "bottom" ? spec.pieceWidth : spec.pieceHeight;
        expect(reach, `piece ${id} ${side} bulges`).toBeGreaterThan(0.1 * length);
        expect(reach, `piece ${id} ${side} within reach`).toBeLessThanOrEqual(TAB_REACH_FRACTION * length);
      }
    }
  });

  it("the outline is closed and starts at the cell's corner", () => {
    const spec = createSpec(options({ pieceCount: 12 }));
    const edges = generateEdges(spec);
    for (let id = 0; id < pieceCountOf(spec); id++) {
      const outline = pieceOutline(spec, edges, id);
      expect(outline[0]).toEqual({ op: "M", x: 0, y: 0 });
      const last = outline[outline.length - 1]!;
      expect(last.op === "M" ? null : { x: last.x, y: last.y }).toEqual({ x: 0, y: 0 });
    }
  });
});
