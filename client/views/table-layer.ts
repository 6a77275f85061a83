/**
 * Everything under the loose pieces that only the camera moves: the room
 * around the table, the table, the board and its shadow, the ghost of the
 * picture and the solved layer (locked-layer.ts). Drawn for the camera into a
 * canvas of the screen's size and kept there, so a frame that draws only what
 * changed (damage.ts) pays one copy for these instead of five layers, two of
 * them scaled images. While the camera moves they are drawn straight to the
 * screen; once it has stood still a frame, the copy is made again. Pieces that
 * enter the solved layer are drawn into the copy where they lie.
 */
import Phaser from "phaser";
import { boardRect, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import type { LockedLayer } from "./locked-layer.ts";
import { levelFor, type PieceAtlas } from "./piece-atlas.ts";
import type { Rect } from "./play-area.ts";
import type { Smoothing } from "./smoothing.ts";
import { visibleTable } from "./camera-math.ts";

/** The room around the table, the colour of the page behind it (style.css). */
export const ROOM_COLOR = "#1c2b23";
const TABLE_COLOR = "#2f4a3a";
const BOARD_COLOR = "#1f3328";
const BOARD_SHADOW = "rgba(0, 0, 0, 0.22)";
const BOARD_EDGE = "rgba(255, 255, 255, 0.18)";
const GHOST_ALPHA = 0.22;

interface CameraState {
  scrollX: number;
  scrollY: number;
  zoom: number;
  width: number;
  height: number;
}

function sameCamera(a: CameraState | null, b: CameraState): boolean {
  return a !== null && a.scrollX === b.scrollX && a.scrollY === b.scrollY && a.zoom === b.zoom && a.width === b.width && a.height === b.height;
}

export class TableLayer {
  readonly object: Phaser.GameObjects.Extern;
  private readonly copy = document.createElement("canvas");
  private readonly copyContext: CanvasRenderingContext2D;
  private readonly matrix = new Phaser.GameObjects.Components.TransformMatrix();
  /** The camera the copy was drawn for (null: no copy). */
  private copyCamera: CameraState | null = null;
  /** The camera of the last frame. */
  private lastCamera: CameraState | null = null;
  /** Parts of the copy (canvas px) to draw again before it is used. */
  private stale: Rect[] = [];
  private ghost = false;

  constructor(
    scene: Phaser.Scene,
    private readonly spec: PuzzleSpec,
    private readonly atlas: PieceAtlas,
    private readonly locked: LockedLayer,
    private readonly smoothing: Smoothing,
    private readonly picture: HTMLCanvasElement,
  ) {
    // Opaque: copying it to the screen needs no blending.
    this.copyContext = this.copy.getContext("2d", { alpha: false })!;
    this.object = scene.add.extern();
    const self = this;
    // Phaser calls renderCanvas(renderer, gameObject, camera) for each display list entry.
    (this.object as unknown as { renderCanvas: (renderer: Phaser.Renderer.Canvas.CanvasRenderer, src: unknown, camera: Phaser.Cameras.Scene2D.Camera) => void }).renderCanvas = (renderer, _src, camera) => self.render(renderer, camera);
  }

  get ghostVisible(): boolean {
    return this.ghost;
  }

  /** Shows or hides the ghost of the picture on the board (the whole screen must be drawn again). */
  setGhostVisible(visible: boolean): void {
    this.ghost = visible;
    this.copyCamera = null;
  }

  /** A piece entered the solved layer where it lies: that part of the copy (canvas px) is drawn again. */
  solvedChanged(area: Rect): void {
    this.stale.push({ left: Math.floor(area.left) - 2, top: Math.floor(area.top) - 2, right: Math.ceil(area.right) + 2, bottom: Math.ceil(area.bottom) + 2 });
  }

  /** The solved layer was emptied: the copy is made again. */
  solvedCleared(): void {
    this.copyCamera = null;
  }

  /** A finer atlas level was cut (piece-atlas.ts): the copy is made again, from it. */
  atlasRefined(): void {
    this.copyCamera = null;
  }

  private render(renderer: Phaser.Renderer.Canvas.CanvasRenderer, camera: Phaser.Cameras.Scene2D.Camera): void {
    const state = { scrollX: camera.scrollX, scrollY: camera.scrollY, zoom: camera.zoom, width: camera.width, height: camera.height };
    const moving = !sameCamera(this.lastCamera, state);
    this.lastCamera = state;
    const ctx = renderer.currentContext;
    if (moving) {
      // Drawn straight to the screen: a copy made now would be stale next frame.
      this.copyCamera = null;
      this.draw(ctx, camera, null);
      return;
    }
    if (!sameCamera(this.copyCamera, state)) {
      if (this.copy.width !== camera.width || this.copy.height !== camera.height) {
        this.copy.width = camera.width;
        this.copy.height = camera.height;
      }
      this.draw(this.copyContext, camera, null);
      this.copyCamera = state;
      this.stale = [];
    } else if (this.stale.length > 0) {
      this.draw(this.copyContext, camera, this.stale);
      this.stale = [];
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = "source-over";
    ctx.drawImage(this.copy, 0, 0);
    ctx.restore();
  }

  /** Draws the layer for `camera` into `ctx`, within `areas` (canvas px) or all of it. */
  private draw(ctx: CanvasRenderingContext2D, camera: Phaser.Cameras.Scene2D.Camera, areas: Rect[] | null): void {
    const { spec } = this;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = "source-over";
    if (areas) {
      ctx.beginPath();
      for (const area of areas) ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
      ctx.clip();
    }
    ctx.fillStyle = ROOM_COLOR;
    ctx.fillRect(0, 0, camera.width, camera.height);
    this.matrix.copyWithScrollFactorFrom(camera.matrixCombined, camera.scrollX, camera.scrollY, 1, 1).setToContext(ctx);
    const board = boardRect(spec);
    ctx.fillStyle = TABLE_COLOR;
    ctx.beginPath();
    ctx.roundRect(0, 0, spec.tableWidth, spec.tableHeight, Math.min(48, spec.pieceWidth));
    ctx.fill();
    // The board's shadow: the two strips that show beside it.
    ctx.fillStyle = BOARD_SHADOW;
    ctx.fillRect(board.x + board.width, board.y + 6, 4, board.height);
    ctx.fillRect(board.x + 4, board.y + board.height, board.width - 4, 6);
    ctx.fillStyle = BOARD_COLOR;
    ctx.fillRect(board.x, board.y, board.width, board.height);
    ctx.strokeStyle = BOARD_EDGE;
    ctx.lineWidth = 2;
    ctx.strokeRect(board.x, board.y, board.width, board.height);
    ctx.imageSmoothingEnabled = true;
    if (this.ghost) {
      ctx.globalAlpha = GHOST_ALPHA;
      ctx.drawImage(this.picture, board.x, board.y, board.width, board.height);
      ctx.globalAlpha = 1;
    }
    const smoothing = this.smoothing;
    this.locked.draw(ctx, levelFor(this.atlas, camera.zoom), visibleTable(camera), (id) => ({ x: smoothing.x[id]!, y: smoothing.y[id]! }));
    ctx.restore();
  }
}
