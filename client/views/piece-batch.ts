/**
 * Draws every piece in one pass. Phaser's canvas renderer wraps each sprite in
 * save/setTransform/restore, and on a software canvas `restore` alone took half
 * of every frame at 1,000 pieces; here the camera transform is set once and each
 * visible upright piece is one drawImage from the atlas level nearest the zoom.
 * A piece settled at a quarter, half or three-quarter turn (rotation on) is one
 * plain drawImage too, from a copy of the level's pages turned whole, made on
 * first use (turnPages) for levels of at most TURNED_LEVEL_MAX_PX; a piece
 * still turning, or turned on a bigger level, is drawn from its upright frame
 * under a transform of its own, the camera's turned about the piece's centre,
 * set in one setTransform (no save/restore), and the camera's comes back, once,
 * before the next plain draw. Pieces off screen are skipped, settled locked
 * pieces go into the solved layer (locked-layer.ts, drawn with the table by
 * table-layer.ts), and the stacking order is re-sorted only when a depth
 * changes. It reports where pieces moved, turned or restacked since the last
 * frame (damage.ts) and, when the frame draws only those areas, skips the rest.
 */
import Phaser from "phaser";
import { levelFor, turnedRect, turnPages, type PageRect, type PieceAtlas } from "./piece-atlas.ts";
import type { Smoothing } from "./smoothing.ts";
import type { LockedLayer } from "./locked-layer.ts";
import type { Rect } from "./play-area.ts";
import { visibleTable } from "./camera-math.ts";
import { RADIANS_PER_QUARTER_TURN } from "./piece-geometry.ts";

/**
 * Largest atlas level (texture px, every page) kept turned three more ways: 4 M px,
 * 16 MB a copy. Level 0 of a big puzzle (up to the atlas's 16 M px budget) would
 * need three times its 64 MB; its pieces take the transform path instead.
 */
