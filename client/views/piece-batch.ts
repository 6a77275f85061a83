/**
 * Draws every piece in one pass. Phaser's canvas renderer wraps each sprite in
 * save/setTransform/restore, and on a software canvas `restore` alone took half
 * of every frame at 1,000 pieces; here the camera transform is set once and each
 * visible piece is one drawImage from the atlas level nearest the zoom. Pieces
 * off screen are skipped, settled locked pieces go into the solved layer
 * (locked-layer.ts, drawn with the table by table-layer.ts), and the stacking
 * order is re-sorted only when a depth changes. It reports where pieces moved
 * or restacked since the last frame (damage.ts) and, when the frame draws only
 * those areas, skips the rest.
 */
import Phaser from "phaser";
import { levelFor, type PieceAtlas } from "./piece-atlas.ts";
import type { Smoothing } from "./smoothing.ts";
import type { LockedLayer } from "./locked-layer.ts";
import type { Rect } from "./play-area.ts";
import { visibleTable } from "./camera-math.ts";

/** What the solved layer did in a frame: pieces that entered it, or it was emptied. */
export interface LockedLayerChanges {
  entered(id: number): void;
  cleared(): void;
}

export class PieceBatch {
  readonly object: Phaser.GameObjects.Extern;
  private readonly depth: Float64Array;
  private order: number[];
  private orderDirty = true;
  private readonly matrix = new Phaser.GameObjects.Components.TransformMatrix();
  /** Pieces that may have to enter or leave the locked layer: changed since, or locked and still gliding. */
  private readonly lockCandidates = new Set<number>();
  /** Pieces drawn one by one in the last frame (the rest came from the locked layer or were off screen). */
  drawn = 0;
  /** Where each piece was when damage was last collected (NaN before). */
  private readonly reportedX: Float64Array;
  private readonly reportedY: Float64Array;
  private readonly restacked = new Set<number>();
  /** The areas (table px) the coming frame draws; null for all of it. */
  private region: Rect[] | null = null;

  constructor(
    scene: Phaser.Scene,
    private readonly atlas: PieceAtlas,
    private readonly smoothing: Smoothing,
    private readonly cellWidth: number,
    private readonly cellHeight: number,
    private readonly locked: LockedLayer,
    private readonly isLocked: (id: number) => boolean,
  ) {
    const count = atlas.frames.length;
    this.depth = new Float64Array(count);
    this.reportedX = new Float64Array(count).fill(Number.NaN);
    this.reportedY = new Float64Array(count).fill(Number.NaN);
    this.order = Array.from({ length: count }, (_, id) => id);
    for (let id = 0; id < count; id++) this.lockCandidates.add(id);
    this.object = scene.add.extern();
    const self = this;
    // Phaser calls renderCanvas(renderer, gameObject, camera) for each display list entry.
    (this.object as unknown as { renderCanvas: (renderer: Phaser.Renderer.Canvas.CanvasRenderer, src: unknown, camera: Phaser.Cameras.Scene2D.Camera) => void }).renderCanvas = (renderer, _src, camera) => self.render(renderer, camera);
  }

  /** A piece changed: its stacking depth, and whether it belongs in the locked layer, are looked at again. */
  pieceChanged(id: number, depth: number): void {
    this.lockCandidates.add(id);
    if (this.depth[id] === depth) return;
    this.depth[id] = depth;
    this.orderDirty = true;
    this.restacked.add(id);
  }

  /**
   * Reports (table px) where each piece that moved or changed its stacking
   * since the last call was and is now drawn.
   */
  collectDamage(add: (rect: Rect) => void): void {
    const { smoothing, reportedX, reportedY } = this;
    const pad = this.atlas.padding;
    const width = this.cellWidth + 2 * pad;
    const height = this.cellHeight + 2 * pad;
    const cell = (x: number, y: number) => add({ left: x - pad, top: y - pad, right: x - pad + width, bottom: y - pad + height });
    for (let id = 0; id < reportedX.length; id++) {
      const x = smoothing.x[id]!;
      const y = smoothing.y[id]!;
      const oldX = reportedX[id]!;
      const oldY = reportedY[id]!;
      if (x === oldX && y === oldY) {
        if (this.restacked.has(id)) cell(x, y);
        continue;
      }
      if (!Number.isNaN(oldX)) cell(oldX, oldY);
      cell(x, y);
      reportedX[id] = x;
      reportedY[id] = y;
    }
    this.restacked.clear();
  }

