/**
 * RoomCore in-process: joining, refusals, bad input, identity, batching,
 * persistence before acks, restart and chunked storage. Time and flushes are
 * driven by hand through InMemoryRoom; nothing here uses real timers.
 */
import { describe, expect, it, vi } from "vitest";
import { ACK_RIDE_MS, BROADCAST_TICK_MS, FRAMES_PER_S, RoomCore } from "../../party/room/room-core.ts";
import { logOpenKey } from "../../party/room/action-log-store.ts";
import { CURSOR_INTERVAL_MS } from "../../party/common/settings.ts";
import { META_KEY, PIECES_PER_CHUNK, PROGRESS_KEY, chunkKey } from "../../party/room/room-storage.ts";
import {
  CLOSE_REFUSED,
  CLOSE_ROOM_FULL,
  CLOSE_VERSION_MISMATCH,
  ErrorCodeSchema,
  MAX_CLIENT_FRAME_BYTES,
  PROTOCOL_VERSION,
  type Batch,
  type BatchEvent,
  type ErrorCode,
  type ServerMessage,
  type Snapshot,
} from "../../shared/protocol.ts";
import { GRAB_LEASE_MS, type RejectReason } from "../../shared/rules.ts";
import { MAX_PIECES, solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { FakeClient, FakeSocket, InMemoryRoom } from "../../testkit/in-memory-room.ts";
import { MemoryStorage } from "../../testkit/memory-storage.ts";

/** 3 x 4 pieces of 64 px; the table is 614 x 461 and the board starts at (179, 135). */
const TWELVE: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 7 };

const batches = (messages: ServerMessage[]): Batch[] => messages.filter((m): m is Batch => m.type === "batch");
const events = (messages: ServerMessage[]): BatchEvent[] => batches(messages).flatMap((batch) => batch.events);
const errors = (messages: ServerMessage[]) => messages.filter((m) => m.type === "error");

/** A room with a puzzle and `names.length` joined players, everything delivered. */
function roomWith(names: string[], options: { maxPlayers?: number; maxWatchers?: number; roomFramesPerS?: number; puzzle?: PuzzleOptions } = {}): { room: InMemoryRoom; clients: FakeClient[] } {
  const room = new InMemoryRoom({ maxPlayers: options.maxPlayers ?? 64, maxWatchers: options.maxWatchers, roomFramesPerS: options.roomFramesPerS });
  const clients = names.map((name, index) => {
    const client = room.connect();
    client.hello(name, index === 0 ? { create: options.puzzle ?? TWELVE } : {});
    return client;
  });
  room.settle();
  for (const client of clients) client.sync();
  return { room, clients };
}