const TURNED_LEVEL_MAX_PX = 4_000_000;

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
  /** Per atlas level, its pages turned by 1, 2 and 3 quarter turns ([level][rotation - 1]), made on first use. */
  private readonly turnedPages: Array<Array<HTMLCanvasElement[] | undefined>> = [];
  private readonly upright: PageRect = { x: 0, y: 0, width: 0, height: 0 };
  private readonly turned: PageRect = { x: 0, y: 0, width: 0, height: 0 };
  /** Pieces drawn one by one in the last frame (the rest came from the locked layer or were off screen). */
  drawn = 0;
  /** Where each piece was, and how it was turned, when damage was last collected (NaN before). */
  private readonly reportedX: Float64Array;
  private readonly reportedY: Float64Array;
  private readonly reportedTurns: Float64Array;
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
    this.reportedTurns = new Float64Array(count);
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
   * Reports (table px) where each piece that moved, turned or changed its
   * stacking since the last call was and is now drawn.
   */
  collectDamage(add: (rect: Rect) => void): void {
    const { smoothing, reportedX, reportedY, reportedTurns } = this;
    const pad = this.atlas.padding;
    const width = this.cellWidth + 2 * pad;
    const height = this.cellHeight + 2 * pad;
    // A turned piece lies within half its frame's diagonal of its cell's centre.
    const reach = Math.hypot(width, height) / 2;
    const cell = (x: number, y: number, turns: number) => {
      if (turns === 0) add({ left: x - pad, top: y - pad, right: x - pad + width, bottom: y - pad + height });
      else {
        const cx = x + this.cellWidth / 2;
        const cy = y + this.cellHeight / 2;
        add({ left: cx - reach, top: cy - reach, right: cx + reach, bottom: cy + reach });
      }
    };
    for (let id = 0; id < reportedX.length; id++) {
      const x = smoothing.x[id]!;
      const y = smoothing.y[id]!;
      const turns = smoothing.turns[id]!;
      const oldX = reportedX[id]!;
      const oldY = reportedY[id]!;
      const oldTurns = reportedTurns[id]!;
      if (x === oldX && y === oldY && turns === oldTurns) {
        if (this.restacked.has(id)) cell(x, y, turns);
        continue;
      }
      if (!Number.isNaN(oldX)) cell(oldX, oldY, oldTurns);
      cell(x, y, turns);
      reportedX[id] = x;
      reportedY[id] = y;
      reportedTurns[id] = turns;
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
    const levelIndex = levelFor(atlas, camera.zoom);
    const turnable = pages.reduce((sum, page) => sum + page.width * page.height, 0) <= TURNED_LEVEL_MAX_PX;
    const drawWidth = this.cellWidth + 2 * pad;
    const drawHeight = this.cellHeight + 2 * pad;
    const halfWidth = this.cellWidth / 2;
    const halfHeight = this.cellHeight / 2;
    // However it is turned, a piece's frame lies within this distance of its centre.
    const reach = Math.hypot(drawWidth, drawHeight) / 2;
    const turns = smoothing.turns;
    const matrix = this.matrix;
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
    const outside = (left: number, top: number, right: number, bottom: number) =>
      left > view.right || top > view.bottom || right < view.left || bottom < view.top || (region !== null && !region.some((rect) => left < rect.right && top < rect.bottom && right > rect.left && bottom > rect.top));
    ctx.save();
    matrix.copyWithScrollFactorFrom(camera.matrixCombined, camera.scrollX, camera.scrollY, 1, 1).setToContext(ctx);
    const { a, b, c, d, e, f } = matrix;
    let turnedTransform = false;
    ctx.globalAlpha = camera.alpha;
    ctx.globalCompositeOperation = "source-over";
    ctx.imageSmoothingEnabled = true;
    const included = this.locked.included;
    let drawn = 0;
    for (const id of this.order) {
      if (included[id]) continue;
      const turn = turns[id]!;
      const frame = atlas.frames[id]!;
      if (turn === 0) {
        const x = smoothing.x[id]! - pad;
        const y = smoothing.y[id]! - pad;
        if (outside(x, y, x + drawWidth, y + drawHeight)) continue;
        if (turnedTransform) {
          matrix.setToContext(ctx);
          turnedTransform = false;
        }
        ctx.drawImage(pages[frame.page]!, frame.x * shrink, frame.y * shrink, frame.width * shrink, frame.height * shrink, x, y, drawWidth, drawHeight);
      } else if (turnable && (turn === 1 || turn === 2 || turn === 3)) {
        // Settled on a quarter turn: the turned frame, drawn upright round the same centre.
        const sideways = turn !== 2;
        const width = sideways ? drawHeight : drawWidth;
        const height = sideways ? drawWidth : drawHeight;
        const x = smoothing.x[id]! + halfWidth - width / 2;
        const y = smoothing.y[id]! + halfHeight - height / 2;
        if (outside(x, y, x + width, y + height)) continue;
        if (turnedTransform) {
          matrix.setToContext(ctx);
          turnedTransform = false;
        }
        const page = pages[frame.page]!;
        const upright = this.upright;
        upright.x = frame.x * shrink;
        upright.y = frame.y * shrink;
        upright.width = frame.width * shrink;
        upright.height = frame.height * shrink;
        const source = turnedRect(upright, page.width, page.height, turn, this.turned);
        ctx.drawImage(this.turnedPagesOf(levelIndex, turn)[frame.page]!, source.x, source.y, source.width, source.height, x, y, width, height);
      } else {
        const cx = smoothing.x[id]! + halfWidth;
        const cy = smoothing.y[id]! + halfHeight;
        if (outside(cx - reach, cy - reach, cx + reach, cy + reach)) continue;
        const cos = Math.cos(turn * RADIANS_PER_QUARTER_TURN);
        const sin = Math.sin(turn * RADIANS_PER_QUARTER_TURN);
        // The camera's transform, then translate(cx, cy), then rotate: one call.
        ctx.setTransform(a * cos + c * sin, b * cos + d * sin, c * cos - a * sin, d * cos - b * sin, a * cx + c * cy + e, b * cx + d * cy + f);
        turnedTransform = true;
        ctx.drawImage(pages[frame.page]!, frame.x * shrink, frame.y * shrink, frame.width * shrink, frame.height * shrink, -halfWidth - pad, -halfHeight - pad, drawWidth, drawHeight);
      }
      drawn++;
    }
    ctx.restore();
    this.drawn = drawn;
  }

  private turnedPagesOf(levelIndex: number, rotation: 1 | 2 | 3): HTMLCanvasElement[] {
    const byRotation = (this.turnedPages[levelIndex] ??= []);
    return (byRotation[rotation - 1] ??= turnPages(this.atlas.levels[levelIndex]!.pages, rotation));
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
