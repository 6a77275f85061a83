/**
 * One simulated player's behaviour over the real protocol. `solve` plays like a
 * person working on a puzzle: think, pick a loose piece (now and then one of the
 * few pieces everybody wants), grab it, drag it at the configured rate, drop it,
 * sometimes right where it belongs. `drag` holds one piece and drags it for the
 * whole run, the room benchmark's workload.
 */
import { between, type Prng } from "../../shared/prng.ts";
import { boardRect, solvedPosition } from "../../shared/puzzle-spec.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";
import type { ProtocolClient, SentAction } from "../../testkit/protocol-client.ts";
import type { LoadConfig } from "./load-config.ts";

/** How long a player waits for a grab's answer before giving up on that piece. */
const GRAB_ANSWER_TIMEOUT_MS = 5_000;
/** How long one drag lasts, in seconds (uniform). */
const DRAG_MIN_S = 0.4;
const DRAG_MAX_S = 1.5;
/** Chance that a drop goes to the piece's place on the board. */
const PLACE_PROBABILITY = 0.08;
/** The drag workload circles around the start at this radius. */
const DRAG_CIRCLE_RADIUS_PX = 60;
const DRAG_CIRCLE_PERIOD_S = 2;

type Action = Parameters<ProtocolClient["act"]>[0];

export interface PlayerContext {
  client: ProtocolClient;
  prng: Prng;
  config: LoadConfig;
  /** End of play on performance.now()'s clock. */
  endAtMs: number;
  /** The room's contested pieces. */
  hotPieces: readonly number[];
  /** The piece this player drags in the `drag` workload. */
  ownPiece: number;
  /** Called for every action sent (counters, fan-out tracking). */
  onSent(record: SentAction): void;
}

export async function playUntilEnd(context: PlayerContext): Promise<void> {
  if (context.config.behaviour === "drag") return dragOwnPiece(context);
  return solve(context);
}

async function solve(context: PlayerContext): Promise<void> {
  const { config, prng, client } = context;
  while (performance.now() < context.endAtMs) {
    await sleepUntil(Math.min(context.endAtMs, performance.now() + between(prng, config.thinkMinMs, config.thinkMaxMs)));
    if (performance.now() >= context.endAtMs) return;
    const state = client.replica!.puzzle;
    const pieceId = choosePiece(state, prng, context);
    if (pieceId === undefined) continue;
    if (!(await grabbed(context, pieceId))) continue;
    const piece = client.replica!.puzzle.pieces[pieceId]!;
    const target = destination(state, pieceId, prng);
    const steps = Math.max(1, Math.round(config.rateHz * between(prng, DRAG_MIN_S, DRAG_MAX_S)));
    const from = { x: piece.x, y: piece.y };
    let at = from;
    const intervalMs = 1000 / config.rateHz;
    let next = performance.now();
    for (let step = 1; step <= steps && performance.now() < context.endAtMs; step++) {
      next = nextTick(next, intervalMs);
      await sleepUntil(next);
      at = { x: Math.round(from.x + ((target.x - from.x) * step) / steps), y: Math.round(from.y + ((target.y - from.y) * step) / steps) };
      send(context, { type: "move", pieceId, ...at });
    }
    send(context, { type: "drop", pieceId, ...at });
  }
}