describe("joining", () => {
  it("the first hello creates the puzzle and gets a welcome with the snapshot", () => {
    const room = new InMemoryRoom();
    const ann = room.connect();
    ann.hello("Ann", { create: TWELVE });
    const welcome = ann.socket.received[0];
    if (welcome?.type !== "welcome") return expect.fail(`expected a welcome, got ${JSON.stringify(welcome)}`);
    expect(welcome.protocol).toBe(PROTOCOL_VERSION);
    expect(welcome.mode).toBe("stateful");
    expect(welcome.playerId).toMatch(/^.{12}$/);
    expect(welcome.token.length).toBeGreaterThan(12);
    expect(welcome.snapshot.pieces).toHaveLength(12);
    expect(welcome.snapshot.spec).toMatchObject({ ...TWELVE, rows: 3, cols: 4 });
    expect(welcome.snapshot.players).toEqual([{ id: welcome.playerId, name: "Ann", color: expect.any(String), connected: true, placed: 0 }]);
    expect(room.core.summary()).toMatchObject({ created: true, pieces: 12, players: 1, connected: 1 });
  });

  it("a later player gets the current snapshot; its create options are ignored", () => {
    const { room, clients } = roomWith(["Ann"]);
    const [ann] = clients as [FakeClient];
    ann.act({ type: "grab", pieceId: 0 });
    ann.act({ type: "move", pieceId: 0, x: 33, y: 44 });
    room.settle();
    const bob = room.connect();
    bob.hello("Bob", { create: { ...TWELVE, pieceCount: 100, seed: 1 } });
    expect(bob.replica!.puzzle.spec).toEqual(ann.replica!.puzzle.spec);
    expect(bob.replica!.puzzle.pieces[0]).toMatchObject({ x: 33, y: 44 });
    expect(bob.replica!.puzzle.holds.get(0)?.playerId).toBe(ann.playerId);
    room.settle();
    ann.sync();
    expect(events(ann.since(0)).filter((e) => e.type === "player-joined").map((e) => e.type === "player-joined" && e.player.name)).toContain("Bob");
  });

  it("two players get different ids, tokens and colours", () => {
    const { clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    expect(ann.playerId).not.toBe(bob.playerId);
    expect(ann.token).not.toBe(bob.token);
    const players = bob.replica!.players;
    expect(players.get(ann.playerId!)!.color).not.toBe(players.get(bob.playerId!)!.color);
  });

  it("a hello to a room without a puzzle and without create options gets no-puzzle, and may retry", () => {
    const room = new InMemoryRoom();
    const ann = room.connect();
    ann.hello("Ann");
    expect(ann.socket.received).toEqual([{ type: "error", code: "no-puzzle", message: expect.any(String) }]);
    expect(ann.socket.closed).toBeNull();
    expect(room.core.snapshot()).toBeNull();
    expect(room.storage.puts).toHaveLength(0);
    ann.hello("Ann", { create: TWELVE });
    expect(ann.socket.received[1]?.type).toBe("welcome");
  });

  it.each([
    ["older", PROTOCOL_VERSION - 1, "out of date"],
    ["newer", PROTOCOL_VERSION + 1, "older than your game"],
  ])("a %s protocol gets version-mismatch and a close with CLOSE_VERSION_MISMATCH", (_label, protocol, advice) => {
    const { room } = roomWith(["Ann"]);
    const before = room.core.snapshot();
    const old = room.connect();
    old.hello("Old", { protocol });
    expect(errors(old.socket.received)).toEqual([{ type: "error", code: "version-mismatch", message: expect.stringContaining(advice) }]);
    expect(old.socket.closed?.code).toBe(CLOSE_VERSION_MISMATCH);
    expect(old.socket.closed?.reason).toContain(String(PROTOCOL_VERSION));
    expect(room.core.snapshot()).toEqual(before);
  });

  it("in a room with no watcher places, the player past maxPlayers gets room-full and a close with CLOSE_ROOM_FULL; a freed seat can be taken", () => {
    const { room, clients } = roomWith(["Ann", "Bob"], { maxPlayers: 2, maxWatchers: 0 });
    const before = room.core.snapshot();
    const cid = room.connect();
    cid.hello("Cid");
    expect(errors(cid.socket.received)).toEqual([{ type: "error", code: "room-full", message: expect.stringContaining("2 players") }]);
    expect(cid.socket.closed?.code).toBe(CLOSE_ROOM_FULL);
    expect(room.core.snapshot()).toEqual(before);
    clients[1]!.disconnect();
    const dan = room.connect();
    dan.hello("Dan");
    expect(dan.socket.received[0]?.type).toBe("welcome");
  });

  it("a resume of a connected player is not refused as room-full", () => {
    const { room, clients } = roomWith(["Ann", "Bob"], { maxPlayers: 2 });
    const again = room.connect();
    again.hello("Ann", { token: clients[0]!.token! });
    expect(again.socket.received[0]?.type).toBe("welcome");
    expect(again.playerId).toBe(clients[0]!.playerId);
  });
});

describe("identity and sessions", () => {
  it("actions act as the connection's player whatever the frame claims", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    bob.act({ type: "grab", pieceId: 3 });
    // Ann claims to be Bob: extra fields are not part of the protocol.
    ann.send({ type: "move", seq: 1, pieceId: 3, x: 10, y: 10, playerId: bob.playerId });
    ann.send({ type: "grab", seq: 2, pieceId: 5, playerId: bob.playerId, player: bob.playerId });
    room.settle();
    const snapshot = room.core.snapshot()!;
    expect(snapshot.holds).toContainEqual([3, bob.playerId, 3]);
    expect(snapshot.holds).toContainEqual([5, ann.playerId, 5]);
    expect(snapshot.pieces[3]!.slice(0, 2)).not.toEqual([10, 10]);
    expect(events(ann.since(0))).toContainEqual({ type: "reject", seq: 1, reason: "held-by-other" });
  });

  it("a hello cannot take over another player without their token", () => {
    const { room, clients } = roomWith(["Ann"]);
    const eve = room.connect();
    eve.hello("Ann", { token: "guessed-token" });
    expect(eve.playerId).not.toBe(clients[0]!.playerId);
    eve.hello("Ann", { token: clients[0]!.playerId! });
    expect(errors(eve.socket.received).map((e) => e.type === "error" && e.code)).toEqual(["already-joined"]);
  });

  it("disconnect releases what the player held and tells the others", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    ann.act({ type: "grab", pieceId: 2 });
    room.settle();
    bob.sync();
    expect(bob.replica!.puzzle.holds.get(2)?.playerId).toBe(ann.playerId);
    const from = bob.count;
    ann.disconnect();
    room.settle();
    bob.sync();
    expect(events(bob.since(from))).toEqual(
      expect.arrayContaining([
        { type: "player-left", playerId: ann.playerId },
        { type: "holds", holds: [[2, null, -1]] },
      ]),
    );
    expect(bob.replica!.puzzle.holds.size).toBe(0);
    expect(bob.replica!.players.get(ann.playerId!)!.connected).toBe(false);
    bob.act({ type: "grab", pieceId: 2 });
    room.settle();
    expect(room.core.snapshot()!.holds).toEqual([[2, bob.playerId, 2]]);
  });

  it("a resume by token keeps the player id and the pieces they placed", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann] = clients as [FakeClient];
    ann.act({ type: "grab", pieceId: 0 });
    ann.act({ type: "drop", pieceId: 0, ...solvedPosition(room.core.snapshot()!.spec, 0) });
    room.settle();
    ann.disconnect();
    room.settle();
    const again = room.connect();
    again.hello("Ann again", { token: ann.token! });
    expect(again.playerId).toBe(ann.playerId);
    expect(again.token).toBe(ann.token);
    const me = again.replica!.players.get(ann.playerId!)!;
    expect(me).toMatchObject({ name: "Ann again", connected: true, placed: 1 });
    expect(room.core.summary().players).toBe(2);
  });

  it("a resume on a second connection closes the first and keeps the hold", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann] = clients as [FakeClient];
    ann.act({ type: "grab", pieceId: 4 });
    room.settle();
    const second = room.connect();
    second.hello("Ann", { token: ann.token! });
    expect(ann.socket.closed?.code).toBe(1000);
    // The transport reports the first connection closed; the hold stays with Ann.
    ann.disconnect();
    room.settle();
    expect(room.core.snapshot()!.holds).toEqual([[4, ann.playerId, 4]]);
    second.send({ type: "move", seq: 1, pieceId: 4, x: 50, y: 60 });
    room.settle();
    expect(room.core.snapshot()!.pieces[4]!.slice(0, 2)).toEqual([50, 60]);
    expect(room.core.summary().connected).toBe(2);
  });
});

