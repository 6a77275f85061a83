/**
 * Who placed what: every piece on the board tinted in the colour of the player
 * who put it in place, drawn into one board-sized canvas as pieces lock (a
 * piece never leaves the board, so the canvas only grows), rebuilt when the
 * replay jumps, and drawn over the pieces in one drawImage per frame.
 */
import Phaser from "phaser";
import { boardRect, solvedPosition, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import type { PieceGeometry } from "../views/piece-geometry.ts";

/** Longest side of the layer's canvas, texture px: a tint needs no more detail. */
const LAYER_MAX_PX = 2_048;
const TINT_ALPHA = 0.5;

export class PlacerLayer {
  readonly object: Phaser.GameObjects.Extern;
  private readonly canvas = document.createElement("canvas");
  private readonly ctx: CanvasRenderingContext2D;
  private readonly scale: number;
  private readonly board: { x: number; y: number; width: number; height: number };
  /** The colour each piece is drawn in, "" when it is not drawn. */
  private readonly drawnColour: string[];
  private readonly matrix = new Phaser.GameObjects.Components.TransformMatrix();
  private stale = false;
  visible = true;

  constructor(
    scene: Phaser.Scene,
    private readonly spec: PuzzleSpec,
    private readonly geometry: readonly PieceGeometry[],
  ) {
    this.board = boardRect(spec);
    this.scale = Math.min(1, LAYER_MAX_PX / Math.max(this.board.width, this.board.height));
    this.canvas.width = Math.ceil(this.board.width * this.scale);
    this.canvas.height = Math.ceil(this.board.height * this.scale);
    this.ctx = this.canvas.getContext("2d")!;
    this.drawnColour = geometry.map(() => "");
    this.object = scene.add.extern();
    const self = this;
    (this.object as unknown as { renderCanvas: (renderer: Phaser.Renderer.Canvas.CanvasRenderer, src: unknown, camera: Phaser.Cameras.Scene2D.Camera) => void }).renderCanvas = (renderer, _src, camera) => self.render(renderer, camera);
  }

  /** Piece `id` is on the board in `colour` (a CSS colour), or not ("") at the moment shown. */
  set(id: number, colour: string): void {
    const drawn = this.drawnColour[id]!;
    if (drawn === colour) return;
    this.drawnColour[id] = colour;
    // A tint over a tint would blend: a piece taken off or recoloured (only a jump back does that) redraws the layer.
    if (drawn !== "" || colour === "") this.stale = true;
    else this.paint(id, colour);
  }

  private rebuild(): void {
    this.stale = false;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.drawnColour.forEach((colour, id) => {
      if (colour !== "") this.paint(id, colour);
    });
  }

  private paint(id: number, colour: string): void {
    const ctx = this.ctx;
    const at = solvedPosition(this.spec, id);
    ctx.save();
    ctx.setTransform(this.scale, 0, 0, this.scale, (at.x - this.board.x) * this.scale, (at.y - this.board.y) * this.scale);
    ctx.globalAlpha = TINT_ALPHA;
    ctx.fillStyle = colour;
    // The piece's own outline: its tabs reach into its neighbours' cells, never past the board's flat border.
    ctx.fill(this.geometry[id]!.path);
    ctx.restore();
  }

  private render(renderer: Phaser.Renderer.Canvas.CanvasRenderer, camera: Phaser.Cameras.Scene2D.Camera): void {
    if (!this.visible) return;
    if (this.stale) this.rebuild();
    const ctx = renderer.currentContext;
    ctx.save();
    this.matrix.copyWithScrollFactorFrom(camera.matrixCombined, camera.scrollX, camera.scrollY, 1, 1).setToContext(ctx);
    ctx.globalAlpha = camera.alpha;
    ctx.drawImage(this.canvas, this.board.x, this.board.y, this.board.width, this.board.height);
    ctx.restore();
  }
}