async function dragOwnPiece(context: PlayerContext): Promise<void> {
  const { client, config, ownPiece: pieceId } = context;
  if (!(await grabbed(context, pieceId))) throw new Error(`player ${client.playerId} could not grab its own piece ${pieceId}`);
  const state = client.replica!.puzzle;
  const { spec } = state;
  const start = state.pieces[pieceId]!;
  // Keep the whole circle on the table so the rules never clamp a move.
  const centre = {
    x: Math.min(Math.max(start.x, DRAG_CIRCLE_RADIUS_PX), spec.tableWidth - spec.pieceWidth - DRAG_CIRCLE_RADIUS_PX),
    y: Math.min(Math.max(start.y, DRAG_CIRCLE_RADIUS_PX), spec.tableHeight - spec.pieceHeight - DRAG_CIRCLE_RADIUS_PX),
  };
  const phase = context.prng() * 2 * Math.PI;
  const intervalMs = 1000 / config.rateHz;
  let next = performance.now();
  let at = { x: start.x, y: start.y };
  for (let step = 1; performance.now() < context.endAtMs; step++) {
    next = nextTick(next, intervalMs);
    await sleepUntil(next);
    const angle = phase + (2 * Math.PI * step) / (config.rateHz * DRAG_CIRCLE_PERIOD_S);
    at = { x: Math.round(centre.x + DRAG_CIRCLE_RADIUS_PX * Math.cos(angle)), y: Math.round(centre.y + DRAG_CIRCLE_RADIUS_PX * Math.sin(angle)) };
    send(context, { type: "move", pieceId, ...at });
  }
  send(context, { type: "drop", pieceId, ...at });
}

async function grabbed(context: PlayerContext, pieceId: number): Promise<boolean> {
  const record = send(context, { type: "grab", pieceId });
  try {
    await context.client.answered(record, GRAB_ANSWER_TIMEOUT_MS);
  } catch {
    return false; // No answer in time: a person would let go and try another piece.
  }
  return record.ackedAtMs !== undefined;
}

function send(context: PlayerContext, action: Action): SentAction {
  const record = context.client.act(action);
  context.onSent(record);
  return record;
}

/**
 * A loose piece on its own (not joined, not locked) that nobody holds as far as
 * this player can see; with probability `contention`, one of the contested ones.
 */
export function choosePiece(state: PuzzleState, prng: Prng, context: Pick<PlayerContext, "config" | "hotPieces">): number | undefined {
  const groupSizes = new Map<number, number>();
  for (const piece of state.pieces) groupSizes.set(piece.group, (groupSizes.get(piece.group) ?? 0) + 1);
  const free = (id: number): boolean => {
    const piece = state.pieces[id];
    return piece !== undefined && !piece.locked && groupSizes.get(piece.group) === 1 && !state.holds.has(piece.group);
  };
  if (prng() < context.config.contention) {
    const hot = context.hotPieces.filter(free);
    if (hot.length > 0) return hot[Math.floor(prng() * hot.length)];
  }
  const candidates: number[] = [];
  for (let id = 0; id < state.pieces.length; id++) if (free(id)) candidates.push(id);
  return candidates.length > 0 ? candidates[Math.floor(prng() * candidates.length)] : undefined;
}

/**
 * Where a drag ends: now and then the piece's place on the board, otherwise a
 * spot on the table clear of the board, inside the table so no move is clamped.
 */
export function destination(state: PuzzleState, pieceId: number, prng: Prng): { x: number; y: number } {
  const { spec } = state;
  if (prng() < PLACE_PROBABILITY) return solvedPosition(spec, pieceId);
  const maxX = spec.tableWidth - spec.pieceWidth;
  const maxY = spec.tableHeight - spec.pieceHeight;
  const board = boardRect(spec);
  const boardRight = board.x + board.width;
  const boardBottom = board.y + board.height;
  for (;;) {
    const x = Math.round(between(prng, 0, maxX));
    const y = Math.round(between(prng, 0, maxY));
    const onBoard = x + spec.pieceWidth > spec.boardX - spec.pieceWidth && x < boardRight + spec.pieceWidth && y + spec.pieceHeight > spec.boardY - spec.pieceHeight && y < boardBottom + spec.pieceHeight;
    if (!onBoard) return { x, y };
  }
}

/** Keeps the rate steady, but a player that fell behind (busy machine) does not burst to catch up. */
function nextTick(previousMs: number, intervalMs: number): number {
  return Math.max(previousMs + intervalMs, performance.now());
}

async function sleepUntil(atMs: number): Promise<void> {
  const delay = atMs - performance.now();
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
}
