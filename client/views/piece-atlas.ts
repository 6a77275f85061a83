/**
 * Cuts the picture into piece textures: every piece is clipped along its real
 * outline, given a soft shadow and a faint bevel, and packed into a few large
 * atlas pages, so thousands of pieces draw from a handful of textures.
 */
import { boardRect, colOf, pieceCountOf, rowOf, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { cellPadding, type PieceGeometry } from "./piece-geometry.ts";

/** The performance.measure entry the scene records for cutting the pieces (geometry and atlas), read by bench:client. */
export const CUT_MEASURE = "puzzle:cut";
/** Side of one atlas page in texture px. */
export const ATLAS_PAGE_PX = 2048;
/** Texture px budget for all pieces together (about 64 MB of RGBA). */
const ATLAS_PIXEL_BUDGET = 16_000_000;
/** Texture px per table px at most, per canvas pixel per CSS pixel (views/pixel-ratio.ts). */
const MAX_TEXTURE_SCALE_PER_PIXEL_RATIO = 2.5;
const MIN_TEXTURE_SCALE = 0.75;

export interface PieceFrame {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface AtlasLevel {
  /**
   * The level's pages; empty while the level is not cut yet (a big puzzle
   * cuts the level its first view draws from, and the finer ones only when a
   * closer view first needs them: PieceAtlas.finer).
   */
  pages: HTMLCanvasElement[];
  /** Texture px per table px at this level. */
  scale: number;
}

export interface PieceAtlas {
  /** Frames in level 0's pages; a level's frames are these times its scale / `scale`. */
  frames: PieceFrame[];
  /** Texture px per table px of level 0. */
  scale: number;
  /** Table px between a frame's corner and its piece's cell corner. */
  padding: number;
  /**
   * Level 0 is the finest; each next level is half the size. Drawing a
   * zoomed-out table from the level nearest the screen's scale costs a
   * fraction of shrinking full-size frames on every draw. Every level from
   * the first one cut down to the coarsest is cut; finer ones may not be yet.
   */
  levels: AtlasLevel[];
  /**
   * Cuts the levels finer than the first one cut, a piece or a page a step
   * (each level appears whole, when done); null when every level is cut.
   */
  finer: Iterator<void, void> | null;
}

/** The smallest level at least as detailed as a screen showing `zoom` canvas px per table px, cut or not. */
export function wantedLevel(atlas: PieceAtlas, zoom: number): number {
  let index = 0;
  atlas.levels.forEach((candidate, candidateIndex) => {
    if (candidate.scale >= zoom) index = candidateIndex;
  });
  return index;
}

/** The level to draw from at `zoom`: the wanted one, or while it is not cut yet, the finest coarser one that is. */
export function levelFor(atlas: PieceAtlas, zoom: number): number {
  let index = wantedLevel(atlas, zoom);
  while (atlas.levels[index]!.pages.length === 0 && index < atlas.levels.length - 1) index++;
  return index;
}

/**
 * Cuts the finer levels for up to `budgetMs` of this frame; true when none is
 * left to cut. The scene calls it each frame once a view wants a level not cut.
 */
export function cutFinerLevels(atlas: PieceAtlas, budgetMs: number): boolean {
  const finer = atlas.finer;
  if (!finer) return true;
  const until = performance.now() + budgetMs;
  // At least one step a call, so a frame that is already late still moves the cut on.
  do {
    if (finer.next().done) {
      atlas.finer = null;
      return true;
    }
  } while (performance.now() < until);
  return false;
}

/** Smallest level kept: below this, pieces are a few screen px and nothing finer shows. */
const MIN_LEVEL_SCALE = 0.08;

function halve(page: HTMLCanvasElement): HTMLCanvasElement {
  const half = document.createElement("canvas");
  half.width = Math.max(1, Math.ceil(page.width / 2));
  half.height = Math.max(1, Math.ceil(page.height / 2));
  const ctx = context(half);
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(page, 0, 0, half.width, half.height);
  return half;
}

/** The scale of each level: level 0's, then halves down to MIN_LEVEL_SCALE. */
function levelScales(scale: number): number[] {
  const scales = [scale];
  while (scales[scales.length - 1]! / 2 >= MIN_LEVEL_SCALE) scales.push(scales[scales.length - 1]! / 2);
  return scales;
}

/**
 * Texture resolution: sharp when zoomed in on small puzzles, within budget for
 * big ones. A sharper screen (`pixelRatio` canvas px per CSS px) shows more
 * texture px at the same zoom, so small puzzles get more of them; big ones are
 * held by the budget either way.
 */
export function textureScale(spec: PuzzleSpec, pixelRatio: number): number {
  const padding = cellPadding(spec);
  const cellArea = (spec.pieceWidth + 2 * padding) * (spec.pieceHeight + 2 * padding);
  const scale = Math.sqrt(ATLAS_PIXEL_BUDGET / (pieceCountOf(spec) * cellArea));
  return Math.min(MAX_TEXTURE_SCALE_PER_PIXEL_RATIO * pixelRatio, Math.max(MIN_TEXTURE_SCALE, Math.min(scale, (ATLAS_PAGE_PX - 2) / (spec.pieceWidth + 2 * padding))));
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("this browser cannot draw on a 2D canvas");
  return ctx;
}

/**
 * Pages of one atlas level turned clockwise by `rotation` quarter turns, whole:
 * every frame in them is its piece turned, so a piece settled at a quarter turn
 * draws with one plain drawImage, as an upright one does (a drawImage under a
 * turned transform costs a software canvas two to three times as much).
 */
export function turnPages(pages: readonly HTMLCanvasElement[], rotation: 1 | 2 | 3): HTMLCanvasElement[] {
  return pages.map((page) => {
    const turnedPage = document.createElement("canvas");
    const sideways = rotation !== 2;
    turnedPage.width = sideways ? page.height : page.width;
    turnedPage.height = sideways ? page.width : page.height;
    const ctx = context(turnedPage);
    ctx.translate(turnedPage.width / 2, turnedPage.height / 2);
    ctx.rotate((rotation * Math.PI) / 2);
    ctx.drawImage(page, -page.width / 2, -page.height / 2);
    return turnedPage;
  });
}

/** A rectangle of a page, in its px. */
export interface PageRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where `rect` of a page `pageWidth` x `pageHeight` lies in that page turned by
 * `rotation` (turnPages): x' = H - y, y' = x for a quarter turn clockwise.
 * Written into `into`, since the batch asks for every turned piece every frame.
 */
export function turnedRect(rect: Readonly<PageRect>, pageWidth: number, pageHeight: number, rotation: 1 | 2 | 3, into: PageRect): PageRect {
  const { x, y, width, height } = rect;
  const sideways = rotation !== 2;
  into.width = sideways ? height : width;
  into.height = sideways ? width : height;
  into.x = rotation === 1 ? pageHeight - y - height : rotation === 2 ? pageWidth - x - width : y;
  into.y = rotation === 1 ? x : rotation === 2 ? pageHeight - y - height : pageWidth - x - width;
  return into;
}

/** Where every piece's frame lies in level 0's pages, and those pages' sizes. */
interface AtlasLayout {
  frames: PieceFrame[];
  pageSizes: Array<{ width: number; height: number }>;
}

function atlasLayout(spec: PuzzleSpec, scale: number, padding: number): AtlasLayout {
  const frameWidth = Math.ceil((spec.pieceWidth + 2 * padding) * scale);
  const frameHeight = Math.ceil((spec.pieceHeight + 2 * padding) * scale);
  const perRow = Math.floor(ATLAS_PAGE_PX / frameWidth);
  const perPage = perRow * Math.floor(ATLAS_PAGE_PX / frameHeight);
  const count = pieceCountOf(spec);
  const frames: PieceFrame[] = [];
  const pageSizes: AtlasLayout["pageSizes"] = [];
  for (let id = 0; id < count; id++) {
    const page = Math.floor(id / perPage);
    const slot = id % perPage;
    if (slot === 0) pageSizes.push({ width: Math.min(ATLAS_PAGE_PX, perRow * frameWidth), height: Math.ceil(Math.min(perPage, count - id) / perRow) * frameHeight });
    frames.push({ page, x: (slot % perRow) * frameWidth, y: Math.floor(slot / perRow) * frameHeight, width: frameWidth, height: frameHeight });
  }
  return { frames, pageSizes };
}

/**
 * Cuts every piece at `levelScale` texture px per table px into pages laid out
 * as level 0's shrunk by levelScale / `scale`, a piece a step; the pages are
 * returned when done.
 */
function* cutLevel(spec: PuzzleSpec, geometry: PieceGeometry[], picture: Picture, layout: AtlasLayout, scale: number, levelScale: number, padding: number): Generator<void, HTMLCanvasElement[]> {
  const shrink = levelScale / scale;
  // The picture scaled once to the board's size in texture px, so each piece copies 1:1.
  const board = boardRect(spec);
  const source = document.createElement("canvas");
  source.width = Math.round(board.width * levelScale);
  source.height = Math.round(board.height * levelScale);
  const sourceCtx = context(source);
  sourceCtx.imageSmoothingQuality = "high";
  sourceCtx.drawImage(picture.image, 0, 0, picture.width, picture.height, 0, 0, source.width, source.height);
  const pages = layout.pageSizes.map((size) => {
    const page = document.createElement("canvas");
    page.width = Math.ceil(size.width * shrink);
    page.height = Math.ceil(size.height * shrink);
    return page;
  });
  const contexts = pages.map(context);
  for (const [id, frame] of layout.frames.entries()) {
    drawPiece(contexts[frame.page]!, spec, geometry[id]!, id, frame.x * shrink, frame.y * shrink, levelScale, padding, source);
    yield;
  }
  return pages;
}

interface Picture {
  image: CanvasImageSource;
  width: number;
  height: number;
}

/**
 * Cuts the picture into the atlas. `firstZoom` (canvas px per table px) is the
 * zoom of the first view: only the level that view draws from, and the coarser
 * ones, are cut now; the finer ones are left to `finer`, run when a view first
 * wants them. A 5,000-piece puzzle seen whole opens on a level a sixteenth of
 * level 0's pixels. Without `firstZoom`, every level is cut now.
 */
export function buildAtlas(spec: PuzzleSpec, geometry: PieceGeometry[], image: CanvasImageSource, imageWidth: number, imageHeight: number, pixelRatio: number, firstZoom = Number.POSITIVE_INFINITY): PieceAtlas {
  const scale = textureScale(spec, pixelRatio);
  const padding = cellPadding(spec);
  const layout = atlasLayout(spec, scale, padding);
  const picture = { image, width: imageWidth, height: imageHeight };
  const levels: AtlasLevel[] = levelScales(scale).map((levelScale) => ({ pages: [], scale: levelScale }));
  let first = 0;
  levels.forEach((level, index) => {
    if (level.scale >= firstZoom) first = index;
  });
  drain(cutLevels(spec, geometry, picture, layout, scale, padding, levels, first, levels.length));
  return { frames: layout.frames, scale, padding, levels, finer: first > 0 ? cutLevels(spec, geometry, picture, layout, scale, padding, levels, 0, first) : null };
}

/**
 * Cuts level `from` and halves it into the levels after it, up to `to`
 * (exclusive), a piece or a page a step; each level's pages are set when whole.
 */
function* cutLevels(spec: PuzzleSpec, geometry: PieceGeometry[], picture: Picture, layout: AtlasLayout, scale: number, padding: number, levels: AtlasLevel[], from: number, to: number): Generator<void, void> {
  let pages = yield* cutLevel(spec, geometry, picture, layout, scale, levels[from]!.scale, padding);
  levels[from]!.pages = pages;
  for (let index = from + 1; index < to; index++) {
    const halves: HTMLCanvasElement[] = [];
    for (const page of pages) {
      halves.push(halve(page));
      yield;
    }
    levels[index]!.pages = halves;
    pages = halves;
  }
}

function drain(steps: Iterator<void, void>): void {
  while (!steps.next().done);
}

/** Cuts piece `id` into `ctx` with its frame's corner at (x, y), at `scale` texture px per table px. */
function drawPiece(ctx: CanvasRenderingContext2D, spec: PuzzleSpec, shape: PieceGeometry, id: number, x: number, y: number, scale: number, padding: number, source: HTMLCanvasElement): void {
  ctx.save();
  ctx.translate(x + padding * scale, y + padding * scale);
  ctx.scale(scale, scale);
  // A soft shadow under the shape lifts loose pieces off the table.
  ctx.shadowColor = "rgba(0, 0, 0, 0.45)";
  ctx.shadowBlur = 3 * scale;
  ctx.shadowOffsetX = 1.2 * scale;
  ctx.shadowOffsetY = 1.6 * scale;
  ctx.fillStyle = "#222";
  ctx.fill(shape.path);
  ctx.shadowColor = "transparent";
  ctx.clip(shape.path);
  const left = colOf(spec, id) * spec.pieceWidth - padding;
  const top = rowOf(spec, id) * spec.pieceHeight - padding;
  const size = { w: spec.pieceWidth + 2 * padding, h: spec.pieceHeight + 2 * padding };
  // Copy only the part of the picture around this cell, clamped to the picture.
  const sx = Math.max(0, left);
  const sy = Math.max(0, top);
  const board = boardRect(spec);
  const sw = Math.min(board.width, left + size.w) - sx;
  const sh = Math.min(board.height, top + size.h) - sy;
  ctx.drawImage(source, sx * scale, sy * scale, sw * scale, sh * scale, sx - left - padding, sy - top - padding, sw, sh);
  // Bevel: a light rim on the upper-left, a dark one all round, both inside the cut.
  ctx.lineWidth = 2;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.22)";
  ctx.translate(0.9, 0.9);
  ctx.stroke(shape.path);
  ctx.translate(-0.9, -0.9);
  ctx.lineWidth = 1.4;
  ctx.strokeStyle = "rgba(0, 0, 0, 0.38)";
  ctx.stroke(shape.path);
  ctx.restore();
}
