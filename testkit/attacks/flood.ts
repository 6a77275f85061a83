/**
 * Attack 1 of issue 10: one joined socket sends moves of its held piece as fast
 * as Node can write them, and (optionally) joins again whenever the room closes
 * it. Before the limits, every move was applied and acked, frames queued up and
 * everyone on the server waited; now the room answers what it drops and closes
 * a socket that keeps going.
 */
import { ProtocolClient } from "../protocol-client.ts";
import { GOOD_PUZZLE } from "./good-players.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";

export interface FloodOptions {
  host: string;
  room: string;
  durationMs: number;
  /** Join again after each close, as a determined attacker would. */
  rejoin: boolean;
  /** Frames written per turn of the event loop. */
  framesPerTurn?: number;
  create?: PuzzleOptions;
  /** Claim this client address (CF-Connecting-IP), as a client behind Cloudflare has one. */
  address?: string;
}

export interface FloodResult {
  sent: number;
  acked: number;
  /** Moves rejected as rate-limited. */
  rateLimited: number;
  /** Moves rejected for any other reason. */
  otherRejects: number;
  /** Error frames by code. */
  errors: Record<string, number>;
  /** Sockets the room closed, by close code. */
  closes: Record<string, number>;
  sockets: number;
  /** Joins the room refused (e.g. an address penalised for flooding). */
  refusedJoins: number;
  /**
   * The pieces it moved. A judge of the room's final state leaves them out
   * (soak.ts): the flood close cuts the acks of moves the room had applied, so
   * nothing outside the room knows which of its moves came last.
   */
  pieces: number[];
  /** When the first frame went and the last socket closed or stopped, in epoch ms (Date.now()). */
  startedAtMs: number;
  endedAtMs: number;
}

export async function flood(options: FloodOptions): Promise<FloodResult> {
  const { host, room } = options;
  const result: FloodResult = { sent: 0, acked: 0, rateLimited: 0, otherRejects: 0, errors: {}, closes: {}, sockets: 0, refusedJoins: 0, pieces: [], startedAtMs: Date.now(), endedAtMs: 0 };
  const endAtMs = performance.now() + options.durationMs;
  const perTurn = options.framesPerTurn ?? 200;
  const clients: ProtocolClient[] = [];
  while (performance.now() < endAtMs) {
    let client: ProtocolClient;
    try {
      client = await ProtocolClient.join({ host, room, name: "Flood", create: options.create ?? GOOD_PUZZLE, keepEvents: false, address: options.address });
    } catch {
      result.refusedJoins++;
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    clients.push(client);
    result.sockets++;
    const pieceId = client.replica!.puzzle.pieces.length - 1 - (result.sockets % 10);
    if (!result.pieces.includes(pieceId)) result.pieces.push(pieceId);
    client.act({ type: "grab", pieceId });
    let step = 0;
    while (performance.now() < endAtMs && client.closeEvents.length === 0) {
      for (let index = 0; index < perTurn; index++) client.act({ type: "move", pieceId, x: 100 + (step++ % 200), y: 100 });
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!options.rejoin) break;
    // A reconnecting attacker backs off a little, as partysocket would.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  result.endedAtMs = Date.now();
  // Answers still in flight.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  for (const client of clients) {
    for (const record of client.sent.values()) {
      result.sent++;
      if (record.ackedAtMs !== undefined) result.acked++;
      else if (record.rejected === "rate-limited") result.rateLimited++;
      else if (record.rejected !== undefined) result.otherRejects++;
    }
    for (const error of client.errors) result.errors[error.code] = (result.errors[error.code] ?? 0) + 1;
    for (const close of client.closeEvents) result.closes[close.code] = (result.closes[close.code] ?? 0) + 1;
    client.close();
  }
  return result;
}
