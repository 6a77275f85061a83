/**
 * Lost-move judgement: an acknowledged move is lost when the final authoritative
 * (or stored) state does not show it. Every piece some acknowledged move, drop
 * or rotate moved is judged against the last such action, whether that action
 * named the piece or another piece of its group (each carries the whole group).
 * A move or drop is judged by where it put the piece (and, when its sender can
 * tell, by the rotation it left the group at); a rotate by the rotation alone,
 * since it names no position.
 */
import { pieceCountOf, type PuzzleSpec } from "../shared/puzzle-spec.ts";
import { placedPosition, showsPlacement, snapsSince, type Point } from "../shared/placement-check.ts";
import type { Rotation } from "../shared/rotation.ts";
import type { WirePiece } from "../shared/protocol.ts";

/** What an acknowledged action did, by its type. */
export type PlacementAction =
  | {
      type: "move" | "drop";
      /** Where the action asked to put the piece's cell. */
      x: number;
      y: number;
      /** The group's quarter turns when the action applied, when the sender can tell (see judge.ts); else the final state's are taken. */
      rotation?: Rotation;
    }
  | { type: "rotate"; rotation: Rotation };

/** A move, drop or rotate some client sent and the server acknowledged. */
export type AcknowledgedPlacement = PlacementAction & {
  pieceId: number;
  /** Version the ack carried. */
  version: number;
  /** When the sender saw the ack, on the load generator's clock. */
  ackedAtMs: number;
  clientId: string;
  /**
   * The pieces of `pieceId`'s group that the action moved with it, as seen by
   * actedGroup() (acted-group.ts); absent means the piece alone.
   */
  group?: readonly number[];
};

/** A piece of the final state as a snapshot has it: [x, y, group, locked], and its rotation when turned. */
export type FinalPiece = Readonly<WirePiece>;

/** The final state as far as the judgement reads it (a snapshot is one). */
export interface FinalState {
  spec: PuzzleSpec;
  pieces: readonly FinalPiece[];
}

/**
 * How to tell which acknowledged action came last. `version` is right where the
 * server commits in one order (stateful, optimistic concurrency); the naive
 * stateless mode has no such order, so only the ack arrival order is left.
 */
export type AckOrder = "version" | "ack-time";

/** A piece whose last acknowledged movement the final state does not show. */
export interface LostPiece {
  pieceId: number;
  /** Where that movement put it (for a rotate, which names no place, where it is found). */
  expected: Point;
  found: Point;
  by: string;
  /** Present when the rotation is what the final state lost. */
  rotation?: { expected: Rotation; found: Rotation };
}

export interface LostMoveVerdict {
  /** Pieces moved by at least one acknowledged move, drop or rotate (their own or their group's). */
  judged: number;
  /** Pieces whose last acknowledged movement is not in the final state. */
  lost: number;
  lostPieces: LostPiece[];
}

function isLater(candidate: AcknowledgedPlacement, current: AcknowledgedPlacement, order: AckOrder): boolean {
  if (order === "version" && candidate.version !== current.version) return candidate.version > current.version;
  return candidate.ackedAtMs > current.ackedAtMs;
}

interface Movement {
  placement: AcknowledgedPlacement;
  /** The pieces it moved together, all still in one group at the end. */
  moved: readonly number[];
}

/**
 * Judges every piece an acknowledged action moved, against the last of them:
 * the piece must be where that action put it, or moved since by no more than
 * the snaps its group went through (shared/placement-check.ts: SNAP_RADIUS_PX
 * for every piece the group gained after the action and once onto the board),
 * and turned as that action left it (snaps and locks never turn a piece).
 * The exception is the drop that completes the puzzle by joining every piece, which
 * locks them all wherever it was dropped: a complete puzzle shows nothing of the
 * moves that built it.
 */
export function judgeLostMoves(placements: Iterable<AcknowledgedPlacement>, final: FinalState, order: AckOrder): LostMoveVerdict {
  const { spec, pieces } = final;
  const finalPiece = (pieceId: number): FinalPiece => {
    const piece = pieces[pieceId];
    if (!piece) throw new Error(`piece ${pieceId} is not in the final state`);
    return piece;
  };
  const groupSize = new Map<number, number>();
  for (const [, , group] of pieces) groupSize.set(group, (groupSize.get(group) ?? 0) + 1);

  const last = new Map<number, Movement>();
  for (const placement of placements) {
    const group = finalPiece(placement.pieceId)[2];
    // A piece reported with the group but not in it at the end was not moved
    // with it as far as the state can tell (only a backend that loses writes
    // can split a group): it keeps its own actions.
    const moved = (placement.group ?? [placement.pieceId]).filter((id) => id === placement.pieceId || pieces[id]?.[2] === group);
    if (!moved.includes(placement.pieceId)) moved.push(placement.pieceId);
    for (const pieceId of moved) {
      const current = last.get(pieceId);
      if (!current || isLater(placement, current.placement, order)) last.set(pieceId, { placement, moved });
    }
  }

  const complete = pieces.length === pieceCountOf(spec) && pieces.every((piece) => piece[3] === 1);
  const verdict: LostMoveVerdict = { judged: last.size, lost: 0, lostPieces: [] };
  for (const [pieceId, { placement, moved }] of last) {
    const [x, y, group, locked, rotation = 0] = finalPiece(pieceId);
    if (complete && locked === 1) continue;
    const found = { x, y };
    const turnedAs = placement.rotation ?? finalPiece(placement.pieceId)[4] ?? 0;
    const lostTurn = rotation === turnedAs ? undefined : { expected: turnedAs, found: rotation };
    let expected = found;
    if (placement.type !== "rotate") {
      expected = placedPosition(spec, { pieceId: placement.pieceId, x: placement.x, y: placement.y, moved, rotation: turnedAs }, pieceId);
      if (!lostTurn && showsPlacement(expected, found, snapsSince(moved.length, groupSize.get(group)!, locked === 1))) continue;
    } else if (!lostTurn) continue;
    verdict.lost++;
    verdict.lostPieces.push({ pieceId, expected, found, by: placement.clientId, ...(lostTurn ? { rotation: lostTurn } : {}) });
  }
  return verdict;
}
