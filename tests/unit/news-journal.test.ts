/**
 * The room's news journal (party/room/news-journal.ts): what a client at a
 * position is owed, once per piece and hold, in order, shared by every client at
 * the same position, and kept only while someone still needs it.
 */
import { describe, expect, it } from "vitest";
import { NewsJournal, type NewsEncoders } from "../../party/room/news-journal.ts";
import { json, type Json } from "../../shared/frames.ts";
import type { BatchEvent, WireHold, WirePieceChange } from "../../shared/protocol.ts";

/** Encoders that read a piece's current position from `at` and count their calls. */
function encoders(at: Map<number, number>): NewsEncoders & { calls: number } {
  const counting = {
    calls: 0,
    piece: (id: number) => {
      counting.calls++;
      return json<WirePieceChange>([id, at.get(id) ?? 0, 0, id, 0]);
    },
    hold: (group: number) => {
      counting.calls++;
      return json<WireHold>([group, "p", 1]);
    },
  };
  return counting;
}

const parsed = (events: readonly Json<BatchEvent>[]): BatchEvent[] => events.map((event) => JSON.parse(event) as BatchEvent);

describe("NewsJournal", () => {
  it("owes a client the events after its position in order, then each changed piece and hold once, in its current form", () => {
    const journal = new NewsJournal();
    const at = new Map<number, number>();
    journal.changed([1], []);
    const position = journal.serial;
    journal.event(json<BatchEvent>({ type: "player-left", playerId: "a" }));
    at.set(2, 10);
    journal.changed([2, 3], [2]);
    journal.event(json<BatchEvent>({ type: "player-left", playerId: "b" }));
    at.set(2, 20);
    journal.changed([2], [2]);
    expect(parsed(journal.since(position, encoders(at)))).toEqual([
      { type: "player-left", playerId: "a" },
      { type: "player-left", playerId: "b" },
      { type: "pieces", pieces: [[2, 20, 0, 2, 0], [3, 0, 0, 3, 0]] },
      { type: "holds", holds: [[2, "p", 1]] },
    ]);
    expect(journal.since(journal.serial, encoders(at))).toEqual([]);
  });

  it("encodes the news after a position once for every client at it, until the next change", () => {
    const journal = new NewsJournal();
    const at = new Map<number, number>();
    const counting = encoders(at);
    const position = journal.serial;
    journal.changed([1, 2], [1]);
    const first = journal.since(position, counting);
    expect(journal.since(position, counting)).toBe(first);
    expect(counting.calls).toBe(3);
    journal.changed([3], []);
    const second = journal.since(position, counting);
    expect(second).not.toBe(first);
    expect(parsed(second).find((event) => event.type === "pieces")).toEqual({ type: "pieces", pieces: [[1, 0, 0, 1, 0], [2, 0, 0, 2, 0], [3, 0, 0, 3, 0]] });
  });

  it("after a trim still owes the oldest position everything, and a fresh position nothing", () => {
    const journal = new NewsJournal();
    const at = new Map<number, number>();
    journal.changed([1], []);
    const oldest = journal.serial;
    journal.changed([2], []);
    const before = parsed(journal.since(oldest, encoders(at)));
    journal.trim(oldest);
    journal.changed([3], []);
    expect(parsed(journal.since(oldest, encoders(at)))).toEqual([{ type: "pieces", pieces: [[2, 0, 0, 2, 0], [3, 0, 0, 3, 0]] }]);
    expect(before).toEqual([{ type: "pieces", pieces: [[2, 0, 0, 2, 0]] }]);
    journal.trim(journal.serial);
    expect(journal.since(journal.serial, encoders(at))).toEqual([]);
    // Trimmed away: what only a position older than every client's would have needed.
    expect(journal.since(0, encoders(at))).toEqual([]);
  });
});
