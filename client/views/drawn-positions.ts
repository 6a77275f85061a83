/**
 * Where pieces and cursors are drawn, as opposed to where the puzzle says they
 * are: fed each frame by what the store reports changed, eased here. Pieces
 * under the player's own pointer follow it exactly, snaps ease in, everything
 * else glides towards its latest position (remote deltas arrive at 20-60 Hz and
 * would otherwise stutter). Every turn eases in, whoever made it, and the
 * pieces it swings round the held one glide there even under the pointer.
 * No Phaser: tests drive it in Node.
 */
import type { PuzzleStore } from "../store/puzzle-store.ts";
import { REMOTE_SMOOTHING_MS, SNAP_SMOOTHING_MS, TURN_SMOOTHING_MS, Smoothing } from "./smoothing.ts";

/** A frame never advances the glides by more than this, so a stalled tab does not jump. */
const MAX_FRAME_STEP_MS = 100;
/** The step assumed for the first frame. */
const FIRST_FRAME_STEP_MS = 16;

export class DrawnPositions {
  readonly smoothing: Smoothing;
  private readonly drawnCursors = new Map<string, { x: number; y: number }>();
  private readonly scratch = new Set<number>();
  private lastFrameMs: number | null = null;

  /** Starts with every piece where the store's view has it. */
  constructor(private readonly store: PuzzleStore) {
    const pieces = store.view?.pieces ?? [];
    this.smoothing = new Smoothing(pieces.length);
    pieces.forEach((piece, id) => {
      this.smoothing.jump(id, piece.x, piece.y);
      this.smoothing.turnTo(id, piece.rotation, "once");
    });
    this.sync();
  }

  /** Drawn positions of other players' cursors, by player. */
  get cursors(): ReadonlyMap<string, { x: number; y: number }> {
    return this.drawnCursors;
  }

  /**
   * Takes the pieces the store changed (adding them to `changed`, when given)
   * and sets each on its way to its new place, without moving time.
   */
  sync(changed?: Set<number>): void {
    const store = this.store;
    const taken = this.scratch;
    const fresh = store.takeChanges(taken);
    const view = store.view;
    if (!view || taken.size === 0) return;
    const smoothing = this.smoothing;
    for (const id of taken) {
      changed?.add(id);
      const piece = view.pieces[id];
      if (!piece) continue;
      const motion = fresh ? "follow" : store.motionOf(id);
      const turned = smoothing.turnTo(id, piece.rotation, fresh ? "once" : "ease");
      if (motion === "follow" && (fresh || !turned)) smoothing.jump(id, piece.x, piece.y);
      else smoothing.glide(id, piece.x, piece.y, turned ? TURN_SMOOTHING_MS : motion === "snap" ? SNAP_SMOOTHING_MS : REMOTE_SMOOTHING_MS);
    }
    taken.clear();
  }

  /** A frame at `nowMs`: takes the store's changes into `changed` and advances every glide. */
  frame(nowMs: number, changed: Set<number>): void {
    const dtMs = this.lastFrameMs === null ? FIRST_FRAME_STEP_MS : Math.min(MAX_FRAME_STEP_MS, nowMs - this.lastFrameMs);
    this.lastFrameMs = nowMs;
    this.sync(changed);
    this.smoothing.advance(dtMs);
    const factor = 1 - Math.exp(-dtMs / REMOTE_SMOOTHING_MS);
    const remote = this.store.presence.cursors;
    for (const [playerId, cursor] of remote) {
      const drawn = this.drawnCursors.get(playerId);
      if (!drawn) {
        this.drawnCursors.set(playerId, { x: cursor.x, y: cursor.y });
        continue;
      }
      drawn.x += (cursor.x - drawn.x) * factor;
      drawn.y += (cursor.y - drawn.y) * factor;
    }
    for (const playerId of this.drawnCursors.keys()) if (!remote.has(playerId)) this.drawnCursors.delete(playerId);
  }
}
