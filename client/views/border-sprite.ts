/**
 * The outline of a group of pieces, stroked once into a small canvas and then
 * copied wherever the group is. A group moves as one, so its outline only
 * changes with its pieces, its colour, its turn or the zoom; stroking a border of
 * hundreds of segments every frame instead was the costliest part of a frame
 * at a pixel ratio of 2.
 */
import Phaser from "phaser";
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { piecesBounds, traceBorder, type PieceGeometry } from "./piece-geometry.ts";
import type { Rect } from "./play-area.ts";

/** Most pixels one outline image may have; a bigger group's image is drawn coarser. */
const MAX_SPRITE_PX = 4_000_000;
/**
 * Canvases of images no longer drawn, kept for the next outline: a new canvas's
 * first context costs more than stroking a piece's border (every grab of 16
 * players made one).
 */
const spare: HTMLCanvasElement[] = [];
const MAX_SPARE = 32;

export interface BorderSprite {
  canvas: HTMLCanvasElement;
  /** The image's corner from the anchor piece's cell corner, and its size, in table px. */
  offsetX: number;
  offsetY: number;
  width: number;
  height: number;
}

export interface BorderLook {
  /** Canvas px per table px the image is drawn for. */
  scale: number;
  /** Line width in table px. */
  lineWidth: number;
  color: string;
}

/**
 * Strokes the outer border of `pieces` (drawn at `at`) into an image whose
 * place is kept relative to piece `anchor`. Null for no pieces.
 */
export function borderSprite(
  spec: PuzzleSpec,
  geometry: readonly PieceGeometry[],
  at: { x: ArrayLike<number>; y: ArrayLike<number>; turns: ArrayLike<number> },
  pieces: readonly number[] | ReadonlySet<number>,
  inside: (neighbour: number) => boolean,
  anchor: number,
  look: BorderLook,
): BorderSprite | null {
  const bounds = piecesBounds(spec, at, pieces, look.lineWidth);
  if (!bounds) return null;
  const width = bounds.right - bounds.left;
  const height = bounds.bottom - bounds.top;
  const scale = Math.min(look.scale, Math.sqrt(MAX_SPRITE_PX / (width * height)));
  const canvas = spare.pop() ?? document.createElement("canvas");
  // Setting the size clears the canvas and its context's state, even to the same size.
  canvas.width = Math.max(1, Math.ceil(width * scale));
  canvas.height = Math.max(1, Math.ceil(height * scale));
  const ctx = canvas.getContext("2d")!;
  ctx.scale(scale, scale);
  ctx.lineWidth = look.lineWidth;
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  ctx.strokeStyle = look.color;
  ctx.beginPath();
  traceBorder(ctx, spec, geometry, at, pieces, inside, -bounds.left, -bounds.top);
  ctx.stroke();
  return { canvas, offsetX: bounds.left - at.x[anchor]!, offsetY: bounds.top - at.y[anchor]!, width, height };
}

/** `sprite` will not be drawn again: its canvas may serve the next outline. */
export function releaseSprite(sprite: BorderSprite): void {
  if (spare.length < MAX_SPARE && sprite.canvas.width * sprite.canvas.height <= MAX_SPRITE_PX / 16) spare.push(sprite.canvas);
}

/** Where a sprite lies (table px) with its anchor piece at (x, y). */
export function spriteArea(sprite: BorderSprite, x: number, y: number): Rect {
  return { left: x + sprite.offsetX, top: y + sprite.offsetY, right: x + sprite.offsetX + sprite.width, bottom: y + sprite.offsetY + sprite.height };
}

/**
 * A display-list entry that draws with the camera's transform set: Phaser
 * calls `draw` in its place in the depth order, on the canvas renderer.
 */
export function cameraExtern(scene: Phaser.Scene, draw: (ctx: CanvasRenderingContext2D) => void): Phaser.GameObjects.Extern {
  const object = scene.add.extern();
  const matrix = new Phaser.GameObjects.Components.TransformMatrix();
  (object as unknown as { renderCanvas: (renderer: Phaser.Renderer.Canvas.CanvasRenderer, src: unknown, camera: Phaser.Cameras.Scene2D.Camera) => void }).renderCanvas = (renderer, _src, camera) => {
    const ctx = renderer.currentContext;
    ctx.save();
    matrix.copyWithScrollFactorFrom(camera.matrixCombined, camera.scrollX, camera.scrollY, 1, 1).setToContext(ctx);
    ctx.globalCompositeOperation = "source-over";
    ctx.imageSmoothingEnabled = true;
    draw(ctx);
    ctx.restore();
  };
  return object;
}
