/**
 * Where the other players' pointers are, as the room last said, and this
 * player's own pointer, sent at most every CURSOR_SEND_INTERVAL_MS on the
 * store's clock. Easing cursors on screen is the views' business.
 */
import { Alarm, type Clock } from "./clock.ts";

/** Own cursor position goes out at most this often. */
export const CURSOR_SEND_INTERVAL_MS = 50;

export interface RemoteCursor {
  playerId: string;
  /** The latest position the room reported, in table px. */
  x: number;
  y: number;
  seenAtMs: number;
}

export class Presence {
  private readonly remote = new Map<string, RemoteCursor>();
  private unsent: { x: number; y: number } | null = null;
  private lastSentAtMs = Number.NEGATIVE_INFINITY;
  private readonly alarm: Alarm;

  /** `send` returns false when the link cannot carry the cursor now; it is sent when the link opens. */
  constructor(
    private readonly clock: Clock,
    private readonly send: (x: number, y: number) => boolean,
  ) {
    this.alarm = new Alarm(clock, () => this.sendIfDue());
  }

  get cursors(): ReadonlyMap<string, RemoteCursor> {
    return this.remote;
  }

  /** A cursors event; this player's own entry is ignored. */
  received(cursors: ReadonlyArray<readonly [string, number, number]>, myId: string): void {
    const nowMs = this.clock.now();
    for (const [playerId, x, y] of cursors) {
      if (playerId === myId) continue;
      const cursor = this.remote.get(playerId);
      if (cursor) Object.assign(cursor, { x, y, seenAtMs: nowMs });
      else this.remote.set(playerId, { playerId, x, y, seenAtMs: nowMs });
    }
  }

  left(playerId: string): void {
    this.remote.delete(playerId);
  }

  /** Own pointer on the table. */
  pointerAt(x: number, y: number): void {
    this.unsent = { x: Math.round(x), y: Math.round(y) };
    this.sendIfDue();
  }

  /** The link is up again: a position held back goes now. */
  linkOpened(): void {
    this.sendIfDue();
  }

  private sendIfDue(): void {
    if (!this.unsent) return;
    const dueAtMs = this.lastSentAtMs + CURSOR_SEND_INTERVAL_MS;
    const nowMs = this.clock.now();
    if (nowMs < dueAtMs) return this.alarm.setAt(dueAtMs);
    if (!this.send(this.unsent.x, this.unsent.y)) return;
    this.unsent = null;
    this.lastSentAtMs = nowMs;
  }
}
