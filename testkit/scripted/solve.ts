/**
 * `solve`: a player working on a puzzle. Think, pick a free piece (now and then
 * one of the few everybody wants), grab it, drag it towards a destination at a
 * steady rate, drop it, sometimes right where it belongs; repeat until the end.
 * Where pieces turn, it turns the piece halfway through the drag: upright when
 * it is taking the piece to its place, else to a quarter turn drawn at random.
 * The load runs play it with their flags; the browser benchmark and the
 * stateless end-to-end test play it with their own choices and pace.
 */
import { between, type Prng } from "../../shared/prng.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";
import type { Rotation } from "../../shared/rotation.ts";
import { pickFreePiece, type Destination, type PiecePick } from "./choices.ts";
import { grabbed, send, sleep, sleepUntil, Ticker, type ScriptedPlayer } from "./play.ts";

export interface SolveOptions {
  prng: Prng;
  /** Moves per second while dragging. */
  rateHz: number;
  /** Think time before each piece, ms, uniform in [min, max]. */
  thinkMs: { min: number; max: number };
  /** Moves per drag: a fixed count, or as many as `rateHz` sends in a time drawn uniformly from [minS, maxS]. */
  moves: number | { minS: number; maxS: number };
  pick: PiecePick;
  destination: Destination;
  /** Wait for the grab's answer (and give the piece up when refused) before dragging; false drags at once. */
  awaitGrab: boolean;
  /** Send the cursor (the piece's centre) with every move, as the browser does. */
  cursor: boolean;
}

/** Plays `solve` until `player.until` is over (or its socket closes). */
export async function solve(player: ScriptedPlayer, options: SolveOptions): Promise<void> {
  const { client, until } = player;
  const { prng } = options;
  // A closed socket ends play too: scripted players do not reconnect.
  while (!until.over && client.closeEvents.length === 0) {
    await sleepUntil(Math.min(until.endAtMs, performance.now() + between(prng, options.thinkMs.min, options.thinkMs.max)));
    if (until.over) return;
    const { spec } = client.replica!.puzzle;
    const pieceId = pickFreePiece(client.replica!.puzzle, prng, options.pick);
    if (pieceId === undefined) {
      // Nothing free: look again a move later (with no think time this loop would never yield).
      await sleep(1000 / options.rateHz);
      continue;
    }
    if (options.awaitGrab) {
      if (!(await grabbed(player, pieceId))) continue;
    } else send(player, { type: "grab", pieceId });
    const piece = client.replica!.puzzle.pieces[pieceId]!;
    const target = options.destination(spec, pieceId, prng);
    const steps = typeof options.moves === "number" ? options.moves : Math.max(1, Math.round(options.rateHz * between(prng, options.moves.minS, options.moves.maxS)));
    const from = { x: piece.x, y: piece.y };
    const home = solvedPosition(spec, pieceId);
    // Drawn only where pieces turn, so a room without rotation plays the choices it always did.
    const turnTo = spec.rotation ? (target.x === home.x && target.y === home.y ? 0 : (Math.floor(prng() * 4) as Rotation)) : null;
    let at = from;
    const ticker = new Ticker(options.rateHz);
    for (let step = 1; step <= steps && !until.over; step++) {
      await ticker.tick();
      if (turnTo !== null && step === Math.ceil(steps / 2)) send(player, { type: "rotate", pieceId, rotation: turnTo });
      at = { x: Math.round(from.x + ((target.x - from.x) * step) / steps), y: Math.round(from.y + ((target.y - from.y) * step) / steps) };
      send(player, { type: "move", pieceId, ...at });
      if (options.cursor) client.cursor(at.x + spec.pieceWidth / 2, at.y + spec.pieceHeight / 2);
    }
    send(player, { type: "drop", pieceId, ...at });
  }
}
