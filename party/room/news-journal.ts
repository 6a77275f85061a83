/**
 * What changed in a room, in order, kept only as far back as some client still
 * needs it. Every client's frame carries the news since the last frame it was
 * sent; in a busy room nearly every client was sent its last frame on the same
 * tick, so the news part of the next tick's frames is the same text for all of
 * them: it is encoded once per position and shared, and a change is recorded
 * once, not once per client.
 */
import { holdsEvent, piecesEvent, type Json } from "../../shared/frames.ts";
import type { BatchEvent, WireHold, WirePieceChange } from "../../shared/protocol.ts";

/** A change recorded at a serial: a room event already encoded, a piece or a hold (by group). */
type Entry = { serial: number; kind: "event"; encoded: Json<BatchEvent> } | { serial: number; kind: "piece" | "hold"; id: number };

/** How the journal reads the current wire form of a piece or a hold (the room caches these per change). */
export interface NewsEncoders {
  piece(id: number): Json<WirePieceChange>;
  hold(group: number): Json<WireHold>;
}

export class NewsJournal {
  private serialNow = 0;
  /** Entries with serials after the oldest position a client holds, in serial order. */
  private entries: Entry[] = [];
  /** The news after a position, encoded: valid until the next change. */
  private readonly encoded = new Map<number, readonly Json<BatchEvent>[]>();

  /** The serial of the latest change: a client sent everything up to it has no news. */
  get serial(): number {
    return this.serialNow;
  }

  /** Records room events that every client hears. */
  event(encoded: Json<BatchEvent>): void {
    this.entries.push({ serial: this.bump(), kind: "event", encoded });
  }

  /** Records pieces and holds that changed, as one change. */
  changed(pieces: readonly number[], holds: readonly number[]): void {
    if (pieces.length === 0 && holds.length === 0) return;
    const serial = this.bump();
    for (const id of pieces) this.entries.push({ serial, kind: "piece", id });
    for (const id of holds) this.entries.push({ serial, kind: "hold", id });
  }

  /**
   * The events a client last sent news up to `position` needs: room events in
   * order, then one pieces and one holds event with each piece or hold once in
   * its current form. The same array for every client at the same position.
   */
  since(position: number, encoders: NewsEncoders): readonly Json<BatchEvent>[] {
    const cached = this.encoded.get(position);
    if (cached) return cached;
    const events: Json<BatchEvent>[] = [];
    const pieces = new Set<number>();
    const holds = new Set<number>();
    for (let index = this.firstAfter(position); index < this.entries.length; index++) {
      const entry = this.entries[index]!;
      if (entry.kind === "event") events.push(entry.encoded);
      else (entry.kind === "piece" ? pieces : holds).add(entry.id);
    }
    if (pieces.size > 0) events.push(piecesEvent(Array.from(pieces, (id) => encoders.piece(id))));
    if (holds.size > 0) events.push(holdsEvent(Array.from(holds, (group) => encoders.hold(group))));
    this.encoded.set(position, events);
    return events;
  }

  /** Forgets what every client has been sent: `oldest` is the earliest position a client holds. */
  trim(oldest: number): void {
    const first = this.firstAfter(oldest);
    if (first > 0) this.entries = this.entries.slice(first);
  }

  /** Forgets everything (the room unloaded; no client remains). */
  clear(): void {
    this.entries = [];
    this.encoded.clear();
  }

  private bump(): number {
    this.encoded.clear();
    return ++this.serialNow;
  }

  /** Index of the first entry after `position` (binary search: entries are in serial order). */
  private firstAfter(position: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle]!.serial <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