interface BadInputCase {
  name: string;
  /** Who sends: a joined player, or a connection that has not joined. */
  from: "joined" | "unjoined";
  /** "empty": a room without a puzzle. */
  room?: "empty";
  frame: string | ArrayBuffer | ArrayBufferView;
  expected: { error: ErrorCode; close?: number } | { reject: RejectReason; seq: number };
}

const BAD_INPUT: BadInputCase[] = [
  { name: "a binary frame", from: "joined", frame: new Uint8Array([123, 125]), expected: { error: "binary-unsupported" } },
  { name: "a binary frame before hello", from: "unjoined", frame: new ArrayBuffer(3), expected: { error: "binary-unsupported" } },
  { name: "an oversized frame", from: "joined", frame: `{"type":"ping","t":1,"pad":"${"x".repeat(MAX_CLIENT_FRAME_BYTES)}"}`, expected: { error: "too-large" } },
  { name: "malformed JSON", from: "joined", frame: '{"type":"move",', expected: { error: "bad-json" } },
  { name: "an unknown message type", from: "joined", frame: '{"type":"solve-all"}', expected: { error: "bad-message" } },
  { name: "a move without coordinates", from: "joined", frame: '{"type":"move","seq":1,"pieceId":3}', expected: { error: "bad-message" } },
  { name: "a move to an infinite x", from: "joined", frame: '{"type":"move","seq":1,"pieceId":3,"x":1e400,"y":0}', expected: { error: "bad-message" } },
  { name: "a grab of a fractional piece id", from: "joined", frame: '{"type":"grab","seq":1,"pieceId":0.5}', expected: { error: "bad-message" } },
  { name: "a cursor before hello", from: "unjoined", frame: '{"type":"cursor","x":1,"y":2}', expected: { error: "not-joined" } },
  { name: "a grab before hello", from: "unjoined", frame: '{"type":"grab","seq":1,"pieceId":0}', expected: { error: "not-joined" } },
  { name: "a drop before hello", from: "unjoined", frame: '{"type":"drop","seq":1,"pieceId":3,"x":1,"y":1}', expected: { error: "not-joined" } },
  { name: "a second hello", from: "joined", frame: `{"type":"hello","protocol":${PROTOCOL_VERSION},"name":"Again"}`, expected: { error: "already-joined" } },
  {
    name: "a hello with the wrong protocol",
    from: "unjoined",
    frame: `{"type":"hello","protocol":${PROTOCOL_VERSION + 7},"name":"Zed"}`,
    expected: { error: "version-mismatch", close: CLOSE_VERSION_MISMATCH },
  },
  { name: "a hello to a full room", from: "unjoined", frame: `{"type":"hello","protocol":${PROTOCOL_VERSION},"name":"Zed"}`, expected: { error: "room-full", close: CLOSE_ROOM_FULL } },
  { name: "a watching hello where nobody may watch", from: "unjoined", frame: `{"type":"hello","protocol":${PROTOCOL_VERSION},"name":"Zed","role":"watcher"}`, expected: { error: "watching", close: CLOSE_REFUSED } },
  { name: "a hello without options to an empty room", from: "unjoined", room: "empty", frame: `{"type":"hello","protocol":${PROTOCOL_VERSION},"name":"Zed"}`, expected: { error: "no-puzzle" } },
  { name: "a grab of a piece id that does not exist", from: "joined", frame: '{"type":"grab","seq":4,"pieceId":12}', expected: { reject: "no-such-piece", seq: 4 } },
  { name: "a grab of a piece another holds", from: "joined", frame: '{"type":"grab","seq":5,"pieceId":3}', expected: { reject: "held-by-other", seq: 5 } },
  { name: "a move of a piece another holds", from: "joined", frame: '{"type":"move","seq":6,"pieceId":3,"x":5,"y":5}', expected: { reject: "held-by-other", seq: 6 } },
  { name: "a move of a piece nobody holds", from: "joined", frame: '{"type":"move","seq":7,"pieceId":1,"x":5,"y":5}', expected: { reject: "not-holding", seq: 7 } },
  { name: "a drop of a locked piece", from: "joined", frame: '{"type":"drop","seq":8,"pieceId":11,"x":5,"y":5}', expected: { reject: "piece-locked", seq: 8 } },
  { name: "a move of the held piece far off the table", from: "joined", frame: '{"type":"move","seq":9,"pieceId":0,"x":900000,"y":5}', expected: { reject: "out-of-range", seq: 9 } },
];

