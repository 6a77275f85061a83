/**
 * Carries out a tidy plan (tidy.ts) through ordinary grab/drop pairs, at most
 * TIDY_IN_FLIGHT_MAX actions unanswered at once so tidying never floods the
 * room. It moves on when answers arrive, not on frames, so a hidden tab tidies
 * too; and it stays within the rooms' action limit (150 a second from one
 * connection by default, party/common/limits.ts): a small tidy goes out as fast
 * as the room answers, a big one at TIDY_ACTIONS_PER_S, resumed on the clock.
 */
import type { PuzzleAction } from "../../shared/protocol.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";
import { Alarm, type Clock } from "./clock.ts";
import { planTidy, type TidyKind, type TidyMove } from "./tidy.ts";

/** Actions "gather"/"sort edges" keep in flight at once. */
export const TIDY_IN_FLIGHT_MAX = 40;
/** Actions a tidy sends a second once its burst is spent... */
export const TIDY_ACTIONS_PER_S = 100;
/** ...and the burst: a tidy of up to 60 pieces is never slowed. */
export const TIDY_BURST_ACTIONS = 120;

export class TidyQueue {
  private queue: TidyMove[] = [];
  private tokens = TIDY_BURST_ACTIONS;
  private tokensAtMs: number;
  private readonly resume: Alarm;

  /** `resumed` is called when the pacing lets the tidy go on (the store runs it again). */
  constructor(
    private readonly clock: Clock,
    resumed: () => void,
  ) {
    this.tokensAtMs = clock.now();
    this.resume = new Alarm(clock, resumed);
  }

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
    this.resume.clear();
  }

  /**
   * Sends the next moves while fewer than TIDY_IN_FLIGHT_MAX actions are
   * unanswered, skipping pieces that locked or were taken since the plan.
   * Returns true when it sent any.
   */
  run(view: PuzzleState, unanswered: number, send: (action: PuzzleAction) => void): boolean {
    const nowMs = this.clock.now();
    this.tokens = Math.min(TIDY_BURST_ACTIONS, this.tokens + ((nowMs - this.tokensAtMs) * TIDY_ACTIONS_PER_S) / 1000);
    this.tokensAtMs = nowMs;
    let inFlight = unanswered;
    let sent = false;
    while (inFlight + 2 <= TIDY_IN_FLIGHT_MAX && this.queue.length > 0) {
      if (this.tokens < 2) {
        this.resume.setAt(nowMs + Math.ceil(((2 - this.tokens) * 1000) / TIDY_ACTIONS_PER_S));
        break;
      }
      const next = this.queue.shift()!;
      const piece = view.pieces[next.pieceId];
      if (!piece || piece.locked || view.holds.has(piece.group)) continue;
      send({ type: "grab", pieceId: next.pieceId });
      send({ type: "drop", pieceId: next.pieceId, x: next.x, y: next.y });
      this.tokens -= 2;
      inFlight += 2;
      sent = true;
    }
    return sent;
  }
}
