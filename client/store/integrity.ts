/**
 * Checks this client's view against the authoritative state fetched over HTTP:
 * moves the room acknowledged that are no longer in the state (lost moves), and
 * pieces this client shows differently from the state (desync). In the stateful
 * mode both stay at zero; in the stateless mode the write race makes them grow.
 */
import type { Snapshot } from "../../shared/protocol.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";
import { SNAP_RADIUS_PX } from "../../shared/rules.ts";

/**
 * A drop may legitimately end up to one snap away from where it was aimed (a
 * neighbour placed meanwhile changes where it snaps); farther means it was undone.
 */
export const LOST_TOLERANCE_PX = 2 * SNAP_RADIUS_PX;

export interface AckedDrop {
  seq: number;
  pieceId: number;
  /** Where this client's copy of the rules put the piece when it dropped it. */
  x: number;
  y: number;
  ackedAtMs: number;
}

export interface IntegrityReport {
  lostMoves: number;
  desyncedPieces: number;
  /** Seqs of the drops found lost by this check. */
  newlyLost: number[];
}

export class IntegrityTracker {
  lostMoves = 0;
  desyncedPieces = 0;
  private readonly drops = new Map<number, AckedDrop>();
  /** Per piece, the mismatch the previous check saw; a desync is one that persists. */
  private previousMismatch = new Map<number, string>();

  recordAckedDrop(drop: AckedDrop): void {
    this.drops.set(drop.pieceId, drop);
  }

  /** Someone (this player or another) took hold of these pieces: older drops no longer bind them. */
  supersede(pieceIds: Iterable<number>): void {
    for (const id of pieceIds) this.drops.delete(id);
  }

  /**
   * The room itself showed that an acknowledged action is gone: it rejected a
   * move of a piece this client's acked grab still held (lease not yet over).
   */
  recordLost(): void {
    this.lostMoves++;
  }

  /** Drops acknowledged and not yet superseded, for the test hook. */
  pendingChecks(): number {
    return this.drops.size;
  }

  /**
   * Compares the authoritative snapshot with the local replica. `busy` are pieces
   * whose difference is expected (held or with actions in flight); drops acked
   * after `fetchStartedAtMs` are judged by a later check.
   */
  check(authority: Snapshot, local: PuzzleState, busy: ReadonlySet<number>, fetchStartedAtMs: number): IntegrityReport {
    const newlyLost: number[] = [];
    const heldByAuthority = new Set<number>();
    for (const [group, playerId] of authority.holds) if (playerId !== null) heldByAuthority.add(group);

    for (const [pieceId, drop] of this.drops) {
      if (drop.ackedAtMs >= fetchStartedAtMs) continue;
      const stored = authority.pieces[pieceId];
      if (!stored) continue;
      if (heldByAuthority.has(stored[2])) {
        this.drops.delete(pieceId);
        continue;
      }
      if (Math.hypot(stored[0] - drop.x, stored[1] - drop.y) > LOST_TOLERANCE_PX) {
        this.lostMoves++;
        newlyLost.push(drop.seq);
        this.drops.delete(pieceId);
      }
    }

    const mismatch = new Map<number, string>();
    let desynced = 0;
    authority.pieces.forEach(([x, y, group, locked], id) => {
      const piece = local.pieces[id];
      if (!piece || busy.has(id) || heldByAuthority.has(group)) return;
      if (piece.x === x && piece.y === y && piece.group === group && (piece.locked ? 1 : 0) === locked) return;
      const key = `${x},${y},${group},${locked}|${piece.x},${piece.y},${piece.group},${piece.locked}`;
      mismatch.set(id, key);
      if (this.previousMismatch.get(id) === key) desynced++;
    });
    this.previousMismatch = mismatch;
    this.desyncedPieces = desynced;
    return { lostMoves: this.lostMoves, desyncedPieces: desynced, newlyLost };
  }
}
