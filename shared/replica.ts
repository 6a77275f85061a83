/**
 * A replica of a room's puzzle, built from a welcome snapshot and kept current by
 * batch events. The browser store and the simulated players both use it, so the
 * two can never read the wire differently.
 */
import type { BatchEvent, Player, Snapshot } from "./protocol.ts";
import type { PuzzleState } from "./puzzle-state.ts";

export interface Replica {
  puzzle: PuzzleState;
  players: Map<string, Player>;
  startedAtMs: number;
}

export function replicaFromSnapshot(snapshot: Snapshot): Replica {
  const puzzle: PuzzleState = {
    spec: snapshot.spec,
    pieces: snapshot.pieces.map(([x, y, group, locked]) => ({ x, y, group, locked: locked === 1 })),
    holds: new Map(),
    placedBy: new Map(snapshot.players.filter((player) => player.placed > 0).map((player) => [player.id, player.placed])),
    version: snapshot.version,
    completedAtMs: snapshot.completedAtMs,
  };
  for (const [group, playerId, pieceId] of snapshot.holds) {
    // Leases are the room's business; a replica only shows who holds what.
    if (playerId !== null) puzzle.holds.set(group, { playerId, pieceId, expiresAtMs: Number.POSITIVE_INFINITY });
  }
  return { puzzle, players: new Map(snapshot.players.map((player) => [player.id, player])), startedAtMs: snapshot.startedAtMs };
}

/**
 * Applies one event of a batch to the replica. Acks, rejects and cursors are for
 * the caller to interpret; they leave the replica as it is.
 */
export function applyBatchEvent(replica: Replica, event: BatchEvent): void {
  const { puzzle } = replica;
  switch (event.type) {
    case "pieces":
      for (const [id, x, y, group, locked] of event.pieces) {
        const piece = puzzle.pieces[id];
        if (!piece) continue;
        piece.x = x;
        piece.y = y;
        piece.group = group;
        piece.locked = locked === 1;
      }
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
