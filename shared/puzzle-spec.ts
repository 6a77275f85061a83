/**
 * The immutable description of a puzzle: everything both sides need to rebuild
 * identical pieces, derived from the creator's options and a seed. The options
 * and the spec are schemas first (the protocol carries both); their types are
 * derived from them.
 */
import * as v from "valibot";

/** Width of a piece's cell on the table; heights follow the image's aspect. */
export const PIECE_SIZE_PX = 64;
/** The table around the board is this many times the board on each axis. */
export const TABLE_SCALE = 2.4;
export const MIN_PIECES = 4;
export const MAX_PIECES = 2_500;
export const MIN_IMAGE_SIDE_PX = 16;
export const MAX_IMAGE_SIDE_PX = 8_192;

const Integer = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** What the creator of a room chooses; everything else follows from it. */
export const PuzzleOptionsSchema = v.object({
  imageId: v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,64}$/, "imageId must be 1-64 lowercase letters, digits or dashes")),
  imageWidth: Integer(MIN_IMAGE_SIDE_PX, MAX_IMAGE_SIDE_PX),
  imageHeight: Integer(MIN_IMAGE_SIDE_PX, MAX_IMAGE_SIDE_PX),
  pieceCount: Integer(MIN_PIECES, MAX_PIECES),
  seed: Integer(0, 0xffffffff),
  /** Pieces start turned by quarter turns and players turn them back (shared/rotation.ts); off when absent. */
  rotation: v.optional(v.boolean()),
});
export type PuzzleOptions = v.InferOutput<typeof PuzzleOptionsSchema>;

/** The options and the grid, board and table geometry createSpec derives from them. */
export const PuzzleSpecSchema = v.object({
  ...PuzzleOptionsSchema.entries,
  /** Whether pieces turn: always named in a spec, whatever the options left out. */
  rotation: v.boolean(),
  rows: v.number(),
  cols: v.number(),
  pieceWidth: v.number(),
  pieceHeight: v.number(),
  boardX: v.number(),
  boardY: v.number(),
  tableWidth: v.number(),
  tableHeight: v.number(),
});
export type PuzzleSpec = v.InferOutput<typeof PuzzleSpecSchema>;

/**
 * Picks the rows x cols grid closest to `pieceCount` whose cells are nearest to
 * square for an image of the given aspect.
 */
export function gridFor(pieceCount: number, imageWidth: number, imageHeight: number): { rows: number; cols: number } {
  const aspect = imageWidth / imageHeight;
  let best = { rows: 2, cols: 2, score: Number.POSITIVE_INFINITY };
  const maxCols = Math.max(2, Math.ceil(Math.sqrt(pieceCount * aspect) * 2));
  for (let cols = 2; cols <= maxCols; cols++) {
    const rows = Math.max(2, Math.round(pieceCount / cols));
    // Piece ids must stay below MAX_PIECES, the protocol's limit; cols = 2 always fits.
    if (rows * cols > Math.max(pieceCount, MAX_PIECES)) continue;
    const cellAspect = imageWidth / cols / (imageHeight / rows);
    const countError = Math.abs(rows * cols - pieceCount) / pieceCount;
    const score = countError * 4 + Math.abs(Math.log(cellAspect));
    if (score < best.score) best = { rows, cols, score };
  }
  return { rows: best.rows, cols: best.cols };
}

/** Derives the full spec (grid, board and table geometry) from the options. */
export function createSpec(options: PuzzleOptions): PuzzleSpec {
  const { rows, cols } = gridFor(options.pieceCount, options.imageWidth, options.imageHeight);
  const pieceWidth = PIECE_SIZE_PX;
  const pieceHeight = Math.max(
    16,
    Math.round((PIECE_SIZE_PX * (options.imageHeight / rows)) / (options.imageWidth / cols)),
  );
  const boardWidth = cols * pieceWidth;
  const boardHeight = rows * pieceHeight;
  const tableWidth = Math.round(boardWidth * TABLE_SCALE);
  const tableHeight = Math.round(boardHeight * TABLE_SCALE);
  return {
    ...options,
    rotation: options.rotation === true,
    rows,
    cols,
    pieceWidth,
    pieceHeight,
    boardX: Math.round((tableWidth - boardWidth) / 2),
    boardY: Math.round((tableHeight - boardHeight) / 2),
    tableWidth,
    tableHeight,
  };
}

/** Where the solved picture lies on the table: the board. */
export function boardRect(spec: PuzzleSpec): { x: number; y: number; width: number; height: number } {
  return { x: spec.boardX, y: spec.boardY, width: spec.cols * spec.pieceWidth, height: spec.rows * spec.pieceHeight };
}

export function pieceCountOf(spec: PuzzleSpec): number {
  return spec.rows * spec.cols;
}

export function rowOf(spec: PuzzleSpec, pieceId: number): number {
  return Math.floor(pieceId / spec.cols);
}

export function colOf(spec: PuzzleSpec, pieceId: number): number {
  return pieceId % spec.cols;
}

/** Where the piece's cell sits on the table when the puzzle is solved. */
export function solvedPosition(spec: PuzzleSpec, pieceId: number): { x: number; y: number } {
  return {
    x: spec.boardX + colOf(spec, pieceId) * spec.pieceWidth,
    y: spec.boardY + rowOf(spec, pieceId) * spec.pieceHeight,
  };
}

/** True when the piece sits on the outer border of the picture. */
export function isEdgePiece(spec: PuzzleSpec, pieceId: number): boolean {
  const row = rowOf(spec, pieceId);
  const col = colOf(spec, pieceId);
  return row === 0 || col === 0 || row === spec.rows - 1 || col === spec.cols - 1;
}

/** The up-to-four grid neighbours of a piece, with the grid step to each. */
export function neighboursOf(spec: PuzzleSpec, pieceId: number): Array<{ id: number; dRow: number; dCol: number }> {
  const row = rowOf(spec, pieceId);
  const col = colOf(spec, pieceId);
  const result: Array<{ id: number; dRow: number; dCol: number }> = [];
  if (row > 0) result.push({ id: pieceId - spec.cols, dRow: -1, dCol: 0 });
  if (col < spec.cols - 1) result.push({ id: pieceId + 1, dRow: 0, dCol: 1 });
  if (row < spec.rows - 1) result.push({ id: pieceId + spec.cols, dRow: 1, dCol: 0 });
  if (col > 0) result.push({ id: pieceId - 1, dRow: 0, dCol: -1 });
  return result;
}
