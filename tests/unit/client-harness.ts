/**
 * What the client-store tests share: a RoomLink the test delivers frames and
 * link states through by hand, a ManualClock, the store, the views' drawn
 * positions fed as the scene would, and a puzzle the test plays the room with.
 */
import { PuzzleStore } from "../../client/store/puzzle-store.ts";
import { ManualClock } from "../../client/store/clock.ts";
import { RoomLinkListeners, type LinkState, type LinkStatus } from "../../client/store/room-link.ts";
import { DrawnPositions } from "../../client/views/drawn-positions.ts";
import { createPuzzle, type PuzzleState } from "../../shared/puzzle-state.ts";
import { PROTOCOL_VERSION, type BatchEvent, type ClientMessage, type Mode, type Player, type ServerMessage, type Snapshot } from "../../shared/protocol.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { wirePiece, wirePieceChange } from "../../shared/replica.ts";

export const ME = "me";
export const OTHER = "other";
export const players: Player[] = [
  { id: ME, name: "Me", color: "#e6194b", connected: true, placed: 0 },
  { id: OTHER, name: "Bea", color: "#3cb44b", connected: true, placed: 0 },
];

/** A link whose frames and states come when the test says. */
export class ScriptedLink extends RoomLinkListeners {
  readonly sent: ClientMessage[] = [];

  send(message: ClientMessage): void {
    this.sent.push(message);
  }

  deliver(message: ServerMessage): void {
    this.emitFrame(message);
  }

  setState(state: LinkState, extra: Partial<Omit<LinkStatus, "state">> = {}): void {
    this.emitStatus({ state, rttMs: null, refusal: null, ...extra });
  }
}

export function snapshotOf(state: PuzzleState): Snapshot {
  return {
    spec: state.spec,
    pieces: state.pieces.map(wirePiece),
    holds: [...state.holds].map(([group, hold]) => [group, hold.playerId, hold.pieceId]),
    players,
    version: state.version,
    completedAtMs: state.completedAtMs,
    startedAtMs: 0,
  };
}

export function setup(pieceCount = 12, mode: Mode = "stateful", options: Partial<PuzzleOptions> = {}) {
  const server = createPuzzle({ imageId: "test", imageWidth: 800, imageHeight: 600, pieceCount, seed: 99, ...options });
  const link = new ScriptedLink();
  const clock = new ManualClock(1_000);
  const store = new PuzzleStore(link, clock);
  const welcome = () => link.deliver({ type: "welcome", protocol: PROTOCOL_VERSION, mode, playerId: ME, token: "t", snapshot: snapshotOf(server) });
  welcome();
  link.setState("open");
  const drawn = new DrawnPositions(store);
  /** Advances time in frames of at most 16 ms, as the scene's loop would. */
  const advance = (ms: number) => {
    for (let left = ms; left > 0; left -= 16) {
      clock.advance(Math.min(16, left));
      drawn.frame(clock.now(), new Set());
    }
  };
  /** Where a piece is drawn once the scene has taken what the store reports (no time passes). */
  const drawnX = (id: number) => {
    drawn.sync();
    return drawn.smoothing.x[id]!;
  };
  /** A point `distance` px from the piece towards the table's centre, so the rules never clamp it. */
  const inward = (id: number, distance: number) => {
    const piece = store.view!.pieces[id]!;
    const spec = store.view!.spec;
    return { x: piece.x + Math.sign(spec.tableWidth / 2 - piece.x) * distance, y: piece.y };
  };
  /** What the room would send after applying `events` to its own state. */
  const batch = (events: BatchEvent[], version = server.version) => link.deliver({ type: "batch", version, events });
  const piecesEvent = (ids: number[]): BatchEvent => ({
    type: "pieces",
    pieces: ids.map((id) => wirePieceChange(server, id)),
  });
  const actions = () => link.sent.filter((message) => message.type === "grab" || message.type === "move" || message.type === "drop" || message.type === "rotate");
  return { server, link, clock, store, drawn, sent: link.sent, actions, advance, drawnX, inward, batch, piecesEvent, welcome, now: () => clock.now() };
}