describe("bad input gets a typed error and changes nothing", () => {
  it("the table covers every error code bad input can get", () => {
    const covered = new Set(BAD_INPUT.flatMap((row) => ("error" in row.expected ? [row.expected.error] : [])));
    // "server-error" is no verdict on the input: the server failed (tests/unit/hub-core.test.ts).
    // "listing-off" is the stateless hubs' answer to a hello asking to be listed, which this room grants (hub-core.test.ts too).
    const elsewhere = new Set(["server-error", "listing-off"]);
    expect(ErrorCodeSchema.options.filter((code) => !elsewhere.has(code) && !covered.has(code))).toEqual([]);
  });

  it.each(BAD_INPUT.map((row) => [row.name, row] as const))("%s", (_name, row) => {
    let room: InMemoryRoom;
    let observers: FakeClient[];
    let joined: FakeClient | undefined;
    if (row.room === "empty") {
      room = new InMemoryRoom();
      observers = [];
    } else {
      // Ann holds piece 0, Bob holds piece 3, piece 11 is locked; the room is full, and nobody may watch.
      ({ room, clients: observers } = roomWith(["Ann", "Bob"], { maxPlayers: 2, maxWatchers: 0 }));
      const [ann, bob] = observers as [FakeClient, FakeClient];
      const spot = solvedPosition(room.core.snapshot()!.spec, 11);
      ann.act({ type: "grab", pieceId: 11 });
      ann.act({ type: "drop", pieceId: 11, ...spot });
      ann.act({ type: "grab", pieceId: 0 });
      bob.act({ type: "grab", pieceId: 3 });
      room.settle();
      joined = ann;
    }
    const sender = row.from === "joined" ? joined! : room.connect();
    for (const client of observers) client.sync();
    const before = { snapshot: room.core.snapshot(), puts: room.storage.puts.length, applied: room.core.summary().actionsApplied };
    const seen = observers.map((client) => client.count);
    const sent = sender.count;

    sender.sendRaw(row.frame);
    room.settle();

    const reply = sender.since(sent);
    if ("error" in row.expected) {
      expect(reply).toEqual([{ type: "error", code: row.expected.error, message: expect.any(String) }]);
      expect(sender.socket.closed?.code).toBe(row.expected.close);
    } else {
      expect(events(reply)).toEqual([{ type: "reject", seq: row.expected.seq, reason: row.expected.reject }]);
      expect(sender.socket.closed).toBeNull();
      expect(room.core.summary().actionsRejected).toBeGreaterThan(0);
    }
    expect(room.core.snapshot()).toEqual(before.snapshot);
    expect(room.storage.puts.length).toBe(before.puts);
    expect(room.core.summary().actionsApplied).toBe(before.applied);
    observers.forEach((client, index) => {
      if (client !== sender) expect(client.since(seen[index]!), "others receive nothing").toEqual([]);
    });
    // The room keeps serving: a joined player can still act.
    if (joined) {
      joined.send({ type: "move", seq: 100, pieceId: 0, x: 20, y: 30 });
      room.settle();
      expect(events(joined.since(sent))).toContainEqual({ type: "ack", seq: 100, version: expect.any(Number) });
    }
  });
});

