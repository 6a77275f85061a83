/**
 * The table: draws what the store holds (pieces, held outlines, cursors) where
 * DrawnPositions eases them, and turns pointer input into store calls (drag,
 * pan, zoom, pinch, and where pieces turn: a right click, Space, a second
 * finger's tap or a two-finger twist). It never sees the socket.
 *
 * Two units of screen distance meet here. The canvas draws at the screen's
 * pixel ratio (sharp-canvas.ts), so the camera, its width and height and
 * Phaser's pointers are in canvas px; the page, the HUD and the public methods
 * below speak CSS px. `pixelRatio` converts, and "CSS zoom" (CSS px per table
 * px) is what a player sees as the zoom.
 *
 * A frame draws only what changed (views/damage.ts): every part of the table
 * reports where it drew before and draws now, and the canvas is clipped to
 * those areas; a camera move, a resize or a fade draws everything.
 */
import Phaser from "phaser";
import { boardRect, pieceCountOf } from "../../shared/puzzle-spec.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import { buildAtlas, CUT_MEASURE, cutFinerLevels, levelFor, wantedLevel, type PieceAtlas } from "../views/piece-atlas.ts";
import { buildGeometry, cellPadding, pieceLocal, type PieceGeometry } from "../views/piece-geometry.ts";
import { HoldOutlines } from "../views/hold-outlines.ts";
import { PieceBatch } from "../views/piece-batch.ts";
import { SnapFlash } from "../views/snap-flash.ts";
import { LostMoveOverlay, type TablePoint } from "../views/lost-move-overlay.ts";
import { CursorLayer } from "../views/cursor-layer.ts";
import { DrawnPositions } from "../views/drawn-positions.ts";
import { screenToWorld, scrollKeeping, worldToScreen } from "../views/camera-math.ts";
import { largestClearRect, rectHeight, rectWidth, type Rect } from "../views/play-area.ts";
import { Damage } from "../views/damage.ts";
import { LockedLayer } from "../views/locked-layer.ts";
import { TableLayer } from "../views/table-layer.ts";
import { PingLayer } from "../views/ping-layer.ts";
import type { ChatStore } from "../store/chat.ts";
import { LongPress } from "./long-press.ts";
import { isTyping } from "../ui/dom.ts";

export const SCENE_KEY = "puzzle";
/** Closest view: CSS px per table px. */
const MAX_CSS_ZOOM = 4;
/**
 * On a touch screen the first view never shows pieces smaller than this (CSS px
 * across), about a fingertip: on a phone a big puzzle opens on the board, the
 * rest a pan away. A mouse can take small pieces, and gets the whole table.
 */