  /** The areas (table px) the coming frame draws, or null for everything. */
  setRegion(region: Rect[] | null): void {
    this.region = region;
  }

  depthOf(id: number): number {
    return this.depth[id]!;
  }

  private render(renderer: Phaser.Renderer.Canvas.CanvasRenderer, camera: Phaser.Cameras.Scene2D.Camera): void {
    if (this.orderDirty) {
      const depth = this.depth;
      this.order.sort((a, b) => depth[a]! - depth[b]! || a - b);
      this.orderDirty = false;
    }
    const ctx = renderer.currentContext;
    const { atlas, smoothing } = this;
    const pad = atlas.padding;
    const view = visibleTable(camera);
    const level = atlas.levels[levelFor(atlas, camera.zoom)]!;
    const pages = level.pages;
    const shrink = level.scale / atlas.scale;
    const drawWidth = this.cellWidth + 2 * pad;
    const drawHeight = this.cellHeight + 2 * pad;
    const region = this.region;
    if (region) {
      // Drawing only the damaged areas: nothing outside them needs a call at all.
      if (region.length === 0) {
        this.drawn = 0;
        return;
      }
      view.left = Math.max(view.left, Math.min(...region.map((rect) => rect.left)));
      view.top = Math.max(view.top, Math.min(...region.map((rect) => rect.top)));
      view.right = Math.min(view.right, Math.max(...region.map((rect) => rect.right)));
      view.bottom = Math.min(view.bottom, Math.max(...region.map((rect) => rect.bottom)));
    }
    ctx.save();
    this.matrix.copyWithScrollFactorFrom(camera.matrixCombined, camera.scrollX, camera.scrollY, 1, 1).setToContext(ctx);
    ctx.globalAlpha = camera.alpha;
    ctx.globalCompositeOperation = "source-over";
    ctx.imageSmoothingEnabled = true;
    const included = this.locked.included;
    let drawn = 0;
    for (const id of this.order) {
      if (included[id]) continue;
      const x = smoothing.x[id]! - pad;
      const y = smoothing.y[id]! - pad;
      if (x > view.right || y > view.bottom || x + drawWidth < view.left || y + drawHeight < view.top) continue;
      if (region && !region.some((rect) => x < rect.right && y < rect.bottom && x + drawWidth > rect.left && y + drawHeight > rect.top)) continue;
      const frame = atlas.frames[id]!;
      ctx.drawImage(pages[frame.page]!, frame.x * shrink, frame.y * shrink, frame.width * shrink, frame.height * shrink, x, y, drawWidth, drawHeight);
      drawn++;
    }
    ctx.restore();
    this.drawn = drawn;
  }

  /**
   * Before a frame: moves settled locked pieces among the candidates into the
   * solved layer, or empties it (for a rebuild from every piece) if one came
   * unlocked, and says which.
   */
  updateLockedLayer(changes: LockedLayerChanges): void {
    const { smoothing, locked, lockCandidates } = this;
    for (const id of lockCandidates) {
      if (locked.included[id] && !this.isLocked(id)) {
        locked.clear();
        changes.cleared();
        for (let other = 0; other < locked.included.length; other++) lockCandidates.add(other);
        break;
      }
    }
    for (const id of lockCandidates) {
      if (locked.included[id] || !this.isLocked(id)) lockCandidates.delete(id);
      else if (!smoothing.isMoving(id)) {
        locked.add(id, smoothing.x[id]!, smoothing.y[id]!);
        changes.entered(id);
        lockCandidates.delete(id);
      }
    }
  }
}