describe("batching", () => {
  it("many actions between two flushes give exactly one frame per client", () => {
    const { room, clients } = roomWith(["Ann", "Bob", "Cid"]);
    const [ann, bob, cid] = clients as [FakeClient, FakeClient, FakeClient];
    const counts = clients.map((client) => client.count);
    room.flushRequests = 0;
    const seqs = [ann.act({ type: "grab", pieceId: 0 })];
    for (let step = 1; step <= 50; step++) seqs.push(ann.act({ type: "move", pieceId: 0, x: 10 + step, y: 20 + step }));
    bob.act({ type: "grab", pieceId: 5 });
    seqs.push(ann.act({ type: "drop", pieceId: 0, x: 70, y: 80 }));
    expect(clients.map((client, index) => client.count - counts[index]!)).toEqual([0, 0, 0]);
    expect(room.flushRequests).toBe(1);
    room.settle();

    const annFrames = ann.since(counts[0]!);
    expect(clients.map((client, index) => client.since(counts[index]!).length)).toEqual([1, 1, 1]);
    const annEvents = events(annFrames);
    expect(annEvents.filter((e) => e.type === "ack").map((e) => e.type === "ack" && e.seq)).toEqual(seqs);
    expect(annEvents.filter((e) => e.type === "pieces")).toEqual([{ type: "pieces", pieces: [[0, 70, 80, 0, 0]] }]);
    const bobEvents = events(bob.since(counts[1]!));
    expect(bobEvents.filter((e) => e.type === "ack")).toHaveLength(1);
    expect(bobEvents.filter((e) => e.type === "pieces")).toEqual([{ type: "pieces", pieces: [[0, 70, 80, 0, 0]] }]);
    expect(events(cid.since(counts[2]!)).some((e) => e.type === "ack")).toBe(false);
    for (const client of clients) client.sync();
    expect(cid.replica!.puzzle.pieces[0]).toMatchObject({ x: 70, y: 80 });
    expect(cid.replica!.puzzle.holds.get(5)?.playerId).toBe(bob.playerId);
  });

  it("in a room at the largest tick, a fast drag gets at most FRAMES_PER_S frames a second, others a frame per BROADCAST_TICK_MS", () => {
    // A frame budget this small gives even two clients the largest tick (what a crowd gets).
    const { room, clients } = roomWith(["Ann", "Bob"], { roomFramesPerS: 1 });
    const [ann, bob] = clients as [FakeClient, FakeClient];
    room.settle();
    const [annFrom, bobFrom] = [ann.count, bob.count];
    ann.act({ type: "grab", pieceId: 0 });
    const durationMs = 2_000;
    // A move every 2 ms (500 Hz): far more than any frame rate.
    for (let t = 0; t < durationMs; t += 2) {
      ann.act({ type: "move", pieceId: 0, x: 10 + (t % 300), y: 20 });
      room.advance(2);
    }
    room.settle();
    const annTimes = ann.socket.receivedAtMs.slice(annFrom);
    // No one-second window holds more than FRAMES_PER_S frames, and the budget is used.
    for (let i = 0; i < annTimes.length; i++) {
      const inWindow = annTimes.filter((t) => t >= annTimes[i]! && t < annTimes[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(FRAMES_PER_S);
    }
    expect(annTimes.length).toBeGreaterThan(FRAMES_PER_S * (durationMs / 1000) * 0.9);
    const bobTimes = bob.socket.receivedAtMs.slice(bobFrom);
    // One frame per tick (the test's clock moves in 2 ms steps and runs one due
    // flush per step, so a tick's flush may run a step late).
    for (let i = 2; i < bobTimes.length; i++) expect(bobTimes[i]! - bobTimes[i - 1]!).toBeGreaterThanOrEqual(BROADCAST_TICK_MS - 2);
    expect(bobTimes.length).toBeGreaterThan(durationMs / BROADCAST_TICK_MS - 2);
    // Nothing is missing for either of them at the end.
    ann.sync();
    bob.sync();
    expect(bob.replica!.puzzle.pieces[0]).toMatchObject({ x: room.core.snapshot()!.pieces[0]![0], y: 20 });
    expect(bob.replica!.puzzle.version).toBe(room.core.snapshot()!.version);
  });

  it("an ack goes out within ACK_RIDE_MS, in its own frame or on the tick", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    ann.act({ type: "grab", pieceId: 0 });
    room.settle();
    for (let step = 0; step < 30; step++) {
      room.advance(33);
      const from = ann.count;
      const seq = ann.act({ type: "move", pieceId: 0, x: 10 + step, y: 20 });
      room.advance(ACK_RIDE_MS);
      expect(events(ann.since(from)), `ack of move ${step}`).toContainEqual({ type: "ack", seq, version: expect.any(Number) });
    }
    // Bob, who does not act, still hears of every move in time.
    room.settle();
    bob.sync();
    expect(bob.replica!.puzzle.pieces[0]).toMatchObject({ x: 39, y: 20 });
  });

  it("cursors are throttled to one event per CURSOR_INTERVAL_MS and never stored", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    const from = bob.count;
    const puts = room.storage.puts.length;
    for (let t = 0; t < 500; t += 2) {
      ann.send({ type: "cursor", x: t, y: t / 2 });
      room.advance(2);
    }
    room.settle();
    const cursorEvents = events(bob.since(from)).filter((e) => e.type === "cursors");
    expect(cursorEvents.length).toBeLessThanOrEqual(Math.ceil(500 / CURSOR_INTERVAL_MS) + 1);
    expect(cursorEvents.length).toBeGreaterThan(500 / CURSOR_INTERVAL_MS / 2);
    expect(cursorEvents.at(-1)).toEqual({ type: "cursors", cursors: [[ann.playerId, 498, 249]] });
    expect(room.storage.puts.length).toBe(puts);
  });

  it("a move that changes nothing visible still brings every client to the new version", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    ann.act({ type: "grab", pieceId: 0 });
    ann.act({ type: "move", pieceId: 0, x: 0, y: 0 });
    room.settle();
    // Dragging on against the table's corner: clamped, no piece moves.
    ann.act({ type: "move", pieceId: 0, x: -30, y: -30 });
    room.settle();
    ann.sync();
    bob.sync();
    const version = room.core.snapshot()!.version;
    expect(ann.replica!.puzzle.version).toBe(version);
    expect(bob.replica!.puzzle.version).toBe(version);
  });

  it("ping gets a pong at once with the room's clock", () => {
    const { room, clients } = roomWith(["Ann"]);
    const from = clients[0]!.count;
    clients[0]!.send({ type: "ping", t: 12.5 });
    expect(clients[0]!.since(from)).toEqual([{ type: "pong", t: 12.5, serverTimeMs: room.nowMs }]);
  });

  it("a lease that runs out is released by a flush the room asks for itself", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    ann.act({ type: "grab", pieceId: 6 });
    const grabbedAtMs = room.nowMs;
    room.settle();
    expect(room.flushDueMs).toBe(grabbedAtMs + GRAB_LEASE_MS + 1);
    const from = bob.count;
    room.advance(GRAB_LEASE_MS + 1);
    expect(events(bob.since(from))).toContainEqual({ type: "holds", holds: [[6, null, -1]] });
    expect(room.core.snapshot()!.holds).toEqual([]);
  });
});

