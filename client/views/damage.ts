/**
 * Which parts of the canvas a frame must draw again. A software-rendered
 * canvas pays for every pixel it fills, and at a pixel ratio of 2 a full
 * redraw (background, table, board, solved layer, every piece) is several
 * full-canvas fills a frame: 20 fps on the benchmark's machine. Most frames
 * change a few small areas (the pieces other players drag, their cursors, an
 * outline), so the scene collects those here and clips the frame to them.
 * Anything that moves everything (the camera, a resize, a fade) asks for all.
 * No Phaser, no DOM: canvas px in, rectangles out.
 */
import type { Rect } from "./play-area.ts";

/** Damage covering more than this share of the canvas is drawn as the whole canvas. */
const WHOLE_CANVAS_FRACTION = 0.45;
/** More separate rectangles than this are drawn as the whole canvas (a clip of many costs too). */
const MAX_RECTS = 160;
/** Rectangles grow by this (canvas px): antialiased edges reach past a shape's bounds. */
const BLEED_PX = 2;
/** A new rectangle is merged into one of the last this many when their union costs no more than both apart. */
const MERGE_LOOKBACK = 8;

const areaOf = (rect: Rect) => (rect.right - rect.left) * (rect.bottom - rect.top);

export class Damage {
  private everything = true;
  private rects: Rect[] = [];
  private area = 0;

  /** The whole canvas must be drawn. */
  all(): void {
    this.everything = true;
  }

  /** A rectangle of the canvas (canvas px) must be drawn. */
  add(rect: Rect): void {
    if (this.everything) return;
    const grown = { left: Math.floor(rect.left - BLEED_PX), top: Math.floor(rect.top - BLEED_PX), right: Math.ceil(rect.right + BLEED_PX), bottom: Math.ceil(rect.bottom + BLEED_PX) };
    if (grown.right <= grown.left || grown.bottom <= grown.top) return;
    // A piece's old and new places mostly overlap: one rectangle around both clips cheaper than two.
    const rects = this.rects;
    for (let index = rects.length - 1; index >= Math.max(0, rects.length - MERGE_LOOKBACK); index--) {
      const other = rects[index]!;
      const union = { left: Math.min(other.left, grown.left), top: Math.min(other.top, grown.top), right: Math.max(other.right, grown.right), bottom: Math.max(other.bottom, grown.bottom) };
      const added = areaOf(union) - areaOf(other);
      if (added > areaOf(grown)) continue;
      rects[index] = union;
      this.area += added;
      return;
    }
    rects.push(grown);
    this.area += areaOf(grown);
    if (rects.length > MAX_RECTS) this.everything = true;
  }

  /**
   * What the frame draws, and a fresh start for the next: null for the whole
   * canvas, else the rectangles within it (none when nothing changed).
   */
  take(width: number, height: number): Rect[] | null {
    const whole = this.everything || this.area > WHOLE_CANVAS_FRACTION * width * height;
    const rects = this.rects;
    this.everything = false;
    this.rects = [];
    this.area = 0;
    if (whole) return null;
    return rects
      .map((rect) => ({ left: Math.max(0, rect.left), top: Math.max(0, rect.top), right: Math.min(width, rect.right), bottom: Math.min(height, rect.bottom) }))
      .filter((rect) => rect.right > rect.left && rect.bottom > rect.top);
  }
}
