/**
 * What the player's pointer wants of the piece it holds: where it should be,
 * and the moves that tell the room, throttled to MOVE_SEND_INTERVAL_MS and
 * renewed every LEASE_RENEW_INTERVAL_MS while the pointer is still. Both run on
 * the store's clock, not on frames, so a hidden tab keeps its hold.
 */
import { Alarm, type Clock } from "./clock.ts";

/** Moves of a dragged piece go out at most this often (25 Hz), whatever the pointer does. */
export const MOVE_SEND_INTERVAL_MS = 40;
/** A still drag renews its grab lease this often so the hold does not expire under the pointer. */
export const LEASE_RENEW_INTERVAL_MS = 3_000;

export interface Drag {
  pieceId: number;
  /** The grab that began the drag: its refusal ends the drag. */
  grabSeq: number;
  /** Offset from the pointer to the piece's top-left, in table px. */
  offsetX: number;
  offsetY: number;
  /** Where the pointer puts the piece's top-left, in table px. */
  x: number;
  y: number;
  /** The room has not been sent this position yet. */
  unsent: boolean;
  lastSentAtMs: number;
}

export class DragIntent {
  private current: Drag | null = null;
  private readonly alarm: Alarm;

  constructor(
    private readonly clock: Clock,
    private readonly sendMove: (pieceId: number, x: number, y: number) => void,
  ) {
    this.alarm = new Alarm(clock, () => this.due());
  }

  get drag(): Readonly<Drag> | null {
    return this.current;
  }

  /** Starts following the pointer; the grab itself was just sent. */
  begin(pieceId: number, grabSeq: number, piece: { x: number; y: number }, pointerX: number, pointerY: number): void {
    this.current = { pieceId, grabSeq, offsetX: piece.x - pointerX, offsetY: piece.y - pointerY, x: piece.x, y: piece.y, unsent: false, lastSentAtMs: this.clock.now() };
    this.arm();
  }

  /** A pointer step: sent at once when the throttle allows, else when it next does. */
  to(pointerX: number, pointerY: number): void {
    const drag = this.current;
    if (!drag) return;
    drag.x = pointerX + drag.offsetX;
    drag.y = pointerY + drag.offsetY;
    drag.unsent = true;
    this.sendIfDue();
    this.arm();
  }

  /** Ends the drag with the pointer here; returns where the piece goes, or null without a drag. */
  end(pointerX: number, pointerY: number): Drag | null {
    const drag = this.current;
    if (!drag) return null;
    drag.x = pointerX + drag.offsetX;
    drag.y = pointerY + drag.offsetY;
    this.cancel();
    return drag;
  }

  /** Stops following without a drop: the room refused the grab, or the link went down. */
  cancel(): void {
    this.current = null;
    this.alarm.clear();
  }

  private sendIfDue(): void {
    const drag = this.current;
    const nowMs = this.clock.now();
    if (!drag || !drag.unsent || nowMs - drag.lastSentAtMs < MOVE_SEND_INTERVAL_MS) return;
    drag.unsent = false;
    drag.lastSentAtMs = nowMs;
    this.sendMove(drag.pieceId, drag.x, drag.y);
  }

  private due(): void {
    const drag = this.current;
    if (!drag) return;
    // Resending the same position renews the lease.
    if (this.clock.now() - drag.lastSentAtMs >= LEASE_RENEW_INTERVAL_MS) drag.unsent = true;
    this.sendIfDue();
    this.arm();
  }

  private arm(): void {
    const drag = this.current;
    if (drag) this.alarm.setAt(drag.lastSentAtMs + (drag.unsent ? MOVE_SEND_INTERVAL_MS : LEASE_RENEW_INTERVAL_MS));
  }
}
