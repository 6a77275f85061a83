/**
 * Lost moves and desync, judged from what the room said. A lost move is an
 * action the room acknowledged whose effect the authoritative state (fetched
 * over HTTP every 2 s) no longer shows, although nothing the room said since
 * explains the difference: a drop whose piece the state shows elsewhere than
 * the room's frame with the ack put it, with no later change of that piece
 * told; or a grab the room forgets while its lease is certainly still running
 * (a move or drop sent after its ack refused). Desync is a piece this client shows differently from
 * the state (turns included), twice in a row. In the stateful mode both stay at zero, whatever
 * the timing; in the naive stateless mode the write race makes them grow.
 *
 * The load scripts judge lost moves once, at the end, over every player's
 * actions (testkit/lost-moves.ts); docs/load-scripts.md says how the two differ.
 */
import type { Mode, Snapshot } from "../../shared/protocol.ts";
import type { PieceState, PuzzleState } from "../../shared/puzzle-state.ts";
import { GRAB_LEASE_MS, SNAP_RADIUS_PX } from "../../shared/rules.ts";

/**
 * A stored piece this close to where the room said a drop left it still shows
 * the drop (a snap in a frame this client missed moves it at most this far).
 */
export const LOST_TOLERANCE_PX = 2 * SNAP_RADIUS_PX;

interface AckedDrop {
  seq: number;
  pieceId: number;
  /** The version the ack carried: later changes of the piece come with higher versions (or later frames, in the naive mode). */
  version: number;
  /** Where the room's frame carrying the ack left the piece. */
  x: number;
  y: number;
  ackedAtMs: number;
  /** When a check first found the piece away from where the drop left it (see check). */
  suspectSinceMs?: number;
}

/** How many of the latest lost moves are kept with their details, for the lost-move panel. */
export const RECENT_LOST_MOVES = 8;

/** One acknowledged action of this player found lost, with what the check saw. */
export interface LostMove {
  /** A drop the state no longer shows, or a grab the room forgot while its lease ran. */
  kind: "drop" | "grab";
  /** The lost action's seq: the store's evidence names it (StoreTrace.seq). */
  seq: number;
  pieceId: number;
  /** The version its ack carried. */
  ackVersion: number;
  ackedAtMs: number;
  /** When the check (or the refusal) that found it ran. */
  judgedAtMs: number;
  /** A drop: where the room's frame with its ack left the piece, and where the state has it. */
  expected: { x: number; y: number } | null;
  found: { x: number; y: number } | null;
}

/**
 * One of this player's acknowledged holds (see IntegrityTracker.holds). `laterGrabs`:
 * this player's grabs of other pieces sent after it, still unanswered, where commits need
 * not follow the send order; any of them may commit first and end the hold (a player
 * holds one group at a time), and `endedByOwnGrab` once one's ack says it did. A refusal
 * that would count waits for them in `refusedAtMs`.
 */
interface AckedHold {
  grabSeq: number;
  grabVersion: number;
  grabAckedAtMs: number;
  renewedAtMs: number;
  judged: boolean;
  dropSent: boolean;
  laterGrabs: Set<number>;
  endedByOwnGrab: boolean;
  refusedAtMs: number | null;
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
  /**
   * This player's acknowledged holds, by the piece grabbed: when the last
   * acknowledged action on the hold (its grab or a move) was sent. The room
   * renewed the lease no earlier than that, so it runs at least GRAB_LEASE_MS
   * from then. `dropSent` once this player has sent the drop that ends it.
   */
  private readonly holds = new Map<number, AckedHold>();
  /** This player's grabs not answered yet: seq to the piece grabbed. */
  private readonly grabsInFlight = new Map<number, number>();
  private readonly recent: LostMove[] = [];
  /** Pieces whose latest grab was sent while this player's drop of the group was unanswered. */
  private readonly tangledGrabs = new Set<number>();
  /** Versions come in commit order (the stateful room, stateless-occ); the naive mode has none. */
  private ordered = true;
  /** The room commits one player's actions in the order sent (the stateful room); the hubs' concurrent functions do not. */
  private inSendOrder = true;
  /** The highest version this client has heard of: the state it has seen is at least that recent. */
  private seenVersion = 0;

  /** Acknowledged moves found missing, by either check. */
  get lostMoves(): number {
    return this.lost;
  }

  /** Pieces the last check found shown differently from the state, twice in a row. */
  get desyncedPieces(): number {
    return this.desynced;
  }

  /** The latest lost moves, oldest first (at most RECENT_LOST_MOVES). */
  get latestLost(): readonly LostMove[] {
    return this.recent;
  }

