/**
 * Lost-move judgement: an acknowledged move is lost when the final authoritative
 * (or stored) state does not show it. Judged per piece against the last
 * acknowledged move or drop of that piece, across every client of the room.
 */
import { SNAP_RADIUS_PX } from "../../shared/rules.ts";
import type { ProtocolClient } from "./protocol-client.ts";

/** A move or drop some client sent and the server acknowledged. */
export interface AcknowledgedPlacement {
  type: "move" | "drop";
  pieceId: number;
  /** Where the action put the piece's cell (integers: the rules round). */
  x: number;
  y: number;
  /** Version the ack carried. */
  version: number;
  /** When the sender saw the ack, on the load generator's clock. */
  ackedAtMs: number;
  clientId: string;
}

/** A piece of the final state: [x, y, group, locked] as in a snapshot. */
export type FinalPiece = readonly [number, number, number, 0 | 1];

/**
 * How to tell which acknowledged action came last. `version` is right where the
 * server commits in one order (stateful, optimistic concurrency); the naive
 * stateless mode has no such order, so only the ack arrival order is left.
 */
export type AckOrder = "version" | "ack-time";

export interface LostMoveVerdict {
  /** Pieces with at least one acknowledged move or drop. */
  judged: number;
  /** Pieces whose last acknowledged move or drop is not in the final state. */
  lost: number;
  lostPieces: Array<{ pieceId: number; expected: { x: number; y: number }; found: { x: number; y: number }; by: string }>;
}

function isLater(candidate: AcknowledgedPlacement, current: AcknowledgedPlacement, order: AckOrder): boolean {
  if (order === "version" && candidate.version !== current.version) return candidate.version > current.version;
  return candidate.ackedAtMs > current.ackedAtMs;
}

/**
 * Judges every piece that has an acknowledged placement. The piece must be
 * exactly where that action put it, unless a snap moved it since: a drop snaps
 * the dropped group to a neighbour and then, with the neighbours it joined, to
 * the board, moving each piece by at most SNAP_RADIUS_PX and leaving it joined
 * or locked. A loose piece anywhere else lost its move.
 */
export function judgeLostMoves(placements: Iterable<AcknowledgedPlacement>, finalPieces: readonly FinalPiece[], order: AckOrder): LostMoveVerdict {
  const last = new Map<number, AcknowledgedPlacement>();
  for (const placement of placements) {
    const current = last.get(placement.pieceId);
    if (!current || isLater(placement, current, order)) last.set(placement.pieceId, placement);
  }
  const verdict: LostMoveVerdict = { judged: last.size, lost: 0, lostPieces: [] };
  for (const [pieceId, placement] of last) {
    const piece = finalPieces[pieceId];
    if (!piece) throw new Error(`piece ${pieceId} is not in the final state`);
    const [x, y, group, locked] = piece;
    const exact = x === placement.x && y === placement.y;
    const snapped = (locked === 1 || group !== pieceId || groupHasOthers(finalPieces, group, pieceId)) && Math.hypot(x - placement.x, y - placement.y) <= SNAP_RADIUS_PX;
    if (exact || snapped) continue;
    verdict.lost++;
    verdict.lostPieces.push({ pieceId, expected: { x: placement.x, y: placement.y }, found: { x, y }, by: placement.clientId });
  }
  return verdict;
}

function groupHasOthers(pieces: readonly FinalPiece[], group: number, pieceId: number): boolean {
  return pieces.some((piece, id) => id !== pieceId && piece[2] === group);
}

/** Every acknowledged move and drop the clients sent, as the judgement takes them. */
export function placementsOf(clients: ProtocolClient[]): AcknowledgedPlacement[] {
  const placements: AcknowledgedPlacement[] = [];
  for (const client of clients) {
    for (const record of client.sent.values()) {
      const { action } = record;
      if (action.type === "grab" || record.ackedAtMs === undefined) continue;
      placements.push({ type: action.type, pieceId: action.pieceId, x: action.x, y: action.y, version: record.version ?? 0, ackedAtMs: record.ackedAtMs, clientId: client.playerId });
    }
  }
  return placements;
}
