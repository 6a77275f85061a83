/**
 * The table: draws what the store holds (pieces, held outlines, cursors) where
 * DrawnPositions eases them, and turns pointer input into store calls (drag,
 * pan, zoom, pinch, and where pieces turn: a right click, Space, a second
 * finger's tap or a two-finger twist). It never sees the socket.
 */
import Phaser from "phaser";
import { boardRect, pieceCountOf } from "../../shared/puzzle-spec.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import { buildAtlas, type PieceAtlas } from "../views/piece-atlas.ts";
import { buildGeometry, cellPadding, pieceLocal, type PieceGeometry } from "../views/piece-geometry.ts";
import { HoldOutlines } from "../views/hold-outlines.ts";
import { PieceBatch } from "../views/piece-batch.ts";
import { SnapFlash } from "../views/snap-flash.ts";
import { LostMoveOverlay, type TablePoint } from "../views/lost-move-overlay.ts";
import { CursorLayer } from "../views/cursor-layer.ts";
import { DrawnPositions } from "../views/drawn-positions.ts";
import { screenToWorld, scrollKeeping, worldToScreen } from "../views/camera-math.ts";

export const SCENE_KEY = "puzzle";
const MAX_ZOOM = 4;
/** Wheel delta that doubles or halves the zoom. */
const WHEEL_PER_DOUBLING = 600;
/**
 * Depth bands: locked pieces under loose ones (which stack by when they last
 * moved), the player's own drag on top, the finished picture above all pieces.
 */
const DEPTH_LOCKED = 0;
const DEPTH_LOOSE = 1;
const DEPTH_DRAGGED = 1e10;
const DEPTH_FINISHED = 2e10;
/** Piece ids order pieces inside a group; below one unit of the stacking counter. */
const DEPTH_ID_STEP = 1e-6;
/**
 * A second finger that lifts having moved less than this (screen px), and
 * without twisting, taps: a quarter turn. No time limit: a second finger has
 * nothing else to mean while the first drags, and a busy phone stretches taps.
 */
const TAP_SLOP_PX = 24;
/** Twisting two fingers past this many degrees from the last turn turns the held piece another quarter. */
const TWIST_STEP_DEGREES = 45;
/** Mouse buttons as DOM events number them. */
const RIGHT_BUTTON = 2;
const PRIMARY_BUTTONS_MASK = 1;

export interface SceneInput {
  store: PuzzleStore;
  image: CanvasImageSource;
  imageWidth: number;
  imageHeight: number;
}

/** A second finger on the table while the first drags a piece that turns: a tap or a twist. */
interface Twist {
  pointerId: number;
  startX: number;
  startY: number;
  moved: number;
  /** Angle of the line from the dragging finger to this one when the last quarter turn was made, degrees. */
  fromDegrees: number;
  turned: boolean;
}

type Gesture =
  | { kind: "none" }
  | { kind: "drag"; pointerId: number; twist: Twist | null }
  | { kind: "pan"; pointerId: number; lastX: number; lastY: number }
  | { kind: "pinch"; startDistance: number; startZoom: number; world: { x: number; y: number } };

export class PuzzleScene extends Phaser.Scene {
  private input_!: SceneInput;
  private drawn!: DrawnPositions;
  private pieces!: PieceBatch;
  private geometry: PieceGeometry[] = [];
  private atlas!: PieceAtlas;
  private outlines!: HoldOutlines;
  private cursors!: CursorLayer;
  private snapFlash!: SnapFlash;
  private lostMove!: LostMoveOverlay;
  private ghost!: Phaser.GameObjects.Image;
  private finished!: Phaser.GameObjects.Image;
  private gesture: Gesture = { kind: "none" };
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private readonly changed = new Set<number>();
  private depthCounter = 0;
  private hitContext: CanvasRenderingContext2D | null = null;
  private minZoom = 0.05;
  private celebrated = false;
  private picture: HTMLCanvasElement | null = null;

  constructor() {
    super(SCENE_KEY);
  }

  init(data: SceneInput): void {
    this.input_ = data;
  }

