/**
 * `drag`: hold one's own piece and drag it along a circle at a steady rate for
 * the whole run, then drop it: the room benchmark's workload (every move
 * applies, nobody contends).
 */
import type { Prng } from "../../shared/prng.ts";
import { circleAround } from "./circle.ts";
import { grabbed, send, sleep, Ticker, type ScriptedPlayer } from "./play.ts";

const DRAG_CIRCLE_RADIUS_PX = 60;
const DRAG_CIRCLE_PERIOD_S = 2;

export interface DragOptions {
  /** Draws where on the circle the player starts. */
  prng: Prng;
  rateHz: number;
  /** The player's own piece. */
  pieceId: number;
  /**
   * When, within one move interval, this player's moves fall (0 to 1; default
   * drawn from `prng`): players in step would share the room's flushes, which
   * real players do not (bench:floor and bench:crowd spread theirs the same way).
   */
  startOffset?: number;
}

/** Plays `drag` until `player.until` is over; fails if the room refuses the player its own piece. */
export async function drag(player: ScriptedPlayer, options: DragOptions): Promise<void> {
  const { client, until } = player;
  const { pieceId, rateHz } = options;
  if (!(await grabbed(player, pieceId))) throw new Error(`player ${client.playerId} could not grab its own piece ${pieceId}`);
  const state = client.replica!.puzzle;
  const start = state.pieces[pieceId]!;
  const onCircle = circleAround(state.spec, start, DRAG_CIRCLE_RADIUS_PX);
  const phase = options.prng() * 2 * Math.PI;
  await sleep((options.startOffset ?? options.prng()) * (1000 / rateHz));
  const ticker = new Ticker(rateHz);
  let at = { x: start.x, y: start.y };
  for (let step = 1; !until.over; step++) {
    await ticker.tick();
    at = onCircle(phase + (2 * Math.PI * step) / (rateHz * DRAG_CIRCLE_PERIOD_S));
    send(player, { type: "move", pieceId, ...at });
  }
  send(player, { type: "drop", pieceId, ...at });
}
