/**
 * Drawn piece positions and turns, and their easing: a jump, a glide towards a
 * target with a time constant, and a step of time for every glide under way.
 * Which piece does what is decided by DrawnPositions (drawn-positions.ts).
 */
import type { Rotation } from "../../shared/rotation.ts";

/** Time constant of the glide towards a remote piece's latest position. */
export const REMOTE_SMOOTHING_MS = 45;
/** Time constant of a snap into place (to a neighbour or to the board). */
export const SNAP_SMOOTHING_MS = 70;
/** Time constant of a quarter turn, whoever turned the piece. */
export const TURN_SMOOTHING_MS = 60;
/** Closer than this the glide ends on the exact position. */
const SETTLE_DISTANCE_PX = 0.25;
/** Closer than this (about a fifth of a degree) a turn ends on the exact rotation. */
const SETTLE_QUARTER_TURNS = 0.002;

export class Smoothing {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /**
   * Drawn rotation in quarter turns clockwise: fractional while a turn eases in,
   * and exactly 0, 1, 2 or 3 once it has settled (0 for every upright piece).
   */
  readonly turns: Float64Array;
  private readonly targetX: Float64Array;
  private readonly targetY: Float64Array;
  private readonly targetTurns: Float64Array;
  private readonly tauMs: Float64Array;
  /** Pieces still on their way to their target position or rotation. */
  private readonly moving = new Set<number>();
  /** Pieces still turning. */
  private readonly turning = new Set<number>();

  constructor(count: number) {
    this.x = new Float64Array(count);
    this.y = new Float64Array(count);
    this.turns = new Float64Array(count);
    this.targetX = new Float64Array(count);
    this.targetY = new Float64Array(count);
    this.targetTurns = new Float64Array(count);
    this.tauMs = new Float64Array(count);
  }

  /** Puts a piece at a position at once (first load, own drag); a turn under way goes on. */
  jump(id: number, x: number, y: number): void {
    this.x[id] = x;
    this.y[id] = y;
    this.targetX[id] = x;
    this.targetY[id] = y;
    if (!this.turning.has(id)) this.moving.delete(id);
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

  /**
   * Turns a piece to `rotation`, the short way round (a half turn goes
   * clockwise), easing over TURN_SMOOTHING_MS, or at once; returns false when
   * it is turned so already.
   */
  turnTo(id: number, rotation: Rotation, at: "ease" | "once"): boolean {
    const from = this.targetTurns[id]!;
    let delta = (((rotation - from) % 4) + 4) % 4;
    if (delta === 0) return false;
    if (delta === 3) delta = -1;
    if (at === "once") {
      this.turns[id] = rotation;
      this.targetTurns[id] = rotation;
      this.turning.delete(id);
      return true;
    }
    this.targetTurns[id] = from + delta;
    this.turning.add(id);
    this.moving.add(id);
    return true;
  }

  isMoving(id: number): boolean {
    return this.moving.has(id);
  }

  /** True while some piece is still turning (outlines drawn around it must follow). */
  get anyTurning(): boolean {
    return this.turning.size > 0;
  }

  /**
   * Advances every glide and turn by `dtMs`. The scene reads drawn positions
   * and turns from these arrays, so a step needs no other notice: stacking
   * changes only when a target, group or lock changes, which the store reports.
   */
  advance(dtMs: number): void {
    for (const id of this.moving) {
      const dx = this.targetX[id]! - this.x[id]!;
      const dy = this.targetY[id]! - this.y[id]!;
      let settled = true;
      // A piece that only turns may never have glided, and has no time constant of its own.
      if (dx !== 0 || dy !== 0) {
        const factor = 1 - Math.exp(-dtMs / this.tauMs[id]!);
        if (Math.abs(dx) * (1 - factor) < SETTLE_DISTANCE_PX && Math.abs(dy) * (1 - factor) < SETTLE_DISTANCE_PX) {
          this.x[id] = this.targetX[id]!;
          this.y[id] = this.targetY[id]!;
        } else {
          this.x[id] = this.x[id]! + dx * factor;
          this.y[id] = this.y[id]! + dy * factor;
          settled = false;
        }
      }
      if (this.turning.has(id) && !this.turnStep(id, dtMs)) settled = false;
      if (settled) this.moving.delete(id);
    }
  }

  /** One step of a turn; true once it has settled (on a whole rotation, 0-3). */
  private turnStep(id: number, dtMs: number): boolean {
    const factor = 1 - Math.exp(-dtMs / TURN_SMOOTHING_MS);
    const delta = this.targetTurns[id]! - this.turns[id]!;
    if (Math.abs(delta) * (1 - factor) >= SETTLE_QUARTER_TURNS) {
      this.turns[id] = this.turns[id]! + delta * factor;
      return false;
    }
    const settled = ((this.targetTurns[id]! % 4) + 4) % 4;
    this.turns[id] = settled;
    this.targetTurns[id] = settled;
    this.turning.delete(id);
    return true;
  }
}
