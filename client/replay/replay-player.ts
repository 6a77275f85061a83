/**
 * Playing a ReplayTimeline: the moment shown, play and pause, and the speed
 * (1x to 1,000x the game's own pace). The scene calls `frame` once per
 * animation frame; the panel and the test hook read it and subscribe to it.
 * No DOM and no clock of its own: the caller passes the time that went by.
 */
import type { ReplayTimeline } from "./replay-timeline.ts";

/** The speeds offered, as multiples of the game's own pace. */
export const REPLAY_SPEEDS = [1, 4, 16, 60, 250, 1_000] as const;
/** The speed a replay starts at plays the whole game in at most this long, where 1,000x allows. */
const WHOLE_GAME_TARGET_MS = 45_000;

/** The slowest speed that shows a game of `durationMs` in WHOLE_GAME_TARGET_MS or less (1,000x at most). */
export function defaultSpeed(durationMs: number): number {
  return REPLAY_SPEEDS.find((speed) => durationMs / speed <= WHOLE_GAME_TARGET_MS) ?? REPLAY_SPEEDS[REPLAY_SPEEDS.length - 1]!;
}

export class ReplayPlayer {
  private timeMs = 0;
  private playingNow = false;
  private speedNow: number;
  private readonly listeners = new Set<() => void>();
  /** The game is still going: at the end of what is read, playing waits for more instead of stopping. */
  live = false;

  constructor(readonly timeline: ReplayTimeline) {
    this.speedNow = defaultSpeed(timeline.durationMs);
  }

  /** The moment shown, in ms since the replay's start. */
  get time(): number {
    return this.timeMs;
  }

  get playing(): boolean {
    return this.playingNow;
  }

  get speed(): number {
    return this.speedNow;
  }

  get atEnd(): boolean {
    return this.timeMs >= this.timeline.durationMs;
  }

  play(): void {
    // Played to the end of a finished game: play again from the start.
    if (this.atEnd && !this.live) this.seek(0);
    this.playingNow = true;
    this.emit();
  }

  pause(): void {
    this.playingNow = false;
    this.emit();
  }

  toggle(): void {
    if (this.playingNow) this.pause();
    else this.play();
  }

  setSpeed(speed: number): void {
    this.speedNow = Math.min(1_000, Math.max(1, speed));
    this.emit();
  }

  /** Shows the moment `timeMs` after the start (clamped to the log). */
  seek(timeMs: number): void {
    this.timeMs = Math.max(0, Math.min(this.timeline.durationMs, timeMs));
    this.timeline.seek(this.timeline.startMs + this.timeMs);
    this.emit();
  }

  /** An animation frame `dtMs` after the last: moves the moment on while playing; stops at the end. */
  frame(dtMs: number): void {
    if (!this.playingNow) return;
    const end = this.timeline.durationMs;
    this.timeMs = Math.min(end, this.timeMs + dtMs * this.speedNow);
    this.timeline.seek(this.timeline.startMs + this.timeMs);
    if (this.timeMs >= end && !this.live) this.playingNow = false;
    this.emit();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
