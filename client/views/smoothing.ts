/**
 * Drawn piece positions and their easing: a jump, a glide towards a target
 * with a time constant, and a step of time for every glide under way. Which
 * piece does what is decided by DrawnPositions (drawn-positions.ts).
 */

/** Time constant of the glide towards a remote piece's latest position. */
export const REMOTE_SMOOTHING_MS = 45;
/** Time constant of a snap into place (to a neighbour or to the board). */
export const SNAP_SMOOTHING_MS = 70;
/** Closer than this the glide ends on the exact position. */
const SETTLE_DISTANCE_PX = 0.25;

export class Smoothing {
  readonly x: Float64Array;
  readonly y: Float64Array;
  private readonly targetX: Float64Array;
  private readonly targetY: Float64Array;
  private readonly tauMs: Float64Array;
  /** Pieces still on their way to their target. */
  private readonly moving = new Set<number>();

  constructor(count: number) {
    this.x = new Float64Array(count);
    this.y = new Float64Array(count);
    this.targetX = new Float64Array(count);
    this.targetY = new Float64Array(count);
    this.tauMs = new Float64Array(count);
  }

  /** Puts a piece at a position at once (first load, own drag). */
  jump(id: number, x: number, y: number): void {
    this.x[id] = x;
    this.y[id] = y;
    this.targetX[id] = x;
    this.targetY[id] = y;
    this.moving.delete(id);
  }

  /** Starts a glide towards a new position; returns false when it is already there. */
  glide(id: number, x: number, y: number, tauMs: number): boolean {
    if (this.targetX[id] === x && this.targetY[id] === y) return false;
    this.targetX[id] = x;
    this.targetY[id] = y;
    this.tauMs[id] = tauMs;
    this.moving.add(id);
    return true;
  }

  isMoving(id: number): boolean {
    return this.moving.has(id);
  }

  /**
   * Advances every glide by `dtMs`. The scene reads drawn positions from these
   * arrays, so a glide step needs no other notice: stacking changes only when a
   * target, group or lock changes, which the store reports.
   */
  advance(dtMs: number): void {
    for (const id of this.moving) {
      const factor = 1 - Math.exp(-dtMs / this.tauMs[id]!);
      const dx = this.targetX[id]! - this.x[id]!;
      const dy = this.targetY[id]! - this.y[id]!;
      if (Math.abs(dx) * (1 - factor) < SETTLE_DISTANCE_PX && Math.abs(dy) * (1 - factor) < SETTLE_DISTANCE_PX) {
        this.x[id] = this.targetX[id]!;
        this.y[id] = this.targetY[id]!;
        this.moving.delete(id);
      } else {
        this.x[id] = this.x[id]! + dx * factor;
        this.y[id] = this.y[id]! + dy * factor;
      }
    }
  }
}
