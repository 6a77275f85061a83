/**
 * Lost moves and desync. Against the authoritative state fetched over HTTP:
 * moves the room acknowledged that are no longer in the state (lost moves), and
 * pieces this client shows differently from the state, turns included (desync). Against the
 * room's own answers: a move refused for want of a hold this client's grab was
 * acknowledged for, within its lease (a forgotten grab). In the stateful mode
 * both counts stay at zero; in the stateless mode the write race makes them grow.
 */
import type { Snapshot } from "../../shared/protocol.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";
import { GRAB_LEASE_MS, SNAP_RADIUS_PX } from "../../shared/rules.ts";
import { LEASE_RENEW_INTERVAL_MS } from "./drag-intent.ts";

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
  private lost = 0;
  private desynced = 0;
  private readonly drops = new Map<number, AckedDrop>();
  /** Per piece, the mismatch the previous check saw; a desync is one that persists. */
  private previousMismatch = new Map<number, string>();
  /** This player's acked grabs by piece, to notice when the room has forgotten one. */
  private readonly ackedGrabs = new Map<number, { ackedAtMs: number; judged: boolean }>();

  /** Acknowledged moves found missing, by either check. */
  get lostMoves(): number {
    return this.lost;
  }

  /** Pieces the last check found shown differently from the state, twice in a row. */
  get desyncedPieces(): number {
    return this.desynced;
  }

  /** A new grab starts a new hold; an older acked grab of the piece says nothing about it. */
  grabSent(pieceId: number): void {
    this.ackedGrabs.delete(pieceId);
  }

  grabAcked(pieceId: number, ackedAtMs: number): void {
    this.ackedGrabs.set(pieceId, { ackedAtMs, judged: false });
  }

  /**
   * A drop ends the hold its grab took. Where the local rules landed it is what
   * later checks look for; a drop they could not apply has no landing to check.
   */
  dropAcked(seq: number, pieceId: number, landedAt: { x: number; y: number } | undefined, ackedAtMs: number): void {
    this.ackedGrabs.delete(pieceId);
    if (landedAt) this.drops.set(pieceId, { seq, pieceId, x: landedAt.x, y: landedAt.y, ackedAtMs });
  }

  /**
   * The room refused a move or drop sent at `sentAtMs` because this player holds
   * nothing there. Within its lease an acked grab cannot lapse (drags renew it),
   * so the room lost that grab: counted once per grab. Returns true when counted.
   */
  refusedWhileHeld(pieceId: number, sentAtMs: number): boolean {
    const grabbed = this.ackedGrabs.get(pieceId);
    if (!grabbed || grabbed.judged || sentAtMs - grabbed.ackedAtMs >= GRAB_LEASE_MS - LEASE_RENEW_INTERVAL_MS) return false;
    grabbed.judged = true;
    this.lost++;
    return true;
  }

  /** Someone (this player or another) took hold of these pieces: older drops no longer bind them. */
  supersede(pieceIds: Iterable<number>): void {
    for (const id of pieceIds) this.drops.delete(id);
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
        this.lost++;
        newlyLost.push(drop.seq);
        this.drops.delete(pieceId);
      }
    }

    const mismatch = new Map<number, string>();
    let desynced = 0;
    authority.pieces.forEach(([x, y, group, locked, rotation = 0], id) => {
      const piece = local.pieces[id];
      if (!piece || busy.has(id) || heldByAuthority.has(group)) return;
      if (piece.x === x && piece.y === y && piece.group === group && (piece.locked ? 1 : 0) === locked && piece.rotation === rotation) return;
      const key = `${x},${y},${group},${locked},${rotation}|${piece.x},${piece.y},${piece.group},${piece.locked},${piece.rotation}`;
      mismatch.set(id, key);
      if (this.previousMismatch.get(id) === key) desynced++;
    });
    this.previousMismatch = mismatch;
    this.desynced = desynced;
    return { lostMoves: this.lost, desyncedPieces: desynced, newlyLost };
  }
}