const MIN_FIRST_VIEW_PIECE_CSS_PX = 28;
const FINGER_QUERY = "(pointer: coarse)";
/** Space kept between what a fit shows and the HUD's boxes or the screen's edge, in CSS px. */
const FIT_MARGIN_CSS_PX = 10;
/** Main-thread time a frame may spend cutting finer atlas levels, in ms (a piece at a time). */
const FINER_CUT_BUDGET_MS = 4;
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
/** Snap glows, then held outlines, above every piece and below the cursors. */
const DEPTH_GLOWS = 3e10;
const DEPTH_OUTLINES = 3e10 + 1;
/** Piece ids order pieces inside a group; below one unit of the stacking counter. */
const DEPTH_ID_STEP = 1e-6;
/**
 * A second finger that lifts having moved less than this (CSS px), and
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
  /** The HUD's boxes (page CSS px): fits and zooms use the screen they leave free, name tags stay out from under them. */
  hudBoxes: () => readonly Rect[];
  /** Called for every snap the table shows (the click sound). */
  onSnap: () => void;
  /** Chat and marks: the marks are drawn on the table, and X, Alt+click or a long press makes one. */
  chat: ChatStore;
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
  private table!: TableLayer;
  private lostMove!: LostMoveOverlay;
  private marks!: PingLayer;
  /** A touch held still on the empty table marks it (see LongPress). */
  private readonly longPress = new LongPress();
  private finished!: Phaser.GameObjects.Image;
  private gesture: Gesture = { kind: "none" };
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private readonly changed = new Set<number>();
  private depthCounter = 0;
  private hitContext: CanvasRenderingContext2D | null = null;
  private minZoom = 0.05;
  private celebrated = false;
  /** A view wanted an atlas level not cut yet: the finer levels are being cut. */
  private refining = false;
  /** The finished picture is fading in: everything is drawn each frame. */
  private fading = false;
  private picture: HTMLCanvasElement | null = null;
  private readonly damage = new Damage();
  /** The camera the last frame was drawn with; any change draws everything. */
  private drawnCamera = { scrollX: Number.NaN, scrollY: Number.NaN, zoom: Number.NaN, width: 0, height: 0 };
  /** Reports a table area (table px) the coming frame must draw. */
  private readonly damageTable = (rect: Rect) => this.damage.add(this.tableToCanvas(rect));

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
    const cutStartMs = performance.now();
    this.geometry = buildGeometry(spec);
    this.drawn = new DrawnPositions(store);
    // The first view's zoom picks the atlas level cut now; finer ones wait until a view needs them.
    this.firstView();
    this.atlas = buildAtlas(spec, this.geometry, image, imageWidth, imageHeight, this.pixelRatio, this.cameras.main.zoom);
    // bench:client reports how long cutting the puzzle took, apart from the network.
    performance.measure(CUT_MEASURE, { start: cutStartMs });
    this.hitContext = document.createElement("canvas").getContext("2d");

    const board = boardRect(spec);

    const pictureKey = "picture";
    const picture = document.createElement("canvas");
    picture.width = Math.min(2048, imageWidth);
    picture.height = Math.round((picture.width * imageHeight) / imageWidth);
    picture.getContext("2d")!.drawImage(image, 0, 0, picture.width, picture.height);
    this.textures.addCanvas(pictureKey, picture);
    this.picture = picture;
    this.finished = this.add.image(board.x, board.y, pictureKey).setOrigin(0, 0).setDisplaySize(board.width, board.height).setAlpha(0).setDepth(DEPTH_FINISHED);

    const smoothing = this.drawn.smoothing;
    const solved = new LockedLayer(this.atlas, board, spec.pieceWidth, spec.pieceHeight);
    // The room around the table is painted by this layer, not cleared by the renderer (clearBeforeRender is off).
    this.table = new TableLayer(this, spec, this.atlas, solved, smoothing, picture);
    this.table.object.setDepth(-3);
    this.pieces = new PieceBatch(this, this.atlas, smoothing, spec.pieceWidth, spec.pieceHeight, solved, (id) => store.view?.pieces[id]?.locked ?? false);
    for (let id = 0; id < pieceCountOf(spec); id++) this.changed.add(id);
    this.outlines = new HoldOutlines(this, store, smoothing, this.geometry);
    this.outlines.object.setDepth(DEPTH_OUTLINES);
    this.cursors = new CursorLayer(this, store, this.drawn);
    this.snapFlash = new SnapFlash(this, store, smoothing, this.geometry, this.input_.onSnap);
    this.snapFlash.object.setDepth(DEPTH_GLOWS);
    this.lostMove = new LostMoveOverlay(this, spec);
    this.marks = new PingLayer(this, this.input_.chat, Number.MAX_SAFE_INTEGER - 1);
    // X marks the table where the pointer is; not while a text field has the keys.
    this.input.keyboard?.on("keydown-X", (event: KeyboardEvent) => {
      if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
      const pointer = this.input.activePointer;
      this.markAt(pointer.x, pointer.y);
    });

    this.input.on("pointerdown", (pointer: Phaser.Input.Pointer) => this.onPointerDown(pointer));
    this.input.on("pointermove", (pointer: Phaser.Input.Pointer) => this.onPointerMove(pointer));
    this.input.on("pointerup", (pointer: Phaser.Input.Pointer) => this.onPointerUp(pointer));
    this.input.on("pointerupoutside", (pointer: Phaser.Input.Pointer) => this.onPointerUp(pointer));
    this.input.on("wheel", (pointer: Phaser.Input.Pointer, _over: unknown, _dx: number, dy: number) => this.zoomAt(Math.pow(2, -dy / WHEEL_PER_DOUBLING), pointer.x, pointer.y));
    // Space turns the held piece (Shift+Space the other way); only while holding does it keep the page's Space from buttons.
    this.input.keyboard?.on("keydown-SPACE", (event: KeyboardEvent) => {
      if (this.gesture.kind !== "drag" || event.repeat || isTyping(event)) return;
      event.preventDefault();
      store.rotateHeld(event.shiftKey ? -1 : 1);
    });
    // A resized window (or one moved to a screen of another density) keeps the
    // same table point in the middle and the same zoom as the player sees it.
    let ratio = this.pixelRatio;
    this.scale.on("resize", (_game: unknown, _base: unknown, _display: unknown, previousWidth: number, previousHeight: number) => {
      const camera = this.cameras.main;
      const middle = screenToWorld({ scrollX: camera.scrollX, scrollY: camera.scrollY, zoom: camera.zoom, width: previousWidth, height: previousHeight }, previousWidth / 2, previousHeight / 2);
      if (this.pixelRatio !== ratio) {
        camera.setZoom((camera.zoom * this.pixelRatio) / ratio);
        this.minZoom *= this.pixelRatio / ratio;
        ratio = this.pixelRatio;
      }
      camera.centerOn(middle.x, middle.y);
    });
    this.firstView();
    this.applyDepths();
    this.clipFramesToDamage();
  }

  /**
   * Clips each frame to what changed since the last: the renderer's clear and
   * every draw then touch only those areas. The clip is set before the
   * renderer clears and saves its state, and removed after it restores it.
   */
  private clipFramesToDamage(): void {
    const renderer = this.game.renderer as Phaser.Renderer.Canvas.CanvasRenderer;
    let clipped = false;
    renderer.on(Phaser.Renderer.Events.PRE_RENDER_CLEAR, () => {
      const camera = this.cameras.main;
      const drawn = this.drawnCamera;
      if (this.fading || drawn.scrollX !== camera.scrollX || drawn.scrollY !== camera.scrollY || drawn.zoom !== camera.zoom || drawn.width !== camera.width || drawn.height !== camera.height) {
        this.damage.all();
        this.drawnCamera = { scrollX: camera.scrollX, scrollY: camera.scrollY, zoom: camera.zoom, width: camera.width, height: camera.height };
      }
      const region = this.damage.take(camera.width, camera.height);
      this.pieces.setRegion(region && region.map((rect) => this.canvasToTable(rect)));
      clipped = region !== null;
      if (!region) return;
      const ctx = renderer.gameContext;
      ctx.save();
      ctx.beginPath();
      for (const rect of region) ctx.rect(rect.left, rect.top, rect.right - rect.left, rect.bottom - rect.top);
      ctx.clip();
    });
    renderer.on(Phaser.Renderer.Events.POST_RENDER, () => {
      if (clipped) renderer.gameContext.restore();
      clipped = false;
    });
  }

  /** A table rectangle on the canvas (canvas px), with the current camera. */
  private tableToCanvas(rect: Rect): Rect {
    const camera = this.cameras.main;
    const topLeft = worldToScreen(camera, rect.left, rect.top);
    const bottomRight = worldToScreen(camera, rect.right, rect.bottom);
    return { left: topLeft.x, top: topLeft.y, right: bottomRight.x, bottom: bottomRight.y };
  }

  private canvasToTable(rect: Rect): Rect {
    const camera = this.cameras.main;
    const topLeft = screenToWorld(camera, rect.left, rect.top);
    const bottomRight = screenToWorld(camera, rect.right, rect.bottom);
    return { left: topLeft.x, top: topLeft.y, right: bottomRight.x, bottom: bottomRight.y };
  }

  /** Draws the whole canvas in the next frame (for tests: what a partial frame left must equal it). */
  redrawAll(): void {
    this.damage.all();
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
    const camera = this.cameras.main;
    this.refineAtlas(camera.zoom);
    const pixelRatio = this.pixelRatio;
    const cssZoom = camera.zoom / pixelRatio;
    this.outlines.update(camera.zoom, cssZoom, this.damageTable);
    // Marks first: a name tag keeps clear of them as of the HUD (a mark made at the cursor put both names on one spot).
    this.marks.draw({ camera, pixelRatio, nowMs: now, damaged: (rect) => this.damage.add(rect) });
    const marked = this.marks.occupied();
    const hud = this.hudBoxesOnCanvas();
    this.cursors.draw({ camera, pixelRatio, nowMs: now, obstacles: marked.length > 0 ? [...hud, ...marked] : hud, damaged: (rect) => this.damage.add(rect) });
    this.snapFlash.update(camera.zoom, cssZoom, now, this.damageTable);
    this.pieces.updateLockedLayer({
      entered: (id) => {
        const pad = cellPadding(this.input_.store.view!.spec);
        const { x, y } = this.drawnPosition(id);
        const spec = this.input_.store.view!.spec;
        const area = { left: x - pad, top: y - pad, right: x + spec.pieceWidth + pad, bottom: y + spec.pieceHeight + pad };
        this.table.solvedChanged(this.tableToCanvas(area));
        this.damageTable(area);
      },
      cleared: () => {
        this.table.solvedCleared();
        this.damage.all();
      },
    });
    this.pieces.collectDamage(this.damageTable);
    // The mark of a lost move is drawn over everything; when it changes, the whole frame is drawn again.
    if (this.lostMove.draw(camera.zoom)) this.damage.all();
    if (store.completedAtMs() !== null && !this.celebrated) this.celebrate();
  }

  /** Marks the table under a canvas point for everyone (a mark off the table is refused, and said so). */
  private markAt(canvasX: number, canvasY: number): void {
    const world = screenToWorld(this.cameras.main, canvasX, canvasY);
    this.input_.chat.mark(world.x, world.y);
  }

  /** The marks drawn now, at their table spots (the test hook). */
  drawnMarks(): Array<{ from: string; kind: string; x: number; y: number }> {
    return this.marks.drawnMarks();
  }

  /** The last marks the table drew, where it drew them (the test hook). */
  drawnMarkHistory(): Array<{ from: string; kind: string; x: number; y: number }> {
    return this.marks.drawnHistory();
  }

  /**
   * Once a view is closer than the atlas levels cut so far, cuts the finer
   * ones a few ms a frame (the table keeps drawing from the coarser level
   * meanwhile), and draws everything again when a level it wants is ready.
   */
  private refineAtlas(zoom: number): void {
    const atlas = this.atlas;
    if (!atlas.finer) return;
    this.refining ||= wantedLevel(atlas, zoom) < levelFor(atlas, zoom);
    if (!this.refining) return;
    const drawnLevel = levelFor(atlas, zoom);
    cutFinerLevels(atlas, FINER_CUT_BUDGET_MS);
    if (levelFor(atlas, zoom) === drawnLevel) return;
    this.table.atlasRefined();
    this.damage.all();
  }

  /** The lost-move panel's highlight: where a lost move left a piece and where it is; null clears it. */
  showLostMove(mark: { expected: TablePoint | null; found: TablePoint | null } | null): void {
    this.lostMove.show(mark);
  }

  // ---- camera ----

  /** Canvas px per CSS px. */
  get pixelRatio(): number {
    return 1 / this.scale.zoom;
  }

  /** The zoom a player sees: CSS px per table px. */
  cssZoom(): number {
    return this.cameras.main.zoom / this.pixelRatio;
  }

  /** Shows the board and every piece as large as the play area allows. */
  fitToScreen(): void {
    const content = this.contentBounds();
    if (!content) return;
    const area = this.playArea(rectWidth(content) / rectHeight(content));
    const zoom = Math.min(rectWidth(area) / rectWidth(content), rectHeight(area) / rectHeight(content));
    this.showAt(zoom, (content.left + content.right) / 2, (content.top + content.bottom) / 2, area);
  }

  /**
   * The view a player opens on: everything fitted, unless that makes pieces
   * smaller than a fingertip on a touch screen; then the board at that size,
   * the rest a pan away.
   */
  firstView(): void {
    this.fitToScreen();
    const view = this.input_.store.view;
    if (!view || !window.matchMedia(FINGER_QUERY).matches) return;
    const spec = view.spec;
    const zoom = (MIN_FIRST_VIEW_PIECE_CSS_PX * this.pixelRatio) / spec.pieceWidth;
    if (this.cameras.main.zoom >= zoom) return;
    const board = boardRect(spec);
    this.showAt(zoom, board.x + board.width / 2, board.y + board.height / 2, this.playArea(board.width / board.height));
  }

  /**
   * Moves the camera so that table point (x, y) is in the middle of the play
   * area, at the current zoom (jump to a player: the players panel).
   */
  centerOnTable(x: number, y: number): void {
    this.showAt(this.cameras.main.zoom, x, y, this.playArea(this.cameras.main.width / this.cameras.main.height));
  }

  /** Zooms by `factor` around the middle of the play area. */
  zoomBy(factor: number): void {
    const area = this.playArea(this.cameras.main.width / this.cameras.main.height);
    this.zoomAt(factor, (area.left + area.right) / 2, (area.top + area.bottom) / 2);
  }

  /** Pans by a distance in CSS px. */
  panBy(dxCss: number, dyCss: number): void {
    this.panByCanvasPx(dxCss * this.pixelRatio, dyCss * this.pixelRatio);
  }

  /**
   * The largest part of the canvas (canvas px) clear of the HUD's boxes for
   * content of width/height `aspect`, less a margin.
   */
  private playArea(aspect: number): Rect {
    const camera = this.cameras.main;
    const margin = FIT_MARGIN_CSS_PX * this.pixelRatio;
    const area = largestClearRect({ left: 0, top: 0, right: camera.width, bottom: camera.height }, this.hudBoxesOnCanvas(), aspect, margin);
    return { left: area.left + margin, top: area.top + margin, right: Math.max(area.left + margin + 1, area.right - margin), bottom: Math.max(area.top + margin + 1, area.bottom - margin) };
  }

  /** The HUD's boxes in canvas px. */
  private hudBoxesOnCanvas(): Rect[] {
    const bounds = this.scale.canvasBounds;
    const ratio = this.pixelRatio;
    return this.input_.hudBoxes().map((box) => ({ left: (box.left - bounds.x) * ratio, top: (box.top - bounds.y) * ratio, right: (box.right - bounds.x) * ratio, bottom: (box.bottom - bounds.y) * ratio }));
  }

  /** The board and every piece as drawn now, with room for tabs and shadows (table px). */
  private contentBounds(): Rect | null {
    const view = this.input_.store.view;
    if (!view) return null;
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
    return { left: minX, top: minY, right: maxX, bottom: maxY };
  }

  /** Shows table point (x, y) in the middle of `area` (canvas px) at camera zoom `zoom`. */
  private showAt(zoom: number, x: number, y: number, area: Rect): void {
    const camera = this.cameras.main;
    const spec = this.input_.store.view!.spec;
    const clamped = Math.min(MAX_CSS_ZOOM * this.pixelRatio, zoom);
    this.minZoom = Math.min(clamped, camera.width / spec.tableWidth) * 0.5;
    const scroll = scrollKeeping(camera, x, y, (area.left + area.right) / 2, (area.top + area.bottom) / 2, clamped);
    camera.setZoom(clamped);
    camera.setScroll(scroll.scrollX, scroll.scrollY);
  }

  /** Zooms by `factor` keeping the table point under canvas point (screenX, screenY) in place. */
  private zoomAt(factor: number, screenX: number, screenY: number): void {
    const camera = this.cameras.main;
    const zoom = Math.min(MAX_CSS_ZOOM * this.pixelRatio, Math.max(this.minZoom, camera.zoom * factor));
    const world = screenToWorld(camera, screenX, screenY);
    const scroll = scrollKeeping(camera, world.x, world.y, screenX, screenY, zoom);
    camera.setZoom(zoom);
    camera.setScroll(scroll.scrollX, scroll.scrollY);
  }

  private panByCanvasPx(dx: number, dy: number): void {
    const camera = this.cameras.main;
    camera.setScroll(camera.scrollX - dx / camera.zoom, camera.scrollY - dy / camera.zoom);
  }

  setGhostVisible(visible: boolean): void {
    this.table.setGhostVisible(visible);
    this.damage.all();
  }

  ghostVisible(): boolean {
    return this.table.ghostVisible;
  }

  /** Where a table point is on the page (CSS px), for the test hook. */
  tableToPage(x: number, y: number): { x: number; y: number } {
    const screen = worldToScreen(this.cameras.main, x, y);
    const rect = this.game.canvas.getBoundingClientRect();
    return { x: rect.left + (screen.x * rect.width) / this.game.canvas.width, y: rect.top + (screen.y * rect.height) / this.game.canvas.height };
  }

  /** Where other players' name tags are drawn (page CSS px), for the test hook. */
  cursorTagsOnPage(): Array<{ playerId: string } & Rect> {
    return [...this.cursors.tags()].map(([playerId, tag]) => ({ playerId, ...this.canvasToPage(tag) }));
  }

  /** Where the marks shown now lie, ring and name (page CSS px), for the test hook. */
  markAreasOnPage(): Rect[] {
    return this.marks.occupied().map((area) => this.canvasToPage(area));
  }

  private canvasToPage(rect: Rect): Rect {
    const bounds = this.scale.canvasBounds;
    const ratio = this.pixelRatio;
    return { left: bounds.x + rect.left / ratio, top: bounds.y + rect.top / ratio, right: bounds.x + rect.right / ratio, bottom: bounds.y + rect.bottom / ratio };
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
    this.longPress.cancel();
    // Alt+click marks the table (a mark, not a drag).
    if ((pointer.event as MouseEvent | undefined)?.altKey && current.kind === "none") return this.markAt(pointer.x, pointer.y);
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
    if (pointer.wasTouch) this.longPress.start(pointer.id, pointer.x, pointer.y, this.pixelRatio, () => this.markAt(pointer.x, pointer.y));
  }

  private onPointerMove(pointer: Phaser.Input.Pointer): void {
    if (this.pointers.has(pointer.id)) this.pointers.set(pointer.id, { x: pointer.x, y: pointer.y });
    this.longPress.moved(pointer.id, pointer.x, pointer.y);
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
        this.panByCanvasPx(pointer.x - gesture.lastX, pointer.y - gesture.lastY);
        gesture.lastX = pointer.x;
        gesture.lastY = pointer.y;
        return;
      case "pinch": {
        const [a, b] = [...this.pointers.values()];
        if (!a || !b) return;
        const zoom = Math.min(MAX_CSS_ZOOM * this.pixelRatio, Math.max(this.minZoom, (gesture.startZoom * Math.hypot(a.x - b.x, a.y - b.y)) / gesture.startDistance));
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
    this.longPress.cancel();
    const gesture = this.gesture;
    if (gesture.kind === "drag" && gesture.twist?.pointerId === pointer.id) {
      const twist = gesture.twist;
      gesture.twist = null;
      if (!twist.turned && twist.moved < TAP_SLOP_PX * this.pixelRatio) this.input_.store.rotateHeld(1);
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
    this.fading = true;
    this.tweens.add({
      targets: this.finished,
      alpha: 1,
      duration: 1_200,
      ease: "Sine.easeInOut",
      onComplete: () => {
        this.fading = false;
        this.damage.all();
      },
    });
    const spec = this.input_.store.view!.spec;
    const camera = this.cameras.main;
    const board = boardRect(spec);
    const area = this.playArea(board.width / board.height);
    const zoom = Math.min(rectWidth(area) / board.width, rectHeight(area) / board.height) * 0.9;
    // The camera pans to the point that puts the board in the middle of the play area at the new zoom.
    const scroll = scrollKeeping({ scrollX: camera.scrollX, scrollY: camera.scrollY, zoom, width: camera.width, height: camera.height }, board.x + board.width / 2, board.y + board.height / 2, (area.left + area.right) / 2, (area.top + area.bottom) / 2, zoom);
    camera.pan(scroll.scrollX + camera.width / 2, scroll.scrollY + camera.height / 2, 1_200, "Sine.easeInOut");
    camera.zoomTo(zoom, 1_200, "Sine.easeInOut");
  }
}

/** The angle of the line from `from` to `to` on screen, in degrees. */
function degreesBetween(from: { x: number; y: number }, to: { x: number; y: number }): number {
  return (Math.atan2(to.y - from.y, to.x - from.x) * 180) / Math.PI;
}