describe("persistence", () => {
  it("acks are sent only after the storage put of their flush, which holds the acked state", () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann] = clients as [FakeClient];
    const start = room.log.length;
    ann.act({ type: "grab", pieceId: 0 });
    ann.act({ type: "move", pieceId: 0, x: 40, y: 50 });
    room.advance(ACK_RIDE_MS);
    ann.act({ type: "drop", pieceId: 0, x: 41, y: 52 });
    room.settle();

    let acks = 0;
    const log = room.log.slice(start);
    log.forEach((entry, index) => {
      if (entry.kind !== "send" || entry.message.type !== "batch") return;
      for (const event of entry.message.events) {
        if (event.type !== "ack") continue;
        acks++;
        const received = log.findIndex((e) => e.kind === "receive" && JSON.parse(e.frame).seq === event.seq);
        const putBetween = log.slice(received, index).some((e) => e.kind === "put" && e.keys.includes(PROGRESS_KEY));
        expect(putBetween, `a put between action ${event.seq} and its ack`).toBe(true);
      }
    });
    expect(acks).toBe(3);
    // What is stored is what was acknowledged.
    const progress = room.storage.values.get(PROGRESS_KEY) as { version: number };
    expect(progress.version).toBe(room.core.snapshot()!.version);
    expect((room.storage.values.get(chunkKey(0)) as number[][])[0]!.slice(0, 2)).toEqual([41, 52]);
  });

  it("a flush writes only the chunks an action touched, and the log's new entries", () => {
    const { room, clients } = roomWith(["Ann"], { puzzle: { ...TWELVE, pieceCount: 1000 } });
    const [ann] = clients as [FakeClient];
    const last = room.core.snapshot()!.pieces.length - 1;
    const puts = room.storage.puts.length;
    ann.act({ type: "grab", pieceId: last });
    ann.act({ type: "move", pieceId: last, x: 5, y: 5 });
    room.settle();
    expect(room.storage.puts.slice(puts).map((keys) => [...keys].sort())).toEqual([[PROGRESS_KEY, chunkKey(Math.floor(last / PIECES_PER_CHUNK)), logOpenKey(0)].sort()]);
  });

  it("a restarted room over the same storage has the same snapshot and summary", async () => {
    const { room, clients } = roomWith(["Ann", "Bob"]);
    const [ann, bob] = clients as [FakeClient, FakeClient];
    const spec = room.core.snapshot()!.spec;
    // Lock two pieces, join a pair off the board, leave a lease to run out.
    for (const id of [0, 1]) {
      ann.act({ type: "grab", pieceId: id });
      ann.act({ type: "drop", pieceId: id, ...solvedPosition(spec, id) });
    }
    bob.act({ type: "grab", pieceId: 8 });
    bob.act({ type: "drop", pieceId: 8, x: 10, y: 300 });
    bob.act({ type: "grab", pieceId: 9 });
    bob.act({ type: "drop", pieceId: 9, x: 74, y: 302 });
    bob.act({ type: "grab", pieceId: 6 });
    room.settle();
    room.advance(GRAB_LEASE_MS + 1);
    ann.act({ type: "grab", pieceId: 7 });
    room.settle();
    // Releases on disconnect are the last changes before the restart.
    ann.disconnect();
    bob.disconnect();
    room.settle();

    const restarted = new InMemoryRoom({ storage: room.storage });
    await restarted.core.load();
    const expected = room.core.snapshot()!;
    expect(expected.holds).toEqual([]);
    expect(expected.pieces[9]).toEqual([74, 300, 8, 0]);
    expect(restarted.core.snapshot()).toEqual(expected);
    expect(restarted.core.summary()).toEqual(room.core.summary());
    // The restarted room serves a returning player as the same player.
    const back = restarted.connect();
    back.hello("Ann", { token: ann.token! });
    expect(back.playerId).toBe(ann.playerId);
    expect(back.replica!.players.get(ann.playerId!)!.placed).toBe(2);
  });

  it("moves write progress and chunks; joins and placements write meta; rooms stored with progress in meta still load", async () => {
    const { room, clients } = roomWith(["Ann"]);
    const [ann] = clients as [FakeClient];
    const spec = room.core.snapshot()!.spec;
    room.settle();
    let puts = room.storage.puts.length;
    ann.act({ type: "grab", pieceId: 3 });
    ann.act({ type: "move", pieceId: 3, x: 30, y: 40 });
    room.settle();
    expect(room.storage.puts.slice(puts).flat()).not.toContain(META_KEY);
    puts = room.storage.puts.length;
    ann.act({ type: "drop", pieceId: 3, ...solvedPosition(spec, 3) });
    room.settle();
    expect(room.storage.puts.slice(puts).flat()).toContain(META_KEY);
    ann.disconnect();
    room.settle();

    // The layout before progress had its own key (and before storage versions): the counters lived in meta.
    const { [PROGRESS_KEY]: progress, ...rest } = Object.fromEntries(room.storage.values) as Record<string, unknown> & { progress: object };
    const { storageVersion: _unversioned, ...meta } = rest[META_KEY] as { storageVersion: number };
    const old = new MemoryStorage();
    await old.put({ ...rest, [META_KEY]: { ...meta, ...progress } });
    const restarted = new InMemoryRoom({ storage: old });
    await restarted.core.load();
    expect(restarted.core.snapshot()).toEqual(room.core.snapshot());
    expect(restarted.core.summary().actionsApplied).toBe(room.core.summary().actionsApplied);
  });

  it("a restart while players are connected keeps every acknowledged move", async () => {
    const { room, clients } = roomWith(["Ann"]);
    const [ann] = clients as [FakeClient];
    ann.act({ type: "grab", pieceId: 2 });
    ann.act({ type: "move", pieceId: 2, x: 11, y: 12 });
    room.settle();
    const acked: Snapshot = room.core.snapshot()!;
    // The process dies here: no disconnect, no further flush.
    const restarted = new InMemoryRoom({ storage: room.storage });
    await restarted.core.load();
    const snapshot = restarted.core.snapshot()!;
    expect(snapshot.pieces).toEqual(acked.pieces);
    expect(snapshot.version).toBeGreaterThanOrEqual(acked.version);
    // Holds are leases of live connections: they do not survive a restart.
    expect(snapshot.holds).toEqual([]);
  });

  it("keeps every stored value under 128 KiB for a puzzle of MAX_PIECES, and reads it back whole", async () => {
    const { room, clients } = roomWith(["Ann"], { puzzle: { ...TWELVE, pieceCount: MAX_PIECES, rotation: true } });
    const pieces = room.core.snapshot()!.pieces.length;
    expect(pieces).toBeGreaterThanOrEqual(MAX_PIECES * 0.98);
    // A piece in the last chunk moved: its chunk is written again, and read back.
    const last = pieces - 1;
    clients[0]!.act({ type: "grab", pieceId: last });
    clients[0]!.act({ type: "drop", pieceId: last, x: 40, y: 30 });
    room.settle();
    const chunkKeys = [...room.storage.values.keys()].filter((key) => key.startsWith("pieces:"));
    expect(chunkKeys).toHaveLength(Math.ceil(pieces / PIECES_PER_CHUNK));
    for (const [key, value] of room.storage.values) {
      const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
      expect(bytes, key).toBeLessThan(128 * 1024);
    }
    const restarted = new InMemoryRoom({ storage: room.storage });
    await restarted.core.load();
    expect(restarted.core.snapshot()!.pieces).toEqual(room.core.snapshot()!.pieces);
    expect(restarted.core.snapshot()!.version).toBe(room.core.snapshot()!.version);
  });

  it("keeps the stored meta under 128 KiB however many players came and went", () => {
    const room = new InMemoryRoom();
    const longName = "名".repeat(32);
    for (let index = 0; index < 320; index++) {
      const client = room.connect();
      client.hello(longName, index === 0 ? { create: TWELVE } : {});
      room.settle();
      client.disconnect();
    }
    room.settle();
    const meta = room.storage.values.get(META_KEY) as { players: unknown[] };
    expect(meta.players.length).toBeLessThanOrEqual(256);
    expect(new TextEncoder().encode(JSON.stringify(meta)).length).toBeLessThan(128 * 1024);
  });
});

