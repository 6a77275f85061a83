/**
 * What RoomCore adds to the limits, in-process: actions the boundary dropped are
 * rejected as rate-limited like any other, a hold that only renews lapses,
 * a creation the host refuses is refused with a sentence, names are
 * normalised and made unique, and an idle room unloads and rebuilds from storage.
 */
import { describe, expect, it } from "vitest";
import { CLOSE_REFUSED, PROTOCOL_VERSION, type Batch, type BatchEvent, type ServerMessage } from "../../shared/protocol.ts";
import { GRAB_LEASE_MS } from "../../shared/rules.ts";
import { STILL_HOLD_MAX_MS } from "../../party/room/room-core.ts";
import { InMemoryRoom, type FakeClient } from "../../testkit/in-memory-room.ts";

const TWELVE = { imageId: "test", imageWidth: 400, imageHeight: 300, pieceCount: 12, seed: 1 };

function events(messages: ServerMessage[]): BatchEvent[] {
  return messages.flatMap((message) => (message.type === "batch" ? (message as Batch).events : []));
}

function roomWith(names: string[]): { room: InMemoryRoom; clients: FakeClient[] } {
  const room = new InMemoryRoom();
  const clients = names.map((name, index) => {
    const client = room.connect();
    client.hello(name, index === 0 ? { create: TWELVE } : {});
    return client;
  });
  room.settle();
  return { room, clients };
}

describe("actions the boundary dropped", () => {
  it("are rejected as rate-limited in the client's next frame, and change nothing", () => {
    const { room, clients } = roomWith(["Ann"]);
    const [ann] = clients as [FakeClient];
    const before = { snapshot: room.core.snapshot(), summary: room.core.summary() };
    const from = ann.count;
    room.core.refuseAction(ann.socket.id, 41);
    room.settle();
    expect(events(ann.since(from))).toEqual([{ type: "reject", seq: 41, reason: "rate-limited" }]);
    expect(room.core.snapshot()).toEqual(before.snapshot);
    expect(room.core.summary()).toEqual(before.summary);
  });

  it("of a socket that has not joined get not-joined", () => {
    const { room } = roomWith(["Ann"]);
    const stranger = room.connect();
    room.core.refuseAction(stranger.socket.id, 1);
    expect(stranger.since(0)).toEqual([{ type: "error", code: "not-joined", message: expect.any(String) }]);
  });
});

describe("a hold that only renews", () => {
  it("lapses GRAB_LEASE_MS after STILL_HOLD_MAX_MS without a real move; a real move starts the window again", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    ann.act({ type: "grab", pieceId: 5 });
    room.settle();
    const piece = room.core.snapshot()!.pieces[5]!;
    const still = () => ann.act({ type: "move", pieceId: 5, x: piece[0], y: piece[1] });
    // Still renewals every 3 s, as the client sends them: the hold stays for the whole window.
    for (let elapsed = 3_000; elapsed <= STILL_HOLD_MAX_MS; elapsed += 3_000) {
      room.advance(3_000);
      still();
    }
    room.settle();
    expect(room.core.snapshot()!.holds).toHaveLength(1);
    // Past the window, renewals renew nothing: the lease runs out as if none came.
    for (let elapsed = 0; elapsed <= GRAB_LEASE_MS; elapsed += 3_000) {
      room.advance(3_000);
      still();
    }
    room.settle();
    expect(room.core.snapshot()!.holds).toEqual([]);
    const bobFrom = bob.count;
    bob.act({ type: "grab", pieceId: 5 });
    room.settle();
    expect(events(bob.since(bobFrom))).toContainEqual({ type: "ack", seq: 1, version: expect.any(Number) });

    // A hold that moves keeps renewing for as long as it moves.
    const { room: other, clients: [cat] } = roomWith(["Cat"]) as { room: InMemoryRoom; clients: FakeClient[] };
    cat!.act({ type: "grab", pieceId: 2 });
    for (let step = 1; step <= (3 * STILL_HOLD_MAX_MS) / 3_000; step++) {
      other.advance(3_000);
      cat!.act({ type: "move", pieceId: 2, x: 100 + (step % 2) * 10, y: 100 });
    }
    other.settle();
    expect(other.core.snapshot()!.holds).toHaveLength(1);
  });
});

describe("creating a puzzle", () => {
  it("is refused with the host's sentence and a close the client does not retry", () => {
    const room = new InMemoryRoom({ admitPuzzle: (pieces, address) => `no room for ${pieces} more pieces (from ${address ?? "an unknown address"})` });
    const ann = room.connect();
    ann.hello("Ann", { create: TWELVE });
    expect(ann.since(0)).toEqual([{ type: "error", code: "over-quota", message: "no room for 12 more pieces (from an unknown address)" }]);
    expect(ann.socket.closed).toEqual({ code: CLOSE_REFUSED, reason: "no room for 12 more pieces (from an unknown address)" });
    expect(room.core.snapshot()).toBeNull();
    expect(room.storage.puts).toEqual([]);
  });
});

describe("names", () => {
  it("are normalised by the hello's schema and made unique in the room", () => {
    const { room, clients } = roomWith(["Ann", "ann", "Ann\u202E", " Zoe\u0308 "]);
    const names = room.core.snapshot()!.players.map((player) => player.name);
    expect(names).toEqual(["Ann", "ann (2)", "Ann (3)", "Zoë"]);
    // A player who resumes keeps a name of its own, not a suffix against itself.
    const [ann] = clients as [FakeClient];
    const again = room.connect();
    again.hello("Ann", { token: ann.token! });
    expect(room.core.snapshot()!.players.find((player) => player.id === ann.playerId)!.name).toBe("Ann");
  });

  it("a name the rules refuse closes the hello with the sentence", () => {
    const { room } = roomWith(["Ann"]);
    const ghost = room.connect();
    ghost.send({ type: "hello", protocol: PROTOCOL_VERSION, name: "\u200B\u2060" });
    expect(ghost.since(0)).toEqual([{ type: "error", code: "bad-message", message: "name: Type a name with at least one visible character." }]);
    expect(ghost.socket.closed).toEqual({ code: CLOSE_REFUSED, reason: "name: Type a name with at least one visible character." });
  });
});

describe("an idle room", () => {
  it("unloads its puzzle only with no socket open, and rebuilds it from storage", async () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    ann.act({ type: "grab", pieceId: 3 });
    ann.act({ type: "drop", pieceId: 3, x: 40, y: 50 });
    room.settle();
    expect(room.core.unload()).toBe(0);
    ann.disconnect();
    bob.disconnect();
    room.settle();
    const before = room.core.snapshot()!;
    expect(room.core.unload()).toBe(12);
    expect(room.core.unloaded).toBe(true);
    expect(room.core.snapshot()).toBeNull();
    expect(room.core.loadedPieces).toBe(0);
    await room.core.ensureLoaded();
    expect(room.core.unloaded).toBe(false);
    expect(room.core.snapshot()).toEqual(before);
    const back = room.connect();
    back.hello("Ann", { token: ann.token! });
    expect(back.playerId).toBe(ann.playerId);
    expect(back.replica!.puzzle.pieces[3]).toMatchObject({ x: 40, y: 50 });
  });
});
