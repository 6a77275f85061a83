/**
 * Time as the store sees it: a clock to read and to be called back by. The
 * browser passes one over performance.now and setTimeout; tests and the fuzz
 * pass a ManualClock and move it by hand, so no timer runs that they cannot drive.
 */

export interface Clock {
  /** Milliseconds on a monotonic scale; only differences mean anything. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now; returns a function that cancels it. */
  after(delayMs: number, callback: () => void): () => void;
}

interface ManualTimer {
  dueAtMs: number;
  order: number;
  callback: () => void;
}

/** A clock that moves only when told: `advance` runs every callback due on the way, in time order. */
export class ManualClock implements Clock {
  private timeMs: number;
  private timers: ManualTimer[] = [];
  private scheduled = 0;

  constructor(startMs = 0) {
    this.timeMs = startMs;
  }

  now(): number {
    return this.timeMs;
  }

  after(delayMs: number, callback: () => void): () => void {
    const timer = { dueAtMs: this.timeMs + Math.max(0, delayMs), order: this.scheduled++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  /** Moves time on by `ms`, stopping at each due callback (the clock reads its due time while it runs). */
  advance(ms: number): void {
    const endMs = this.timeMs + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers) {
        if (timer.dueAtMs <= endMs && (!next || timer.dueAtMs < next.dueAtMs || (timer.dueAtMs === next.dueAtMs && timer.order < next.order))) next = timer;
      }
      if (!next) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.timeMs = Math.max(this.timeMs, next.dueAtMs);
      next.callback();
    }
    this.timeMs = endMs;
  }

  /** Callbacks waiting, for tests that check nothing is left running. */
  pendingTimers(): number {
    return this.timers.length;
  }
}

/**
 * One callback at most waiting on a clock. Setting it again moves it, so a part
 * that owns an alarm never has two timers of its own running.
 */
export class Alarm {
  private cancel: (() => void) | null = null;
  private dueAtMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly ring: () => void,
  ) {}

  /** Rings at `atMs` (at once, on the clock, if that has passed). */
  setAt(atMs: number): void {
    if (this.cancel && this.dueAtMs === atMs) return;
    this.clear();
    this.dueAtMs = atMs;
    this.cancel = this.clock.after(atMs - this.clock.now(), () => {
      this.cancel = null;
      this.dueAtMs = Number.POSITIVE_INFINITY;
      this.ring();
    });
  }

  clear(): void {
    this.cancel?.();
    this.cancel = null;
    this.dueAtMs = Number.POSITIVE_INFINITY;
  }
}
