/**
 * The replay's table: the game's own views (the piece atlas, the piece batch
 * with its locked layer, piece outlines) drawing a ReplayTimeline's state
 * instead of the live store. Held groups are outlined in their holder's colour
 * with the holder's name beside them, the pieces on the board can be tinted by
 * who placed them, and the finished picture fades in when the replay reaches
 * the end of a solved game. Drag pans, the wheel zooms, a double click fits.
 */
import Phaser from "phaser";
import { boardRect, pieceCountOf } from "../../shared/puzzle-spec.ts";
import { groupMembers } from "../../shared/puzzle-state.ts";
import { buildAtlas } from "../views/piece-atlas.ts";
import { buildGeometry, traceBorder, type PieceGeometry } from "../views/piece-geometry.ts";
import { LockedLayer } from "../views/locked-layer.ts";
import { PieceBatch } from "../views/piece-batch.ts";
import { REMOTE_SMOOTHING_MS, Smoothing } from "../views/smoothing.ts";
import { screenToWorld, scrollKeeping } from "../views/camera-math.ts";
import { formatDuration } from "../ui/dom.ts";
import type { ReplayPlayer } from "./replay-player.ts";
import type { ReplayTimeline } from "./replay-timeline.ts";
import { PlacerLayer } from "./placer-layer.ts";

export const REPLAY_SCENE_KEY = "replay";
/** Up to this speed pieces glide between logged positions; faster, they jump (a glide would lag behind the game). */
const GLIDE_UP_TO_SPEED = 16;
const OUTLINE_SCREEN_PX = 3;
const MAX_ZOOM = 4;
const WHEEL_PER_DOUBLING = 600;
const DEPTH_LOOSE = 1;
const DEPTH_ID_STEP = 1e-6;

export interface ReplaySceneInput {
  player: ReplayPlayer;
  image: CanvasImageSource;
  imageWidth: number;
  imageHeight: number;
  /** A player's colour and name (for ids the room no longer lists, something neutral). */
  colourOf(playerId: string): string;
  nameOf(playerId: string): string;
  /** Screen px at the bottom the replay's panel covers: the table is fitted above it. */
  coveredBottomPx(): number;
}

export class ReplayScene extends Phaser.Scene {
  private input_!: ReplaySceneInput;
  private timeline!: ReplayTimeline;
  private smoothing!: Smoothing;
  private pieces!: PieceBatch;
  private geometry: PieceGeometry[] = [];
  private placers!: PlacerLayer;
  private outlines!: Phaser.GameObjects.Graphics;
  private finished!: Phaser.GameObjects.Image;
  private caption!: Phaser.GameObjects.Text;
  private readonly labels = new Map<string, Phaser.GameObjects.Text>();
  private readonly changed = new Set<number>();
  private depthCounter = 0;
  private finishedShown = false;
  private pan: { pointerId: number; x: number; y: number } | null = null;

  constructor() {
    super(REPLAY_SCENE_KEY);
  }

  init(data: ReplaySceneInput): void {
    this.input_ = data;
    this.timeline = data.player.timeline;
  }

