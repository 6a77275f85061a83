/**
 * The judge of a scripted run: from the players' clients and each room's final
 * state (GET ?state=1 after every answer came in) it computes, once, the
 * figures every report of a run starts from: what was sent and how the room
 * answered, the acknowledged moves the final state no longer shows
 * (lost-moves.ts), the pieces each client shows differently from it, ack
 * latency and bytes on the wire. The load engine and the modes scenario both
 * report from it and add their own extras.
 */
import type { Mode, Snapshot } from "../shared/protocol.ts";
import type { ProtocolClient, SentAction } from "./protocol-client.ts";
import { judgeLostMoves, type AckOrder, type AcknowledgedPlacement, type LostMoveVerdict } from "./lost-moves.ts";
import { distribution, type Distribution } from "./stats.ts";
import { isRotation } from "../shared/rotation.ts";

/** What the judge reads of a ProtocolClient at the end of a run. */
export type JudgedClient = Pick<ProtocolClient, "playerId" | "sent" | "replica" | "bytesSent" | "bytesReceived">;

/** Actions sent, by type; rotates only in runs that sent any (rooms with rotation on). */
export type ActionCounts = Record<"grab" | "move" | "drop", number> & { rotate?: number };

/** Bytes one client had sent and received at some moment. */
export interface WireMark {
  up: number;
  down: number;
}

/** One room at the end of a run. */
export interface RoomOutcome {
  name: string;
  clients: readonly JudgedClient[];
  /** The room's final authoritative (or stored) snapshot. */
  final: Snapshot;
  /** Per client, its wire counters when measuring began; without them, everything since it connected (welcome included). */
  wireFrom?: readonly WireMark[];
}

export type LostPiece = LostMoveVerdict["lostPieces"][number] & { room: string };

export interface RunJudgement {
  actions: { sent: number; acknowledged: number; rejected: number; unanswered: number; byType: ActionCounts };
  rejectReasons: Record<string, number>;
  /** Over every room: pieces judged, pieces whose last acknowledged movement is gone, and which. */
  lostMoves: { judged: number; lost: number; lostPieces: LostPiece[] };
  /** Pieces where each client's replica differs from its room's final state, clients in the rooms' order. */
  desyncPerClient: number[];
  /** Send to ack of every acknowledged action, at the sender, ms. */
  ackSamplesMs: number[];
  ackLatencyMs: Distribution;
  /** Bytes on every client's socket since `wireFrom`. */
  wire: { bytesUp: number; bytesDown: number };
}

/** The client's wire counters now, to judge only what comes after (`RoomOutcome.wireFrom`). */
export function wireMark(client: JudgedClient): WireMark {
  return { up: client.bytesSent, down: client.bytesReceived };
}

/**
 * How to tell which acknowledged action came last: the server's version, except
 * in the naive stateless mode, whose acks carry versions that may repeat or go
 * backwards (no commit order), so only the ack arrival order is left.
 */
export function ackOrderOf(mode: Mode): AckOrder {
  return mode === "stateless" ? "ack-time" : "version";
}

/** Judges a run of `mode` once every action was answered and each room's final state was read. */
export function judgeRun(mode: Mode, rooms: readonly RoomOutcome[]): RunJudgement {
  const order = ackOrderOf(mode);
  const judgement: RunJudgement = {
    actions: { sent: 0, acknowledged: 0, rejected: 0, unanswered: 0, byType: { grab: 0, move: 0, drop: 0 } },
    rejectReasons: {},
    lostMoves: { judged: 0, lost: 0, lostPieces: [] },
    desyncPerClient: [],
    ackSamplesMs: [],
    ackLatencyMs: distribution([]),
    wire: { bytesUp: 0, bytesDown: 0 },
  };
  const { actions, rejectReasons, lostMoves } = judgement;
  for (const room of rooms) {
    room.clients.forEach((client, index) => {
      for (const record of client.sent.values()) {
        actions.sent++;
        actions.byType[record.action.type] = (actions.byType[record.action.type] ?? 0) + 1;
        if (record.ackedAtMs !== undefined) {
          actions.acknowledged++;
          judgement.ackSamplesMs.push(record.ackedAtMs - record.sentAtMs);
        } else if (record.rejected !== undefined) {
          actions.rejected++;
          rejectReasons[record.rejected] = (rejectReasons[record.rejected] ?? 0) + 1;
        }
      }
      const from = room.wireFrom?.[index] ?? { up: 0, down: 0 };
      judgement.wire.bytesUp += client.bytesSent - from.up;
      judgement.wire.bytesDown += client.bytesReceived - from.down;
      judgement.desyncPerClient.push(desyncedPieces(client, room.final));
    });
    const verdict = judgeLostMoves(placementsOf(room.clients), room.final, order);
    lostMoves.judged += verdict.judged;
    lostMoves.lost += verdict.lost;
    for (const piece of verdict.lostPieces) lostMoves.lostPieces.push({ ...piece, room: room.name });
  }
  actions.unanswered = actions.sent - actions.acknowledged - actions.rejected;
  judgement.ackLatencyMs = distribution(judgement.ackSamplesMs);
  return judgement;
}

/**
 * Every acknowledged move, drop and rotate the clients sent, as the lost-move
 * judgement takes them. A move or drop left its group turned as the last rotate
 * of that piece its sender had acknowledged since grabbing it: the holder is the
 * only one who turns a held group. Without such a rotate the sender cannot tell
 * how the group lay when it grabbed it, and the judgement takes the final state's.
 */
function placementsOf(clients: readonly JudgedClient[]): AcknowledgedPlacement[] {
  const placements: AcknowledgedPlacement[] = [];
  for (const client of clients) {
    const turnedSinceGrab = new Map<number, SentAction>();
    for (const record of [...client.sent.values()].sort((a, b) => a.seq - b.seq)) {
      const { action } = record;
      if (action.type === "grab") {
        turnedSinceGrab.delete(action.pieceId);
        continue;
      }
      if (action.type === "rotate") turnedSinceGrab.set(action.pieceId, record);
      if (record.ackedAtMs === undefined) continue;
      const acked = { pieceId: action.pieceId, version: record.version ?? 0, ackedAtMs: record.ackedAtMs, clientId: client.playerId, group: record.group };
      if (action.type === "rotate") {
        if (isRotation(action.rotation)) placements.push({ type: "rotate", rotation: action.rotation, ...acked });
        continue;
      }
      const turn = turnedSinceGrab.get(action.pieceId);
      const rotation = turn?.ackedAtMs !== undefined && turn.action.type === "rotate" && isRotation(turn.action.rotation) ? turn.action.rotation : undefined;
      placements.push({ type: action.type, x: action.x, y: action.y, rotation, ...acked });
    }
  }
  return placements;
}

/** Pieces where the client's replica differs from the server's final state. */
function desyncedPieces(client: JudgedClient, snapshot: Snapshot): number {
  const mine = client.replica!.puzzle.pieces;
  let count = 0;
  snapshot.pieces.forEach(([x, y, group, locked, rotation = 0], id) => {
    const piece = mine[id];
    if (!piece || piece.x !== x || piece.y !== y || piece.group !== group || piece.locked !== (locked === 1) || piece.rotation !== rotation) count++;
  });
  return count;
}
