/**
 * Fan-out latency: from the moment a player sends a move until the last other
 * player of the room has seen the piece there. Batching may skip intermediate
 * positions, so seeing a later position of a piece counts as having seen the
 * earlier ones too.
 */

interface Pending {
  index: number;
  x: number;
  y: number;
  sentAtMs: number;
  sender: string;
  /** Receivers still to see it. */
  waiting: Set<string>;
}

export class FanOutTracker {
  private readonly pending = new Map<number, Pending[]>();
  private readonly nextIndex = new Map<number, number>();
  private readonly lastSent = new Map<number, { x: number; y: number }>();
  /** Per receiver and piece, the highest move index it has seen. */
  private readonly seen = new Map<string, Map<number, number>>();
  readonly latenciesMs: number[] = [];

  /** Records a move `sender` sent; `receivers` are the room's other players. */
  sent(pieceId: number, x: number, y: number, sentAtMs: number, sender: string, receivers: Iterable<string>): void {
    // One set per move: this runs for every move the generator sends.
    const waiting = new Set(receivers);
    waiting.delete(sender);
    if (waiting.size === 0) return;
    // A move to where the piece already is changes nothing, so nobody is sent anything.
    const previous = this.lastSent.get(pieceId);
    this.lastSent.set(pieceId, { x, y });
    if (previous && previous.x === x && previous.y === y) return;
    let list = this.pending.get(pieceId);
    if (!list) this.pending.set(pieceId, (list = []));
    const index = this.nextIndex.get(pieceId) ?? 0;
    this.nextIndex.set(pieceId, index + 1);
    list.push({ index, x, y, sentAtMs, sender, waiting });
  }

  /** A receiver's batch showed `pieceId` at (x, y). */
  observed(receiver: string, pieceId: number, x: number, y: number, atMs: number): void {
    const list = this.pending.get(pieceId);
    if (!list || list.length === 0) return;
    let bySeen = this.seen.get(receiver);
    if (!bySeen) this.seen.set(receiver, (bySeen = new Map()));
    const after = bySeen.get(pieceId) ?? -1;
    const match = list.find((entry) => entry.index > after && entry.x === x && entry.y === y && entry.sender !== receiver);
    if (!match) return;
    bySeen.set(pieceId, match.index);
    for (const entry of list) {
      if (entry.index > match.index) break;
      if (entry.waiting.delete(receiver) && entry.waiting.size === 0) this.latenciesMs.push(atMs - entry.sentAtMs);
    }
    while (list.length > 0 && list[0]!.waiting.size === 0) list.shift();
  }

  /** Moves some receiver never saw (superseded moves a receiver saw past count as seen). */
  incomplete(): number {
    let count = 0;
    for (const list of this.pending.values()) count += list.filter((entry) => entry.waiting.size > 0).length;
    return count;
  }
}