  /** Pending drops still to be judged, for the test hook. */
  pendingChecks(): number {
    return this.drops.size;
  }

  /**
   * A welcome replaces everything: what happened while away was never told as
   * changes, so nothing from before can be judged against the state any more.
   */
  welcomed(mode: Mode, version: number): void {
    this.ordered = mode !== "stateless";
    this.inSendOrder = mode === "stateful";
    this.seenVersion = version;
    this.drops.clear();
    this.holds.clear();
    this.grabsInFlight.clear();
    this.previousMismatch.clear();
  }

  /** A frame at `version` arrived. */
  heard(version: number): void {
    this.seenVersion = Math.max(this.seenVersion, version);
  }

  /**
   * A new grab starts a new hold; an older one of the piece says nothing about it.
   * `tangled`: this player's drop of the group was still unanswered, so the hold may
   * end by that drop, committed after the grab (stateless hubs); its refusals prove nothing.
   */
  grabSent(seq: number, pieceId: number, tangled = false): void {
    this.holds.delete(pieceId);
    if (tangled) this.tangledGrabs.add(pieceId);
    else this.tangledGrabs.delete(pieceId);
    if (this.inSendOrder) return;
    this.grabsInFlight.set(seq, pieceId);
    for (const [heldPiece, hold] of this.holds) if (heldPiece !== pieceId && !hold.judged) hold.laterGrabs.add(seq);
  }

  /**
   * The room answered this player's grab `seq`: `released` are the pieces whose
   * holds its commit ended (its ack's frame tells them; nothing for a refusal).
   * A hold it ended was ended by this player's own hand: a refusal in it proves
   * nothing. Returns how many lost grabs a refusal waiting for it now counts.
   */
  grabAnswered(seq: number, released: ReadonlySet<number>): number {
    if (!this.grabsInFlight.delete(seq)) return 0;
    let counted = 0;
    for (const [pieceId, hold] of this.holds) {
      if (!hold.laterGrabs.delete(seq)) continue;
      if (released.has(pieceId)) hold.endedByOwnGrab = true;
      if (hold.refusedAtMs !== null && hold.laterGrabs.size === 0 && this.judgeRefusal(pieceId, hold, hold.refusedAtMs)) counted++;
    }
    return counted;
  }

  /**
   * The room acknowledged (at `version`, seen at `ackedAtMs`) a grab or a move of
   * the held piece `pieceId` sent at `sentAtMs`: its lease runs from then at least.
   */
  holdRenewed(seq: number, pieceId: number, sentAtMs: number, isGrab: boolean, version: number, ackedAtMs: number): void {
    const hold = this.holds.get(pieceId);
    if (hold) hold.renewedAtMs = Math.max(hold.renewedAtMs, sentAtMs);
    else if (isGrab) {
      // Grabs of other pieces sent after this one and still unanswered may commit before it ends.
      const laterGrabs = new Set([...this.grabsInFlight].filter(([grabSeq, grabbed]) => grabSeq > seq && grabbed !== pieceId).map(([grabSeq]) => grabSeq));
      this.holds.set(pieceId, { grabSeq: seq, grabVersion: version, grabAckedAtMs: ackedAtMs, renewedAtMs: sentAtMs, judged: this.tangledGrabs.delete(pieceId), dropSent: false, laterGrabs, endedByOwnGrab: false, refusedAtMs: null });
    }
  }

  /** This player sent the drop of its hold of `pieceId`: from now on the hold may end by its own hand. */
  dropSent(pieceId: number): void {
    const hold = this.holds.get(pieceId);
    if (hold) hold.dropSent = true;
  }

  /** The room acknowledged a drop; `piece` is where its frame left the piece. The drop also ends the hold. */
  dropAcked(seq: number, pieceId: number, version: number, piece: PieceState, ackedAtMs: number): void {
    this.holds.delete(pieceId);
    this.drops.set(pieceId, { seq, pieceId, version, x: piece.x, y: piece.y, ackedAtMs });
  }

