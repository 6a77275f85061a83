/**
 * A long press: one touch held still on the empty table for LONG_PRESS_MS
 * marks that spot (issue 14). A move past LONG_PRESS_SLOP_CSS_PX, a lift or a
 * second finger cancels it, so a pan or a pinch never marks.
 */

/** How long a touch must stay still to mark. */
export const LONG_PRESS_MS = 550;
/** How far (CSS px) a still touch may wander. */
export const LONG_PRESS_SLOP_CSS_PX = 10;

export class LongPress {
  private pending: { pointerId: number; x: number; y: number; slop: number; timer: ReturnType<typeof setTimeout> } | null = null;

  /** Starts waiting for pointer `pointerId` at (x, y) in canvas px; `fire` runs if it stays still long enough. */
  start(pointerId: number, x: number, y: number, pixelRatio: number, fire: () => void): void {
    this.cancel();
    const timer = setTimeout(() => {
      this.pending = null;
      fire();
    }, LONG_PRESS_MS);
    this.pending = { pointerId, x, y, slop: LONG_PRESS_SLOP_CSS_PX * pixelRatio, timer };
  }

  moved(pointerId: number, x: number, y: number): void {
    const pending = this.pending;
    if (pending && pending.pointerId === pointerId && Math.hypot(x - pending.x, y - pending.y) > pending.slop) this.cancel();
  }

  cancel(): void {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = null;
  }
}
