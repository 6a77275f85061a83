/**
 * `contend`: a player that keeps trying to take other players' pieces. Every
 * quarter second it grabs one of `pieces` at random; when granted, it nudges
 * the piece three times and lets go a little lower. It stops half a second
 * before the end so that the owners' last drops meet no contention.
 */
import type { Prng } from "../../shared/prng.ts";
import { answer, send, sleep, type ScriptedPlayer } from "./play.ts";

const CONTEND_INTERVAL_MS = 250;
const STOP_BEFORE_END_MS = 500;
const NUDGES = 3;
const NUDGE_PX = 5;
const NUDGE_INTERVAL_MS = 50;
const DROP_OFFSET_PX = 10;

export interface ContendOptions {
  prng: Prng;
  /** The pieces it goes for (the owners'). */
  pieces: readonly number[];
}

/** Plays `contend` until shortly before `player.until` is over; fails if the room stops answering. */
export async function contend(player: ScriptedPlayer, { prng, pieces }: ContendOptions): Promise<void> {
  const { client, until } = player;
  while (performance.now() < until.endAtMs - STOP_BEFORE_END_MS) {
    await sleep(CONTEND_INTERVAL_MS);
    const pieceId = pieces[Math.floor(prng() * pieces.length)]!;
    const grabbed = await answer(client, send(player, { type: "grab", pieceId }));
    if (grabbed.ackedAtMs === undefined) continue;
    const piece = client.replica!.puzzle.pieces[pieceId]!;
    for (let nudge = 1; nudge <= NUDGES; nudge++) {
      send(player, { type: "move", pieceId, x: piece.x + nudge * NUDGE_PX, y: piece.y });
      await sleep(NUDGE_INTERVAL_MS);
    }
    await answer(client, send(player, { type: "drop", pieceId, x: piece.x, y: piece.y + DROP_OFFSET_PX }));
  }
}
