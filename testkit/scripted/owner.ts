/**
 * `owner`: a player that owns one piece. It grabs it, drags it along a circle
 * at 20 Hz until the end, then drops it, and takes the hold back whenever the
 * room says it lost it (a contender's grab in a backend that forgets holds, or
 * a write that erased its own grab). Every loss the judge then finds is the
 * backend's: the owner never lets go of its piece on purpose.
 */
import { circleAround } from "./circle.ts";
import { answer, lostHold, send, sleep, takeHold, type ScriptedPlayer } from "./play.ts";
import type { SentAction } from "../protocol-client.ts";

const MOVE_INTERVAL_MS = 50;
/** Radius of the circle each owner drags its piece along, in table px. */
const DRAG_RADIUS_PX = 60;
/** A tenth of a radian per move: once round in about 3 s at 20 Hz. */
const RADIANS_PER_MOVE = 0.1;
const DROP_ATTEMPTS = 20;

export interface OwnerOptions {
  pieceId: number;
}

/** Plays `owner` until `player.until` is over, then drops its piece; fails if the room stops answering. */
export async function owner(player: ScriptedPlayer, { pieceId }: OwnerOptions): Promise<void> {
  const { client, until } = player;
  await takeHold(player, pieceId, until.endAtMs, MOVE_INTERVAL_MS);
  const { spec, pieces } = client.replica!.puzzle;
  const onCircle = circleAround(spec, pieces[pieceId]!, DRAG_RADIUS_PX);
  const at = (step: number) => onCircle(step * RADIANS_PER_MOVE);
  let step = 0;
  let sinceHold: SentAction[] = [];
  while (!until.over) {
    sinceHold.push(send(player, { type: "move", pieceId, ...at(step++) }));
    await sleep(MOVE_INTERVAL_MS);
    if (sinceHold.some(lostHold)) {
      await takeHold(player, pieceId, until.endAtMs, MOVE_INTERVAL_MS);
      sinceHold = [];
    }
  }
  for (let attempt = 0; attempt < DROP_ATTEMPTS; attempt++) {
    const dropped = await answer(client, send(player, { type: "drop", pieceId, ...at(step) }));
    if (dropped.ackedAtMs !== undefined) return;
    if (lostHold(dropped)) await takeHold(player, pieceId, Number.POSITIVE_INFINITY, MOVE_INTERVAL_MS);
  }
}
