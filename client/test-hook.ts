/**
 * `window.__puzzle`: a small read-only window into the game for end-to-end tests
 * and benchmarks. Everything it returns is a copy; nothing in it changes the game.
 */
import { solvedPosition } from "../shared/puzzle-spec.ts";
import type { PuzzleStore } from "./store/puzzle-store.ts";
import type { PuzzleScene } from "./scenes/puzzle-scene.ts";
import type { ChatStore } from "./store/chat.ts";
import type { Rect } from "./views/play-area.ts";

export interface PuzzleHook {
  ready: boolean;
  room: string;
  mode(): string;
  myId(): string;
  status(): string;
  /** "player" or "watcher" (issue 11). */
  role(): string;
  /** How many play and watch, as the room last said. */
  audience(): { players: number; watchers: number } | null;
  rttMs(): number | null;
  fatal(): string | null;
  pieceCount(): number;
  /** Pieces as this player sees them: the room's state plus own unconfirmed actions. */
  pieces(): Array<{ id: number; x: number; y: number; group: number; locked: boolean; rotation: number }>;
  /** The room's state as last received, without local predictions. */
  confirmedPieces(): Array<{ id: number; x: number; y: number; group: number; locked: boolean; rotation: number }>;
  /** Whether pieces turn in this room. */
  rotation(): boolean;
  /** How far a piece is drawn turned now, in quarter turns clockwise (fractional while a turn eases in). */
  drawnRotation(id: number): number;
  groups(): Record<number, number[]>;
  holds(): Array<{ group: number; playerId: string; pieceId: number }>;
  players(): Array<{ id: string; name: string; color: string; connected: boolean; placed: number }>;
  cursors(): Array<{ playerId: string; x: number; y: number }>;
  progress(): { placed: number; total: number };
  completed(): boolean;
  lostMoves(): number;
  /** The latest lost moves with their details, as the lost-move panel lists them. */
  latestLost(): Array<{ kind: string; seq: number; pieceId: number }>;
  desyncedPieces(): number;
  pendingActions(): number;
  stats(): Record<string, number>;
  /** Page coordinates (CSS px) of a point on the table. */
  tableToPage(x: number, y: number): { x: number; y: number };
  /** Page coordinates of the centre of a piece's cell, where drawn now. */
  pieceScreenPosition(id: number): { x: number; y: number };
  /** Page coordinates where the centre of a piece's cell belongs on the board. */
  solvedScreenPosition(id: number): { x: number; y: number };
  /** The piece under a page point (CSS px), or -1. */
  pieceAtPage(x: number, y: number): number;
  /**
   * A page point on piece `id` that a pointer can really press: on the canvas
   * (not under the HUD) and on that piece (not under another), or null.
   */
  grabPoint(id: number): { x: number; y: number } | null;
  /** The zoom a player sees: CSS px per table px. */
  zoom(): number;
  /** The camera's scroll (table px) and zoom, to tell whether the view moved. */
  camera(): { scrollX: number; scrollY: number; zoom: number };
  /** The canvas: its backing store (px), its size on the page (CSS px) and canvas px per CSS px. */
  canvas(): { width: number; height: number; cssWidth: number; cssHeight: number; pixelRatio: number };
  /** The HUD's boxes on screen (page CSS px), as the table keeps clear of them. */
  hudBoxes(): Rect[];
  /** Other players' name tags on the page (CSS px). */
  cursorTags(): Array<{ playerId: string; left: number; top: number; right: number; bottom: number }>;
  /** Where the marks shown now lie, ring and name (page CSS px): other players' name tags keep clear of them. */
  markAreas(): Array<{ left: number; top: number; right: number; bottom: number }>;
  /** Draws the whole table in the next frame. Drawing only: frames otherwise draw only what changed, and must add up to the same picture. */
  redrawAll(): void;
  /** Whether sound is on, and the clicks and chimes started. */
  sound(): { enabled: boolean; clicks: number; chimes: number };
  /** The puzzle's picture: id and size from the spec, and a colour sample of what was loaded. */
  image(): { imageId: string; width: number; height: number };
  samplePicture(u: number, v: number): [number, number, number];
  /** The chat as this page holds it (issue 14): the lines shown (muted speakers' left out), the unread count, whether the panel is open. */
  chat(): { lines: Array<{ id: number; from: string; name: string; text: string; watcher: boolean }>; unread: number; open: boolean; refusal: string | null };
  /** Marks showing, at their table spots: as the store holds them, and as the table draws them. */
  marks(): Array<{ from: string; kind: string; x: number; y: number }>;
  drawnMarks(): Array<{ from: string; kind: string; x: number; y: number }>;
  /** The last marks received and the last drawn, faded or not (a loaded machine may look after a mark faded). */
  markHistory(): { received: Array<{ from: string; kind: string; x: number; y: number }>; drawn: Array<{ from: string; kind: string; x: number; y: number }> };
}

declare global {
  interface Window {
    __puzzle?: PuzzleHook;
  }
}

/** What the hook reads from the page around the store and the scene. */
export interface HookPage {
  hudBoxes(): readonly Rect[];
  sound(): { enabled: boolean; clicks: number; chimes: number };
  chat: ChatStore;
}

/**
 * Installs the hook. `linkStats` adds the connection's own counts (invalid
 * frames) to the store's in `stats()`.
 */