  create(): void {
    const { image, imageWidth, imageHeight } = this.input_;
    const spec = this.timeline.spec;
    this.geometry = buildGeometry(spec);
    // The replay's canvas is drawn at CSS size (its game is not the sharp one of main.ts), so its atlas is too.
    const atlas = buildAtlas(spec, this.geometry, image, imageWidth, imageHeight, 1);
    const board = boardRect(spec);
    const table = this.add.graphics().setDepth(-3);
    table.fillStyle(0x2f4a3a, 1).fillRoundedRect(0, 0, spec.tableWidth, spec.tableHeight, Math.min(48, spec.pieceWidth));
    table.fillStyle(0x000000, 0.22).fillRect(board.x + 4, board.y + 6, board.width, board.height);
    table.fillStyle(0x1f3328, 1).fillRect(board.x, board.y, board.width, board.height);
    table.lineStyle(2, 0xffffff, 0.18).strokeRect(board.x, board.y, board.width, board.height);

    const picture = document.createElement("canvas");
    picture.width = Math.min(2048, imageWidth);
    picture.height = Math.round((picture.width * imageHeight) / imageWidth);
    picture.getContext("2d")!.drawImage(image, 0, 0, picture.width, picture.height);
    this.textures.addCanvas("replay-picture", picture);
    this.finished = this.add.image(board.x, board.y, "replay-picture").setOrigin(0, 0).setDisplaySize(board.width, board.height).setAlpha(0).setDepth(2e10);

    this.smoothing = new Smoothing(pieceCountOf(spec));
    const state = () => this.timeline.state;
    this.pieces = new PieceBatch(this, atlas, this.smoothing, spec.pieceWidth, spec.pieceHeight, new LockedLayer(atlas, board, spec.pieceWidth, spec.pieceHeight), (id) => state().pieces[id]?.locked ?? false);
    this.placers = new PlacerLayer(this, spec, this.geometry);
    this.placers.object.setDepth(1e10);
    this.outlines = this.add.graphics().setDepth(1e10 + 1);

    // What the video shows of the moment: on a camera of its own, so zoom and pan leave it in its corner.
    this.caption = this.add.text(12, 10, "", { fontFamily: "system-ui, sans-serif", fontSize: "16px", color: "#ffffff", backgroundColor: "rgba(0,0,0,0.45)", padding: { x: 8, y: 4 } }).setVisible(false);
    this.cameras.main.ignore(this.caption);
    const captionCamera = this.cameras.add(0, 0, this.scale.width, this.scale.height, false, "caption");
    captionCamera.ignore(this.children.list.filter((child) => child !== this.caption));

    this.input.on("pointerdown", (pointer: Phaser.Input.Pointer) => {
      this.pan = { pointerId: pointer.id, x: pointer.x, y: pointer.y };
    });
    this.input.on("pointermove", (pointer: Phaser.Input.Pointer) => {
      if (!this.pan || this.pan.pointerId !== pointer.id) return;
      const camera = this.cameras.main;
      camera.setScroll(camera.scrollX - (pointer.x - this.pan.x) / camera.zoom, camera.scrollY - (pointer.y - this.pan.y) / camera.zoom);
      this.pan.x = pointer.x;
      this.pan.y = pointer.y;
    });
    const endPan = () => (this.pan = null);
    this.input.on("pointerup", endPan);
    this.input.on("pointerupoutside", endPan);
    this.input.on("wheel", (pointer: Phaser.Input.Pointer, _over: unknown, _dx: number, dy: number) => this.zoomBy(Math.pow(2, -dy / WHEEL_PER_DOUBLING), pointer.x, pointer.y));
    this.game.canvas.addEventListener("dblclick", () => this.fit());
    this.scale.on("resize", (size: Phaser.Structs.Size) => {
      captionCamera.setSize(size.width, size.height);
      this.fit();
    });
    this.fit();
  }

  /** Shows or hides who placed what. */
  setPlacersVisible(visible: boolean): void {
    this.placers.visible = visible;
  }

  /** Shows the moment's caption (time and progress) on the canvas, for the video. */
  setCaptionVisible(visible: boolean): void {
    this.caption.setVisible(visible);
  }

  /** Fits the whole table above the panel. */
  fit(): void {
    const spec = this.timeline.spec;
    const camera = this.cameras.main;
    const covered = Math.min(camera.height / 2, this.input_.coveredBottomPx());
    const zoom = Math.min(camera.width / spec.tableWidth, (camera.height - covered) / spec.tableHeight) * 0.96;
    camera.setZoom(zoom);
    camera.centerOn(spec.tableWidth / 2, spec.tableHeight / 2 + covered / 2 / zoom);
  }

