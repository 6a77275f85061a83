/**
 * Lost-move judgement: an acknowledged move is lost when the final authoritative
 * (or stored) state does not show it. Every piece some acknowledged move or drop
 * moved is judged against the last such action, whether that action named the
 * piece or another piece of its group (a move or drop carries the whole group).
 */
import { SNAP_RADIUS_PX } from "../shared/rules.ts";
import { groupMembers, type PuzzleState } from "../shared/puzzle-state.ts";
import { pieceCountOf, solvedPosition, type PuzzleSpec } from "../shared/puzzle-spec.ts";
import type { ProtocolClient } from "./protocol-client.ts";

/** A move or drop some client sent and the server acknowledged. */
export interface AcknowledgedPlacement {
  type: "move" | "drop";
  pieceId: number;
  /** Where the action asked to put the piece's cell. */
  x: number;
  y: number;
  /** Version the ack carried. */
  version: number;
  /** When the sender saw the ack, on the load generator's clock. */
  ackedAtMs: number;
  clientId: string;
  /**
   * The pieces of `pieceId`'s group that the action moved with it, as seen by
   * actedGroup(); absent means the piece alone.
   */
  group?: readonly number[];
}

/** A piece of the final state: [x, y, group, locked] as in a snapshot. */
export type FinalPiece = readonly [number, number, number, 0 | 1];

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

export interface LostMoveVerdict {
  /** Pieces moved by at least one acknowledged move or drop (their own or their group's). */
  judged: number;
  /** Pieces whose last acknowledged movement is not in the final state. */
  lost: number;
  lostPieces: Array<{ pieceId: number; expected: { x: number; y: number }; found: { x: number; y: number }; by: string }>;
}

/**
 * The pieces an acknowledged move or drop of `pieceId` moves along with it: its
 * group in `puzzle`, the sender's replica just before applying the frame that
 * carries the ack. That replica shows the room at a version after the grab's ack
 * (the player waited for it) and before the action, and a held group cannot
 * change in between: nobody else can join it or move it. Groups only grow, so
 * an older replica would show fewer pieces: a piece the judgement is not told
 * about is judged against its own earlier action (at worst a false loss), never
 * excused by an action that did not move it.
 */
export function actedGroup(puzzle: PuzzleState, pieceId: number): number[] {
  const piece = puzzle.pieces[pieceId];
  return piece ? [...groupMembers(puzzle, piece.group)] : [pieceId];
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
 * Judges every piece an acknowledged action moved, against the last of them.
 * That action put its group (rigid: joined pieces keep their places relative to
 * each other) where the rules put it: the named piece at (x, y) rounded, the
 * whole group clamped onto the table. Since then only snaps can have moved the
 * piece, each by at most SNAP_RADIUS_PX: for every piece its group gained after
 * the action (a neighbour snap joins at least one) and once onto the board. The
 * exception is the drop that completes the puzzle by joining every piece, which
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
    const [x, y, group, locked] = finalPiece(pieceId);
    const expected = expectedPosition(spec, placement, moved, pieceId);
    const snaps = groupSize.get(group)! - moved.length + locked;
    const distance = Math.hypot(x - expected.x, y - expected.y);
    if (distance <= snaps * SNAP_RADIUS_PX || (complete && locked === 1)) continue;
    verdict.lost++;
    verdict.lostPieces.push({ pieceId, expected, found: { x, y }, by: placement.clientId });
  }
  return verdict;
}

/**
 * Where `placement` put `pieceId`, one of the pieces it `moved`: the named
 * piece's cell at (x, y), unless that would take part of the group off the
 * table (the rules clamp the group onto it, as shared/rules.ts placeGroup).
 */
function expectedPosition(spec: PuzzleSpec, placement: AcknowledgedPlacement, moved: readonly number[], pieceId: number): { x: number; y: number } {
  const anchor = solvedPosition(spec, placement.pieceId);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const id of moved) {
    const cell = solvedPosition(spec, id);
    minX = Math.min(minX, cell.x - anchor.x);
    minY = Math.min(minY, cell.y - anchor.y);
    maxX = Math.max(maxX, cell.x - anchor.x + spec.pieceWidth);
    maxY = Math.max(maxY, cell.y - anchor.y + spec.pieceHeight);
  }
  const anchorX = Math.min(Math.max(Math.round(placement.x), -minX), spec.tableWidth - maxX);
  const anchorY = Math.min(Math.max(Math.round(placement.y), -minY), spec.tableHeight - maxY);
  const cell = solvedPosition(spec, pieceId);
  return { x: anchorX + cell.x - anchor.x, y: anchorY + cell.y - anchor.y };
}

/** Every acknowledged move and drop the clients sent, as the judgement takes them. */
export function placementsOf(clients: ProtocolClient[]): AcknowledgedPlacement[] {
  const placements: AcknowledgedPlacement[] = [];
  for (const client of clients) {
    for (const record of client.sent.values()) {
      const { action } = record;
      if (action.type === "grab" || record.ackedAtMs === undefined) continue;
      placements.push({ type: action.type, pieceId: action.pieceId, x: action.x, y: action.y, version: record.version ?? 0, ackedAtMs: record.ackedAtMs, clientId: client.playerId, group: record.group });
    }
  }
  return placements;
}
