/**
 * Which pieces an acknowledged move or drop moved, as its sender can tell. The
 * protocol client records it for every acked move and drop; the lost-move
 * judgement reads it. It lives on its own so the client never imports the judge.
 */
import { groupMembers, type PuzzleState } from "../shared/puzzle-state.ts";

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
