/**
 * The wire form of the puzzle, both ways: the encoders every backend writes
 * pieces and holds with, and a replica built from a welcome snapshot and kept
 * current by batch events. Rooms, stores, the browser and the simulated players
 * all go through here, so none can read or write the wire differently.
 */
import * as v from "valibot";
import { SnapshotSchema, type BatchEvent, type Player, type Snapshot, type WireHold, type WirePiece, type WirePieceChange, type WireSnapshot } from "./protocol.ts";
import { puzzleState, setPiece, type PieceState, type PuzzleState } from "./puzzle-state.ts";
import { packPieces } from "./packed-pieces.ts";

/** A piece as snapshots and storage carry it; its rotation only when it is turned. */
export function wirePiece(piece: PieceState): WirePiece {
  const locked = piece.locked ? 1 : 0;
  return piece.rotation === 0 ? [piece.x, piece.y, piece.group, locked] : [piece.x, piece.y, piece.group, locked, piece.rotation];
}

export function pieceFromWire([x, y, group, locked, rotation = 0]: WirePiece): PieceState {
  return { x, y, group, locked: locked === 1, rotation };
}

/** A changed piece as batch frames carry it; its rotation only when it is turned. */
export function wirePieceChange(state: PuzzleState, id: number): WirePieceChange {
  const piece = state.pieces[id]!;
  const locked = piece.locked ? 1 : 0;
  return piece.rotation === 0 ? [id, piece.x, piece.y, piece.group, locked] : [id, piece.x, piece.y, piece.group, locked, piece.rotation];
}

/** A hold, or its release, as the wire carries it. */
export function wireHold(state: PuzzleState, group: number): WireHold {
  const hold = state.holds.get(group);
  return hold ? [group, hold.playerId, hold.pieceId] : [group, null, -1];
}

/** The snapshot a joiner gets, as it is sent: `fields` with the pieces of `state` packed (shared/packed-pieces.ts). */
export function wireSnapshot(state: PuzzleState, fields: Omit<WireSnapshot, "spec" | "pieces">): WireSnapshot {
  return { spec: state.spec, pieces: packPieces(state.spec, state.pieces), ...fields };
}

/** A sent snapshot as a joiner parses it, its pieces unpacked; throws on one SnapshotSchema refuses. */
export function snapshotFromWire(wire: WireSnapshot): Snapshot {
  return v.parse(SnapshotSchema, wire);
}

export interface Replica {
  puzzle: PuzzleState;
  players: Map<string, Player>;
  startedAtMs: number;
}

export function replicaFromSnapshot(snapshot: Snapshot): Replica {
  const puzzle = puzzleState({
    spec: snapshot.spec,
    pieces: snapshot.pieces.map(pieceFromWire),
    holds: new Map(),
    placedBy: new Map(snapshot.players.filter((player) => player.placed > 0).map((player) => [player.id, player.placed])),
    version: snapshot.version,
    completedAtMs: snapshot.completedAtMs,
  });
  for (const [group, playerId, pieceId] of snapshot.holds) {
    // Leases are the room's business; a replica only shows who holds what.
    if (playerId !== null) puzzle.holds.set(group, { playerId, pieceId, expiresAtMs: Number.POSITIVE_INFINITY });
  }
  return { puzzle, players: new Map(snapshot.players.map((player) => [player.id, player])), startedAtMs: snapshot.startedAtMs };
}

/**
 * Applies one event of a batch to the replica. Acks, rejects, cursors, the
 * audience and a seat are for the caller to interpret; they leave the replica as it is.
 */
export function applyBatchEvent(replica: Replica, event: BatchEvent): void {
  const { puzzle } = replica;
  switch (event.type) {
    case "pieces":
      for (const [id, x, y, group, locked, rotation = 0] of event.pieces) setPiece(puzzle, id, x, y, group, locked === 1, rotation);
      return;
    case "holds":
      for (const [group, playerId, pieceId] of event.holds) {
        if (playerId === null) puzzle.holds.delete(group);
        else puzzle.holds.set(group, { playerId, pieceId, expiresAtMs: Number.POSITIVE_INFINITY });
      }
      return;
    case "player-joined":
      replica.players.set(event.player.id, { ...event.player, connected: true });
      return;
    case "player-left": {
      const player = replica.players.get(event.playerId);
      if (player) player.connected = false;
      return;
    }
    case "placed": {
      puzzle.placedBy.set(event.playerId, event.placed);
      const player = replica.players.get(event.playerId);
      if (player) player.placed = event.placed;
      return;
    }
    case "complete":
      puzzle.completedAtMs = event.completedAtMs;
      return;
    case "ack":
    case "reject":
    case "cursors":
    case "audience":
    case "seated":
    case "chat":
    case "chat-history":
    case "mark":
    case "chat-refused":
    // The host's controls change nothing of the puzzle: the client's store keeps them.
    case "room-controls":
    case "kicked":
    case "host-passed":
      return;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** Applies a whole batch frame and takes its version. */
export function applyBatch(replica: Replica, batch: { version: number; events: BatchEvent[] }): void {
  for (const event of batch.events) applyBatchEvent(replica, event);
  replica.puzzle.version = batch.version;
}