  create(): void {
    const { store, image, imageWidth, imageHeight } = this.input_;
    const view = store.view!;
    const spec = view.spec;
    this.geometry = buildGeometry(spec);
    this.atlas = buildAtlas(spec, this.geometry, image, imageWidth, imageHeight);
    this.hitContext = document.createElement("canvas").getContext("2d");

    const board = boardRect(spec);
    const table = this.add.graphics().setDepth(-3);
    table.fillStyle(0x2f4a3a, 1).fillRoundedRect(0, 0, spec.tableWidth, spec.tableHeight, Math.min(48, spec.pieceWidth));
    table.fillStyle(0x000000, 0.22).fillRect(board.x + 4, board.y + 6, board.width, board.height);
    table.fillStyle(0x1f3328, 1).fillRect(board.x, board.y, board.width, board.height);
    table.lineStyle(2, 0xffffff, 0.18).strokeRect(board.x, board.y, board.width, board.height);

    const pictureKey = "picture";
    const picture = document.createElement("canvas");
    picture.width = Math.min(2048, imageWidth);
    picture.height = Math.round((picture.width * imageHeight) / imageWidth);
    picture.getContext("2d")!.drawImage(image, 0, 0, picture.width, picture.height);
    this.textures.addCanvas(pictureKey, picture);
    this.picture = picture;
    this.ghost = this.add.image(board.x, board.y, pictureKey).setOrigin(0, 0).setDisplaySize(board.width, board.height).setAlpha(0.22).setDepth(-2).setVisible(false);
    this.finished = this.add.image(board.x, board.y, pictureKey).setOrigin(0, 0).setDisplaySize(board.width, board.height).setAlpha(0).setDepth(DEPTH_FINISHED);

    this.drawn = new DrawnPositions(store);
    const smoothing = this.drawn.smoothing;
    this.pieces = new PieceBatch(this, this.atlas, smoothing, spec.pieceWidth, spec.pieceHeight, board, (id) => store.view?.pieces[id]?.locked ?? false);
    for (let id = 0; id < pieceCountOf(spec); id++) this.changed.add(id);
    this.outlines = new HoldOutlines(this, store, smoothing, this.geometry);
    this.cursors = new CursorLayer(this, store, this.drawn);
    this.snapFlash = new SnapFlash(this, store, smoothing, this.geometry);
    this.lostMove = new LostMoveOverlay(this, spec);

    this.input.on("pointerdown", (pointer: Phaser.Input.Pointer) => this.onPointerDown(pointer));
    this.input.on("pointermove", (pointer: Phaser.Input.Pointer) => this.onPointerMove(pointer));
    this.input.on("pointerup", (pointer: Phaser.Input.Pointer) => this.onPointerUp(pointer));
    this.input.on("pointerupoutside", (pointer: Phaser.Input.Pointer) => this.onPointerUp(pointer));
    this.input.on("wheel", (pointer: Phaser.Input.Pointer, _over: unknown, _dx: number, dy: number) => this.zoomBy(Math.pow(2, -dy / WHEEL_PER_DOUBLING), pointer.x, pointer.y));
    // Space turns the held piece (Shift+Space the other way); only while holding does it keep the page's Space from buttons.
    this.input.keyboard?.on("keydown-SPACE", (event: KeyboardEvent) => {
      if (this.gesture.kind !== "drag" || event.repeat) return;
      event.preventDefault();
      store.rotateHeld(event.shiftKey ? -1 : 1);
    });
    // A resized window keeps the same table point in the middle and the same zoom.
    this.scale.on("resize", (_game: unknown, _base: unknown, _display: unknown, previousWidth: number, previousHeight: number) => {
      const camera = this.cameras.main;
      camera.setScroll(camera.scrollX + (previousWidth - camera.width) / 2, camera.scrollY + (previousHeight - camera.height) / 2);
    });
    this.fitToScreen();
    this.applyDepths();
  }

  override update(): void {
    const store = this.input_.store;
    const now = performance.now();
    this.drawn.frame(now, this.changed);
    if (this.changed.size > 0) {
      // Positions are read from the smoothing arrays at draw time; only stacking needs updating.
      this.applyDepths();
      this.changed.clear();
    }
    const zoom = this.cameras.main.zoom;
    // A turn eases in over a few frames: the outline round a held piece turns with it.
    if (store.takeHoldsChanged() || this.drawn.smoothing.anyTurning) this.outlines.draw(zoom);
    this.cursors.draw(zoom, now);
    this.snapFlash.draw(zoom, now);
    this.lostMove.draw(zoom);
    if (store.completedAtMs() !== null && !this.celebrated) this.celebrate();
  }

  /** The lost-move panel's highlight: where a lost move left a piece and where it is; null clears it. */
  showLostMove(mark: { expected: TablePoint | null; found: TablePoint | null } | null): void {
    this.lostMove.show(mark);
  }

  // ---- camera ----