export function installTestHook(room: string, store: PuzzleStore, scene: () => PuzzleScene | null, linkStats: () => Record<string, number>, page: HookPage): void {
  const piecesOf = (state: PuzzleStore["view"]) =>
    state ? state.pieces.map((piece, id) => ({ id, x: piece.x, y: piece.y, group: piece.group, locked: piece.locked, rotation: piece.rotation })) : [];
  const sceneOrThrow = (): PuzzleScene => {
    const current = scene();
    if (!current) throw new Error("the table is not drawn yet");
    return current;
  };
  window.__puzzle = {
    get ready() {
      return store.view !== null && scene() !== null;
    },
    room,
    mode: () => store.mode,
    myId: () => store.myId,
    status: () => store.status,
    role: () => store.role,
    audience: () => (store.audience ? { ...store.audience } : null),
    rttMs: () => store.rttMs,
    fatal: () => store.notices.fatal,
    pieceCount: () => store.view?.pieces.length ?? 0,
    pieces: () => piecesOf(store.view),
    confirmedPieces: () => piecesOf(store.replica?.puzzle ?? null),
    rotation: () => store.rotation,
    drawnRotation: (id) => sceneOrThrow().drawnRotation(id),
    groups: () => {
      const groups: Record<number, number[]> = {};
      store.view?.pieces.forEach((piece, id) => (groups[piece.group] ??= []).push(id));
      return groups;
    },
    holds: () => (store.view ? [...store.view.holds].map(([group, hold]) => ({ group, playerId: hold.playerId, pieceId: hold.pieceId })) : []),
    players: () => store.players().map((player) => ({ ...player })),
    cursors: () => [...store.presence.cursors.values()].map((cursor) => ({ playerId: cursor.playerId, x: cursor.x, y: cursor.y })),
    progress: () => store.progress(),
    completed: () => store.completedAtMs() !== null,
    lostMoves: () => store.integrity.lostMoves,
    latestLost: () => store.integrity.latestLost.map((lost) => ({ kind: lost.kind, seq: lost.seq, pieceId: lost.pieceId })),
    desyncedPieces: () => store.integrity.desyncedPieces,
    pendingActions: () => store.pending.length,
    stats: () => ({ ...store.stats, ...linkStats() }),
    tableToPage: (x, y) => sceneOrThrow().tableToPage(x, y),
    pieceScreenPosition: (id) => {
      const spec = store.view!.spec;
      const drawn = sceneOrThrow().drawnPosition(id);
      return sceneOrThrow().tableToPage(drawn.x + spec.pieceWidth / 2, drawn.y + spec.pieceHeight / 2);
    },
    solvedScreenPosition: (id) => {
      const spec = store.view!.spec;
      const target = solvedPosition(spec, id);
      return sceneOrThrow().tableToPage(target.x + spec.pieceWidth / 2, target.y + spec.pieceHeight / 2);
    },
    pieceAtPage: (x, y) => sceneOrThrow().pieceAtPage(x, y),
    grabPoint: (id) => {
      const current = sceneOrThrow();
      const spec = store.view!.spec;
      const drawn = current.drawnPosition(id);
      const corner = current.tableToPage(drawn.x, drawn.y);
      const far = current.tableToPage(drawn.x + spec.pieceWidth, drawn.y + spec.pieceHeight);
      for (const fy of [0.5, 0.3, 0.7, 0.15, 0.85]) {
        for (const fx of [0.5, 0.3, 0.7, 0.15, 0.85]) {
          const x = corner.x + (far.x - corner.x) * fx;
          const y = corner.y + (far.y - corner.y) * fy;
          if (document.elementFromPoint(x, y) !== current.game.canvas) continue;
          if (current.pieceAtPage(x, y) === id) return { x, y };
        }
      }
      return null;
    },
    zoom: () => sceneOrThrow().cssZoom(),
    camera: () => {
      const camera = sceneOrThrow().cameras.main;
      return { scrollX: camera.scrollX, scrollY: camera.scrollY, zoom: camera.zoom };
    },
    canvas: () => {
      const current = sceneOrThrow();
      const canvas = current.game.canvas;
      const rect = canvas.getBoundingClientRect();
      return { width: canvas.width, height: canvas.height, cssWidth: rect.width, cssHeight: rect.height, pixelRatio: current.pixelRatio };
    },
    hudBoxes: () => page.hudBoxes().map((box) => ({ ...box })),
    redrawAll: () => sceneOrThrow().redrawAll(),
    cursorTags: () => sceneOrThrow().cursorTagsOnPage(),
    markAreas: () => sceneOrThrow().markAreasOnPage(),
    sound: () => page.sound(),
    image: () => {
      const spec = store.view!.spec;
      return { imageId: spec.imageId, width: spec.imageWidth, height: spec.imageHeight };
    },
    samplePicture: (u, v) => sceneOrThrow().samplePicture(u, v),
    chat: () => ({
      lines: page.chat.lines.map((line) => ({ id: line.id, from: line.from, name: line.name, text: line.text, watcher: line.watcher })),
      unread: page.chat.unread,
      open: page.chat.open,
      refusal: page.chat.lastRefusal,
    }),
    marks: () => page.chat.marks.map((mark) => ({ from: mark.from, kind: mark.kind, x: mark.x, y: mark.y })),
    drawnMarks: () => sceneOrThrow().drawnMarks(),
    markHistory: () => ({
      received: page.chat.markHistory.map((mark) => ({ from: mark.from, kind: mark.kind, x: mark.x, y: mark.y })),
      drawn: sceneOrThrow().drawnMarkHistory(),
    }),
  };
}