describe("RoomCore without a puzzle", () => {
  it("flush and summary are harmless before anything happened", async () => {
    const room = new InMemoryRoom();
    await room.core.load();
    room.core.flush();
    expect(room.core.summary()).toMatchObject({ created: false, pieces: 0, players: 0, version: 0 });
    expect(room.core.snapshot()).toBeNull();
    expect(room.storage.puts).toHaveLength(0);
    expect(new RoomCore({ storage: room.storage, now: () => 0, requestFlush: () => undefined, randomId: () => "x" }, { mode: "stateful", maxPlayers: 1 }).snapshot()).toBeNull();
  });
});

describe("a failure the room did not expect", () => {
  it("reaches the client as a server-error and the log as one line; the room keeps serving", () => {
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      let broken = true;
      const ids = ["player-id-00000", "a-token-00000000"];
      const host = {
        storage: new MemoryStorage(),
        now: () => 0,
        requestFlush: () => undefined,
        randomId: () => {
          if (broken) throw new Error("no entropy left");
          return ids.shift()!;
        },
      };
      const core = new RoomCore(host, { mode: "stateful", maxPlayers: 4 });
      const socket = new FakeSocket("s1", [], () => 0);
      core.connect(socket);
      const hello = JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: TWELVE });
      core.receive(socket.id, hello);
      expect(socket.received).toEqual([{ type: "error", code: "server-error", message: expect.stringContaining("hello") }]);
      expect(socket.closed).toBeNull();
      expect(consoleError).toHaveBeenCalledTimes(1);
      expect(consoleError.mock.calls[0]).toEqual(["server error: a hello from connection s1 failed: no entropy left"]);
      broken = false;
      core.receive(socket.id, hello);
      expect(socket.received[1]).toMatchObject({ type: "welcome", playerId: "player-id-00" });
    } finally {
      consoleError.mockRestore();
    }
  });
});
