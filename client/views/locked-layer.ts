/**
 * Static batching of the solved part of the picture: locked pieces never move,
 * so each is drawn once into a board-sized canvas (per atlas level in use) and
 * the whole solved area costs one drawImage per frame instead of one per piece.
 */
import type { PieceAtlas } from "./piece-atlas.ts";

interface LayerCanvas {
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
}

export class LockedLayer {
  /** Pieces drawn into the layer; they are skipped by the per-piece pass. */
  readonly included: Uint8Array;
  private readonly canvases = new Map<number, LayerCanvas>();
  private readonly originX: number;
  private readonly originY: number;
  private readonly width: number;
  private readonly height: number;

  constructor(
    private readonly atlas: PieceAtlas,
    board: { x: number; y: number; width: number; height: number },
    private readonly cellWidth: number,
    private readonly cellHeight: number,
  ) {
    this.included = new Uint8Array(atlas.frames.length);
    this.originX = board.x - atlas.padding;
    this.originY = board.y - atlas.padding;
    this.width = board.width + 2 * atlas.padding;
    this.height = board.height + 2 * atlas.padding;
  }

  /** Adds a settled locked piece at its (board) position. */
  add(id: number, x: number, y: number): void {
    this.included[id] = 1;
    for (const [level, layer] of this.canvases) this.drawPiece(layer.ctx, level, id, x, y);
  }

  /** Forgets everything (a piece came unlocked: only a resync or a lost write does that). */
  clear(): void {
    this.included.fill(0);
    this.canvases.clear();
  }

  /**
   * Draws the part of the layer inside `view` (table px) from the canvas of atlas
   * level `level`, building that canvas from `position` on first use.
   */
  draw(ctx: CanvasRenderingContext2D, level: number, view: { left: number; top: number; right: number; bottom: number }, position: (id: number) => { x: number; y: number }): void {
    const scale = this.atlas.levels[level]!.scale;
    let layer = this.canvases.get(level);
    if (!layer) {
      const canvas = document.createElement("canvas");
      canvas.width = Math.ceil(this.width * scale);
      canvas.height = Math.ceil(this.height * scale);
      layer = { canvas, ctx: canvas.getContext("2d")! };
      this.canvases.set(level, layer);
      for (let id = 0; id < this.included.length; id++) {
        if (!this.included[id]) continue;
        const { x, y } = position(id);
        this.drawPiece(layer.ctx, level, id, x, y);
      }
    }
    const left = Math.max(view.left, this.originX);
    const top = Math.max(view.top, this.originY);
    const right = Math.min(view.right, this.originX + this.width);
    const bottom = Math.min(view.bottom, this.originY + this.height);
    if (right <= left || bottom <= top) return;
    ctx.drawImage(layer.canvas, (left - this.originX) * scale, (top - this.originY) * scale, (right - left) * scale, (bottom - top) * scale, left, top, right - left, bottom - top);
  }

  private drawPiece(ctx: CanvasRenderingContext2D, level: number, id: number, x: number, y: number): void {
    const { scale, pages } = this.atlas.levels[level]!;
    const shrink = scale / this.atlas.scale;
    const frame = this.atlas.frames[id]!;
    const pad = this.atlas.padding;
    ctx.drawImage(
      pages[frame.page]!,
      frame.x * shrink,
      frame.y * shrink,
      frame.width * shrink,
      frame.height * shrink,
      (x - pad - this.originX) * scale,
      (y - pad - this.originY) * scale,
      (this.cellWidth + 2 * pad) * scale,
      (this.cellHeight + 2 * pad) * scale,
    );
  }
}