  fitToScreen(): void {
    const view = this.input_.store.view;
    if (!view) return;
    const camera = this.cameras.main;
    const spec = view.spec;
    const board = boardRect(spec);
    let minX = board.x;
    let minY = board.y;
    let maxX = board.x + board.width;
    let maxY = board.y + board.height;
    const smoothing = this.drawn.smoothing;
    const pad = cellPadding(spec);
    // Where pieces turn, a piece may cover either side across: its cell's centre plus half the longer side.
    const halfX = (spec.rotation ? Math.max(spec.pieceWidth, spec.pieceHeight) : spec.pieceWidth) / 2 + pad;
    const halfY = (spec.rotation ? Math.max(spec.pieceWidth, spec.pieceHeight) : spec.pieceHeight) / 2 + pad;
    for (let id = 0; id < view.pieces.length; id++) {
      const cx = smoothing.x[id]! + spec.pieceWidth / 2;
      const cy = smoothing.y[id]! + spec.pieceHeight / 2;
      minX = Math.min(minX, cx - halfX);
      minY = Math.min(minY, cy - halfY);
      maxX = Math.max(maxX, cx + halfX);
      maxY = Math.max(maxY, cy + halfY);
    }
    const zoom = Math.min(camera.width / (maxX - minX), camera.height / (maxY - minY)) * 0.94;
    this.minZoom = Math.min(zoom, camera.width / spec.tableWidth) * 0.5;
    camera.setZoom(zoom);
    camera.centerOn((minX + maxX) / 2, (minY + maxY) / 2);
  }

  zoomBy(factor: number, screenX = this.cameras.main.width / 2, screenY = this.cameras.main.height / 2): void {
    const camera = this.cameras.main;
    const zoom = Math.min(MAX_ZOOM, Math.max(this.minZoom, camera.zoom * factor));
    const world = screenToWorld(camera, screenX, screenY);
    const scroll = scrollKeeping(camera, world.x, world.y, screenX, screenY, zoom);
    camera.setZoom(zoom);
    camera.setScroll(scroll.scrollX, scroll.scrollY);
    this.outlines.draw(zoom);
  }

  panBy(dxScreen: number, dyScreen: number): void {
    const camera = this.cameras.main;
    camera.setScroll(camera.scrollX - dxScreen / camera.zoom, camera.scrollY - dyScreen / camera.zoom);
  }

  setGhostVisible(visible: boolean): void {
    this.ghost.setVisible(visible);
  }

  ghostVisible(): boolean {
    return this.ghost.visible;
  }

  /** Where a table point is on the page (CSS px), for the test hook. */
  tableToPage(x: number, y: number): { x: number; y: number } {
    const screen = worldToScreen(this.cameras.main, x, y);
    const rect = this.game.canvas.getBoundingClientRect();
    return { x: rect.left + (screen.x * rect.width) / this.game.canvas.width, y: rect.top + (screen.y * rect.height) / this.game.canvas.height };
  }

  /** Where a piece is drawn now (its cell's top-left, table px), for the test hook. */
  drawnPosition(id: number): { x: number; y: number } {
    return { x: this.drawn.smoothing.x[id]!, y: this.drawn.smoothing.y[id]! };
  }

  /** How far a piece is drawn turned now, in quarter turns clockwise, for the test hook. */
  drawnRotation(id: number): number {
    return this.drawn.smoothing.turns[id]!;
  }

  /** The colour of the loaded picture at fractions (u, v) of its size, for tests. */
  samplePicture(u: number, v: number): [number, number, number] {
    const picture = this.picture;
    if (!picture) return [0, 0, 0];
    const x = Math.min(picture.width - 1, Math.floor(u * picture.width));
    const y = Math.min(picture.height - 1, Math.floor(v * picture.height));
    const [r, g, b] = picture.getContext("2d")!.getImageData(x, y, 1, 1).data;
    return [r!, g!, b!];
  }

  /** The topmost piece under a page point (CSS px), or -1. */
  pieceAtPage(pageX: number, pageY: number): number {
    const rect = this.game.canvas.getBoundingClientRect();
    const sx = ((pageX - rect.left) * this.game.canvas.width) / rect.width;
    const sy = ((pageY - rect.top) * this.game.canvas.height) / rect.height;
    const world = screenToWorld(this.cameras.main, sx, sy);
    return this.pieceAt(world.x, world.y);
  }

  // ---- input ----