  override update(_time: number, deltaMs: number): void {
    const { player } = this.input_;
    player.frame(Math.min(deltaMs, 250));
    const timeline = this.timeline;
    const state = timeline.state;
    const jumped = timeline.takeChanged(this.changed);
    const glide = !jumped && player.playing && player.speed <= GLIDE_UP_TO_SPEED;
    if (this.changed.size > 0) {
      let looseMoved = false;
      for (const id of this.changed) {
        const piece = state.pieces[id]!;
        if (glide) {
          this.smoothing.glide(id, piece.x, piece.y, REMOTE_SMOOTHING_MS);
          this.smoothing.turnTo(id, piece.rotation, "ease");
        } else {
          this.smoothing.jump(id, piece.x, piece.y);
          this.smoothing.turnTo(id, piece.rotation, "once");
        }
        if (!piece.locked) looseMoved = true;
        const placer = timeline.placerOf(id);
        this.placers.set(id, piece.locked && placer >= 0 ? this.input_.colourOf(timeline.players[placer]!) : "");
      }
      if (looseMoved) this.depthCounter++;
      for (const id of this.changed) {
        const piece = state.pieces[id]!;
        this.pieces.pieceChanged(id, piece.locked ? id * DEPTH_ID_STEP : DEPTH_LOOSE + this.depthCounter + id * DEPTH_ID_STEP);
      }
      this.changed.clear();
    }
    this.smoothing.advance(Math.min(deltaMs, 100));
    if (timeline.takeHoldsChanged() || state.holds.size > 0 || this.labels.size > 0) this.drawHolds();
    const complete = state.completedAtMs !== null;
    if (complete !== this.finishedShown) {
      this.finishedShown = complete;
      this.tweens.killTweensOf(this.finished);
      if (complete) this.tweens.add({ targets: this.finished, alpha: 1, duration: Math.max(200, 1_200 / Math.sqrt(player.speed)), ease: "Sine.easeInOut" });
      else this.finished.setAlpha(0);
    }
    if (this.caption.visible) {
      const { lockedPieces, pieces } = state;
      this.caption.setText(`${formatDuration(player.time)} · ${lockedPieces} / ${pieces.length} placed`);
    }
  }

  /** Whether the finished picture is fully shown (for the test hook). */
  get pictureShown(): boolean {
    return this.finishedShown && this.finished.alpha >= 1;
  }

  private drawHolds(): void {
    const state = this.timeline.state;
    const zoom = this.cameras.main.zoom;
    const graphics = this.outlines;
    graphics.clear();
    const seen = new Set<string>();
    for (const [group, hold] of state.holds) {
      const colour = this.input_.colourOf(hold.playerId);
      graphics.lineStyle(OUTLINE_SCREEN_PX / zoom, Phaser.Display.Color.HexStringToColor(colour).color, 0.95);
      graphics.beginPath();
      traceBorder(graphics, state.spec, this.geometry, this.smoothing, groupMembers(state, group), (neighbour) => neighbour >= 0 && state.pieces[neighbour]!.group === group, 0, 0);
      graphics.strokePath();
      seen.add(hold.playerId);
      const label = this.labels.get(hold.playerId) ?? this.label(hold.playerId, colour);
      label.setPosition(this.smoothing.x[hold.pieceId]! + state.spec.pieceWidth, this.smoothing.y[hold.pieceId]!).setScale(1 / zoom);
    }
    for (const [playerId, label] of this.labels) {
      if (seen.has(playerId)) continue;
      label.destroy();
      this.labels.delete(playerId);
    }
  }

  private label(playerId: string, colour: string): Phaser.GameObjects.Text {
    const label = this.add.text(0, 0, this.input_.nameOf(playerId), { fontFamily: "system-ui, sans-serif", fontSize: "13px", color: "#ffffff", backgroundColor: colour, padding: { x: 6, y: 3 } }).setDepth(1e10 + 2);
    this.cameras.getCamera("caption")?.ignore(label);
    this.labels.set(playerId, label);
    return label;
  }

  private zoomBy(factor: number, screenX: number, screenY: number): void {
    const camera = this.cameras.main;
    const spec = this.timeline.spec;
    const minZoom = Math.min(camera.width / spec.tableWidth, camera.height / spec.tableHeight) * 0.5;
    const zoom = Math.min(MAX_ZOOM, Math.max(minZoom, camera.zoom * factor));
    const world = screenToWorld(camera, screenX, screenY);
    const scroll = scrollKeeping(camera, world.x, world.y, screenX, screenY, zoom);
    camera.setZoom(zoom);
    camera.setScroll(scroll.scrollX, scroll.scrollY);
  }
}
