/**
 * The store as a watcher (issue 11): its input does nothing and it sends
 * nothing but a seat request; the audience counts and the reason it watches
 * come from the room; a `seated` event makes it a player; a refused seat is a
 * notice, not the end.
 */
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { ME, setup, snapshotOf } from "./client-harness.ts";

function watching(because: "asked" | "room-full" = "asked") {
  const harness = setup();
  harness.link.sent.length = 0;
  harness.link.deliver({ type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: ME, token: "t", snapshot: snapshotOf(harness.server), role: "watcher", watchingBecause: because, audience: { players: 2, watchers: 7 } });
  return harness;
}

describe("a watching store", () => {
  it("knows its role, why it watches and the counts", () => {
    const { store, batch } = watching("room-full");
    expect(store.role).toBe("watcher");
    expect(store.watchingBecause).toBe("room-full");
    expect(store.audience).toEqual({ players: 2, watchers: 7 });
    batch([{ type: "audience", players: 3, watchers: 6 }]);
    expect(store.audience).toEqual({ players: 3, watchers: 6 });
  });

  it("does nothing with input and sends nothing", () => {
    const { store, sent, advance } = watching();
    const piece = store.view!.pieces[3]!;
    expect(store.beginDrag(3, piece.x, piece.y)).toBe("not-ready");
    store.dragTo(piece.x + 40, piece.y);
    store.endDrag(piece.x + 40, piece.y);
    expect(store.rotateHeld(1)).toBe(false);
    expect(store.tidy("edges")).toBe(0);
    store.pointerAt(10, 10);
    advance(500);
    expect(sent).toEqual([]);
    expect(store.view!.pieces[3]).toMatchObject({ x: piece.x, y: piece.y });
  });

  it("asks for a seat, and plays once seated", () => {
    const { store, sent, batch, actions } = watching();
    store.takeSeat();
    expect(sent).toEqual([{ type: "seat" }]);
    batch([{ type: "seated" }]);
    expect(store.role).toBe("player");
    expect(store.watchingBecause).toBeNull();
    const piece = store.view!.pieces[3]!;
    expect(store.beginDrag(3, piece.x, piece.y)).toBe("dragging");
    expect(actions().map((message) => message.type)).toEqual(["grab"]);
  });

  it("hears a refused seat as a notice and goes on watching", () => {
    const { store, link } = watching("room-full");
    store.takeSeat();
    link.deliver({ type: "error", code: "room-full", message: "every player seat is taken (64 players)" });
    expect(store.role).toBe("watcher");
    expect(store.notices.fatal).toBeNull();
    expect(store.notices.current.map((notice) => notice.text).join(" ")).toContain("No seat for you yet");
  });

  it("a player's store sends no seat request", () => {
    const { store, sent } = setup();
    sent.length = 0;
    store.takeSeat();
    expect(sent).toEqual([]);
  });
});