  private onPointerDown(pointer: Phaser.Input.Pointer): void {
    const store = this.input_.store;
    const current = this.gesture;
    if (pointer.button === RIGHT_BUTTON && store.rotation) {
      // The mouse is one pointer whatever its buttons: the right one while the left drags turns the held piece.
      if (current.kind === "drag" && current.pointerId === pointer.id) {
        store.rotateHeld(1);
        return;
      }
      // A right click on a loose piece turns it where it lies.
      const world = screenToWorld(this.cameras.main, pointer.x, pointer.y);
      const pieceId = current.kind === "none" ? this.pieceAt(world.x, world.y) : -1;
      if (pieceId >= 0 && store.turnPiece(pieceId, 1) !== "locked") return;
    }
    this.pointers.set(pointer.id, { x: pointer.x, y: pointer.y });
    if (this.pointers.size === 2 && current.kind === "drag" && store.rotation) {
      // A second finger while a piece that turns is dragged: its tap, or twisting both, turns the piece.
      const dragging = this.pointers.get(current.pointerId);
      if (dragging) {
        current.twist = { pointerId: pointer.id, startX: pointer.x, startY: pointer.y, moved: 0, fromDegrees: degreesBetween(dragging, pointer), turned: false };
        return;
      }
    }
    if (this.pointers.size === 2) {
      // A second finger turns whatever the first was doing into a pinch.
      if (this.gesture.kind === "drag") {
        const world = screenToWorld(this.cameras.main, pointer.x, pointer.y);
        store.endDrag(world.x, world.y);
      }
      const [a, b] = [...this.pointers.values()];
      const mid = { x: (a!.x + b!.x) / 2, y: (a!.y + b!.y) / 2 };
      this.gesture = { kind: "pinch", startDistance: Math.hypot(a!.x - b!.x, a!.y - b!.y) || 1, startZoom: this.cameras.main.zoom, world: screenToWorld(this.cameras.main, mid.x, mid.y) };
      return;
    }
    if (this.pointers.size > 2) return;
    const world = screenToWorld(this.cameras.main, pointer.x, pointer.y);
    const pieceId = pointer.rightButtonDown() ? -1 : this.pieceAt(world.x, world.y);
    if (pieceId >= 0 && store.beginDrag(pieceId, world.x, world.y) === "dragging") {
      this.gesture = { kind: "drag", pointerId: pointer.id, twist: null };
      this.game.canvas.style.cursor = "grabbing";
      return;
    }
    this.gesture = { kind: "pan", pointerId: pointer.id, lastX: pointer.x, lastY: pointer.y };
  }

  private onPointerMove(pointer: Phaser.Input.Pointer): void {
    if (this.pointers.has(pointer.id)) this.pointers.set(pointer.id, { x: pointer.x, y: pointer.y });
    const store = this.input_.store;
    const world = screenToWorld(this.cameras.main, pointer.x, pointer.y);
    store.pointerAt(world.x, world.y);
    const gesture = this.gesture;
    switch (gesture.kind) {
      case "drag":
        if (gesture.pointerId === pointer.id) store.dragTo(world.x, world.y);
        if (gesture.twist) this.twisted(gesture.pointerId, gesture.twist, pointer);
        return;
      case "pan":
        if (gesture.pointerId !== pointer.id) return;
        this.panBy(pointer.x - gesture.lastX, pointer.y - gesture.lastY);
        gesture.lastX = pointer.x;
        gesture.lastY = pointer.y;
        return;
      case "pinch": {
        const [a, b] = [...this.pointers.values()];
        if (!a || !b) return;
        const zoom = Math.min(MAX_ZOOM, Math.max(this.minZoom, (gesture.startZoom * Math.hypot(a.x - b.x, a.y - b.y)) / gesture.startDistance));
        const scroll = scrollKeeping(this.cameras.main, gesture.world.x, gesture.world.y, (a.x + b.x) / 2, (a.y + b.y) / 2, zoom);
        this.cameras.main.setZoom(zoom).setScroll(scroll.scrollX, scroll.scrollY);
        return;
      }
      case "none":
        this.game.canvas.style.cursor = this.pieceAt(world.x, world.y) >= 0 ? "grab" : "default";
        return;
      default: {
        const unreachable: never = gesture;
        return unreachable;
      }
    }
  }

