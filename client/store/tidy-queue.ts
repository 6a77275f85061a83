/**
 * Carries out a tidy plan (tidy.ts) through ordinary grab/drop pairs, at most
 * TIDY_IN_FLIGHT_MAX actions unanswered at once so tidying never floods the
 * room. It moves on when answers arrive, not on frames, so a hidden tab tidies too.
 */
import type { PuzzleAction } from "../../shared/protocol.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";
import { planTidy, type TidyKind, type TidyMove } from "./tidy.ts";

/** Actions "gather"/"sort edges" keep in flight at once. */
export const TIDY_IN_FLIGHT_MAX = 40;

export class TidyQueue {
  private queue: TidyMove[] = [];

  get remaining(): number {
    return this.queue.length;
  }

  /** Plans a tidy of the view, replacing any unfinished one; returns how many pieces will move. */
  plan(view: PuzzleState, kind: TidyKind): number {
    this.queue = planTidy(view, kind);
    return this.queue.length;
  }

  clear(): void {
    this.queue = [];
  }

  /**
   * Sends the next moves while fewer than TIDY_IN_FLIGHT_MAX actions are
   * unanswered, skipping pieces that locked or were taken since the plan.
   * Returns true when it sent any.
   */
  run(view: PuzzleState, unanswered: number, send: (action: PuzzleAction) => void): boolean {
    let inFlight = unanswered;
    let sent = false;
    while (inFlight + 2 <= TIDY_IN_FLIGHT_MAX && this.queue.length > 0) {
      const next = this.queue.shift()!;
      const piece = view.pieces[next.pieceId];
      if (!piece || piece.locked || view.holds.has(piece.group)) continue;
      send({ type: "grab", pieceId: next.pieceId });
      send({ type: "drop", pieceId: next.pieceId, x: next.x, y: next.y });
      inFlight += 2;
      sent = true;
    }
    return sent;
  }
}
