/**
 * The client's chat store (client/store/chat.ts) over the real room in-process
 * (QueuedLink): lines from the room, the unread count while the panel is
 * folded, mutes remembered per room, marks that fade on the store's clock, and
 * what is refused before it is sent. Time moves by hand.
 */
import { describe, expect, it } from "vitest";
import { MARK_SHOWN_MS } from "../../shared/chat.ts";
import { ChatStore, type KeyValueStore } from "../../client/store/chat.ts";
import { ManualClock } from "../../client/store/clock.ts";
import { InMemoryRoom } from "../../testkit/in-memory-room.ts";
import { QueuedLink } from "../../testkit/queued-link.ts";

const TWELVE = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 7 };

class MemoryKeyValue implements KeyValueStore {
  readonly values = new Map<string, string>();
  getItem(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.values.set(key, value);
  }
}

function setUp(storage = new MemoryKeyValue()) {
  const room = new InMemoryRoom();
  const clock = new ManualClock();
  const annLink = new QueuedLink("ann", "Ann", TWELVE);
  const bobLink = new QueuedLink("bob", "Bob");
  const ann = new ChatStore(annLink, clock, new MemoryKeyValue(), "r1");
  const bob = new ChatStore(bobLink, clock, storage, "r1");
  const pump = () => {
    for (let round = 0; round < 4; round++) {
      annLink.deliverToRoom();
      bobLink.deliverToRoom();
      room.settle();
      annLink.deliverToStore();
      bobLink.deliverToStore();
    }
  };
  annLink.open(room.core);
  pump();
  bobLink.open(room.core);
  pump();
  return { room, clock, ann, bob, pump, storage };
}

describe("the client's chat store", () => {
  it("counts lines from others while the panel is folded, and none once it opens", () => {
    const { ann, bob, pump } = setUp();
    expect(ann.say("  hello   Bob ")).toEqual({ ok: true });
    pump();
    expect(bob.lines.map((line) => line.text)).toEqual(["hello Bob"]);
    expect(bob.unread).toBe(1);
    // Own lines are never unread.
    expect(ann.unread).toBe(0);
    bob.setOpen(true);
    expect(bob.unread).toBe(0);
    ann.say("again");
    pump();
    expect(bob.unread).toBe(0);
  });

  it("refuses before sending what the room would refuse", () => {
    const { ann, bob, pump } = setUp();
    expect(ann.say("   ").ok).toBe(false);
    expect(ann.say("x\u202Ey").ok).toBe(false);
    expect(ann.mark(-10, 5).ok).toBe(false);
    expect(ann.lastRefusal).toBe("Marks go on the table; that spot is off it.");
    pump();
    expect(bob.lines).toEqual([]);
    expect(bob.marks).toEqual([]);
  });

  it("shows a mark for MARK_SHOWN_MS on its clock, then drops it", () => {
    const { ann, bob, pump, clock } = setUp();
    ann.setMarkKind("heart");
    expect(ann.mark(40.4, 50.6)).toEqual({ ok: true });
    pump();
    expect(bob.marks.map((mark) => [mark.x, mark.y, mark.kind, mark.name])).toEqual([[40, 51, "heart", "Ann"]]);
    clock.advance(MARK_SHOWN_MS - 1);
    expect(bob.marks).toHaveLength(1);
    clock.advance(1);
    expect(bob.marks).toEqual([]);
    expect(bob.markHistory).toHaveLength(1);
  });

  it("hides a muted speaker's lines and marks, and remembers the mute for the room", () => {
    const storage = new MemoryKeyValue();
    const { ann, bob, pump } = setUp(storage);
    ann.say("one");
    pump();
    const annId = bob.lines[0]!.from;
    bob.setMuted(annId, true);
    expect(bob.lines).toEqual([]);
    ann.say("two");
    ann.mark(10, 10);
    pump();
    expect(bob.lines).toEqual([]);
    expect(bob.marks).toEqual([]);
    expect(bob.unread).toBe(1);
    // Another tab of the same browser, in the same room, starts with the mute.
    const again = setUp(storage);
    expect(again.bob.isMuted(annId)).toBe(true);
    bob.unmuteAll();
    expect(bob.lines.map((line) => line.text)).toEqual(["one", "two"]);
  });
});