  private onPointerUp(pointer: Phaser.Input.Pointer): void {
    // The right button let go while the left still drags: the drag goes on.
    if (pointer.button === RIGHT_BUTTON && (pointer.buttons & PRIMARY_BUTTONS_MASK) !== 0) return;
    this.pointers.delete(pointer.id);
    const gesture = this.gesture;
    if (gesture.kind === "drag" && gesture.twist?.pointerId === pointer.id) {
      const twist = gesture.twist;
      gesture.twist = null;
      if (!twist.turned && twist.moved < TAP_SLOP_PX) this.input_.store.rotateHeld(1);
      return;
    }
    if (gesture.kind === "drag" && gesture.pointerId === pointer.id) {
      const world = screenToWorld(this.cameras.main, pointer.x, pointer.y);
      this.input_.store.endDrag(world.x, world.y);
      this.game.canvas.style.cursor = "grab";
    }
    if (gesture.kind !== "pinch" || this.pointers.size === 0) this.gesture = { kind: "none" };
  }

  /**
   * Turning the held piece by twisting two fingers: past TWIST_STEP_DEGREES from
   * where the last quarter turn was made, another quarter turn, either way.
   */
  private twisted(dragPointerId: number, twist: Twist, pointer: Phaser.Input.Pointer): void {
    const dragging = this.pointers.get(dragPointerId);
    const second = this.pointers.get(twist.pointerId);
    if (!dragging || !second) return;
    if (pointer.id === twist.pointerId) twist.moved = Math.max(twist.moved, Math.hypot(second.x - twist.startX, second.y - twist.startY));
    // Screen y points down, so a growing angle is a clockwise twist.
    let delta = ((((degreesBetween(dragging, second) - twist.fromDegrees) % 360) + 540) % 360) - 180;
    while (Math.abs(delta) >= TWIST_STEP_DEGREES) {
      const step = Math.sign(delta);
      this.input_.store.rotateHeld(step);
      twist.fromDegrees += 90 * step;
      twist.turned = true;
      delta -= 90 * step;
    }
  }

  /** The topmost piece whose real outline contains the table point, or -1. */
  pieceAt(x: number, y: number): number {
    const view = this.input_.store.view;
    const smoothing = this.drawn.smoothing;
    const ctx = this.hitContext;
    if (!view || !ctx) return -1;
    const spec = view.spec;
    const pad = cellPadding(spec);
    let best = -1;
    let bestDepth = Number.NEGATIVE_INFINITY;
    for (let id = 0; id < view.pieces.length; id++) {
      let lx = x - smoothing.x[id]!;
      let ly = y - smoothing.y[id]!;
      const turns = smoothing.turns[id]!;
      if (turns !== 0) {
        // Into the turned piece's own frame, where its outline is.
        const local = pieceLocal(spec, smoothing.x[id]!, smoothing.y[id]!, turns, x, y);
        lx = local.x;
        ly = local.y;
      }
      if (lx < -pad || ly < -pad || lx > spec.pieceWidth + pad || ly > spec.pieceHeight + pad) continue;
      const depth = this.pieces.depthOf(id);
      if (depth < bestDepth) continue;
      if (!ctx.isPointInPath(this.geometry[id]!.path, lx, ly)) continue;
      best = id;
      bestDepth = depth;
    }
    return best;
  }

  private applyDepths(): void {
    const store = this.input_.store;
    const view = store.view;
    if (!view) return;
    const myGroup = store.drag ? store.myGroup() : undefined;
    for (const id of this.changed) {
      if (view.pieces[id]?.locked === false) {
        this.depthCounter++;
        break;
      }
    }
    for (const id of this.changed) {
      const piece = view.pieces[id];
      if (!piece) continue;
      // Ids break ties inside a group, so each piece's shadow falls under its right and lower neighbours.
      const depth = piece.locked ? DEPTH_LOCKED + id * DEPTH_ID_STEP : piece.group === myGroup ? DEPTH_DRAGGED + id : DEPTH_LOOSE + this.depthCounter + id * DEPTH_ID_STEP;
      this.pieces.pieceChanged(id, depth);
    }
  }

  private celebrate(): void {
    this.celebrated = true;
    this.tweens.add({ targets: this.finished, alpha: 1, duration: 1_200, ease: "Sine.easeInOut" });
    const spec = this.input_.store.view!.spec;
    const camera = this.cameras.main;
    const board = boardRect(spec);
    const zoom = Math.min(camera.width / board.width, camera.height / board.height) * 0.8;
    camera.pan(board.x + board.width / 2, board.y + board.height / 2, 1_200, "Sine.easeInOut");
    camera.zoomTo(zoom, 1_200, "Sine.easeInOut");
  }
}

/** The angle of the line from `from` to `to` on screen, in degrees. */
function degreesBetween(from: { x: number; y: number }, to: { x: number; y: number }): number {
  return (Math.atan2(to.y - from.y, to.x - from.x) * 180) / Math.PI;
}