  /**
   * The room refused a move or drop of `pieceId` (sent at `refused.sentAtMs`)
   * at `answeredAtMs` because this player holds nothing there. If the hold's
   * lease cannot have run out by then, the room lost the grab: counted once
   * per hold. True when counted.
   *
   * Only a refusal that must have been judged after the grab and before the
   * drop says so. The stateless hubs run one player's actions in concurrent
   * functions, and with compare-and-set their commits follow whichever retry
   * wins, not the send order: a move sent before the grab's ack may be read
   * before the grab committed, and a move sent before the drop may commit
   * after it, both refused "not-holding" with nothing lost (issue 13's
   * stateless-occ count). An action sent after this client saw the grab's ack
   * ran after the grab committed; a drop sent means the hold may have ended by
   * this player's own hand, so from then only the drop's own refusal counts.
   * So may a grab of another piece this player sent later (a player holds one
   * group at a time), if it committed first: the drop's refusal then waits for
   * that grab's answer (grabAnswered) and counts only if its commit did not end
   * the hold (issue 13's last stateless-occ count).
   */
  refusedWhileHeld(pieceId: number, answeredAtMs: number, refused: { type: "move" | "drop" | "rotate"; sentAtMs: number }): boolean {
    const hold = this.holds.get(pieceId);
    if (!hold || hold.judged || answeredAtMs - hold.renewedAtMs >= GRAB_LEASE_MS) return false;
    if (refused.sentAtMs < hold.grabAckedAtMs || (hold.dropSent && refused.type !== "drop")) return false;
    if (hold.laterGrabs.size > 0) {
      hold.refusedAtMs ??= answeredAtMs;
      return false;
    }
    return this.judgeRefusal(pieceId, hold, answeredAtMs);
  }

  /** The room told a change of these pieces in a frame at `version`: drops acknowledged before it no longer bind them. */
  changed(pieceIds: Iterable<number>, version: number): void {
    for (const id of pieceIds) {
      const drop = this.drops.get(id);
      if (drop && (!this.ordered || version > drop.version)) this.drops.delete(id);
    }
  }

  /** Someone (this player or another) took hold of these pieces: older drops no longer bind them. */
  supersede(pieceIds: Iterable<number>): void {
    for (const id of pieceIds) this.drops.delete(id);
  }

  /**
   * Compares the authoritative snapshot, fetched from `fetchStartedAtMs`, with
   * the local replica. `busy` are pieces whose difference is expected (held, or
   * with actions in flight). A drop is judged against a snapshot read after its
   * ack, and, where versions are ordered, once this client has heard of every
   * change the snapshot holds. A drop the snapshot shows stays watched: a later
   * write may still erase it.
   */
  check(authority: Snapshot, local: PuzzleState, busy: ReadonlySet<number>, fetchStartedAtMs: number): IntegrityReport {
    const newlyLost: number[] = [];
    const heldByAuthority = new Set<number>();
    for (const [group, playerId] of authority.holds) if (playerId !== null) heldByAuthority.add(group);

    const caughtUp = !this.ordered || authority.version <= this.seenVersion;
    for (const [pieceId, drop] of this.drops) {
      const stored = authority.pieces[pieceId];
      if (!stored || !caughtUp || drop.ackedAtMs >= fetchStartedAtMs) continue;
      if (heldByAuthority.has(stored[2])) {
        this.drops.delete(pieceId);
        continue;
      }
      if (Math.hypot(stored[0] - drop.x, stored[1] - drop.y) > LOST_TOLERANCE_PX) {
        // Found away once, it is a suspect; it is lost if a later read still finds it
        // there with no change told meanwhile. The store can show a commit before its
        // hub's frame telling it reaches this client (frames of concurrent functions
        // arrive in any order), and that frame, once here, ends the watch (changed()).
        if (drop.suspectSinceMs === undefined || fetchStartedAtMs <= drop.suspectSinceMs) {
          drop.suspectSinceMs ??= fetchStartedAtMs;
          continue;
        }
        this.lost++;
        newlyLost.push(drop.seq);
        this.drops.delete(pieceId);
        this.remember({
          kind: "drop",
          seq: drop.seq,
          pieceId,
          ackVersion: drop.version,
          ackedAtMs: drop.ackedAtMs,
          judgedAtMs: fetchStartedAtMs,
          expected: { x: drop.x, y: drop.y },
          found: { x: stored[0], y: stored[1] },
        });
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

  /** A refusal in `hold` found at `answeredAtMs`, all it waited for answered: a lost grab unless this player's own grab ended the hold. */
  private judgeRefusal(pieceId: number, hold: AckedHold, answeredAtMs: number): boolean {
    hold.judged = true;
    if (hold.endedByOwnGrab) return false;
    this.lost++;
    this.remember({ kind: "grab", seq: hold.grabSeq, pieceId, ackVersion: hold.grabVersion, ackedAtMs: hold.grabAckedAtMs, judgedAtMs: answeredAtMs, expected: null, found: null });
    return true;
  }

  private remember(lost: LostMove): void {
    this.recent.push(lost);
    if (this.recent.length > RECENT_LOST_MOVES) this.recent.shift();
  }
}
