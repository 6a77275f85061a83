/**
 * Crowds in RoomCore, in-process (issue 11): watchers (admitted, counted, unable
 * to act, able to take a seat), the player and watcher limits, cursors capped and
 * ranked per frame, the welcome's snapshot encoded once per version, and the tick
 * that fits the room's size. Time and flushes are driven by hand; nothing here
 * asserts on wall-clock time.
 */
import { describe, expect, it } from "vitest";
import { ACK_BATCH_MS, ACK_RIDE_MS, BROADCAST_TICK_MS, CROWD_AUDIENCE_MS, CROWD_WATCHER_FRAME_MS, MAX_CURSORS_PER_FRAME, ROOM_FRAMES_PER_S, tickMsFor } from "../../party/room/room-core.ts";
import { CURSOR_INTERVAL_MS, DEFAULT_MAX_PLAYERS, DEFAULT_MAX_WATCHERS, MAX_MAX_PLAYERS, readMaxPlayers, readMaxWatchers } from "../../party/common/settings.ts";
import { ACTION_TYPES, CLOSE_REFUSED, CLOSE_ROOM_FULL, type Batch, type BatchEvent, type ServerMessage, type Welcome } from "../../shared/protocol.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { FakeClient, InMemoryRoom } from "../../testkit/in-memory-room.ts";

/** 3 x 4 pieces of 64 px. */
const TWELVE: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 7 };
/** Enough pieces for 40 players to hold one each. */
const HUNDRED: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 100, seed: 3 };

const events = (messages: ServerMessage[]): BatchEvent[] => messages.flatMap((message) => (message.type === "batch" ? (message as Batch).events : []));
const errors = (messages: ServerMessage[]) => messages.filter((message) => message.type === "error");
const welcomeOf = (client: FakeClient): Welcome => {
  const welcome = client.socket.received.find((message) => message.type === "welcome");
  if (!welcome || welcome.type !== "welcome") throw new Error(`no welcome: ${JSON.stringify(client.socket.received[0])}`);
  return welcome;
};

interface CrowdOptions {
  maxPlayers?: number;
  maxWatchers?: number;
  puzzle?: PuzzleOptions;
}

/** A room with `players` joined players and `watchers` watchers (?watch=1), everything delivered. */
function crowd(players: number, watchers: number, options: CrowdOptions = {}): { room: InMemoryRoom; players: FakeClient[]; watchers: FakeClient[] } {
  const room = new InMemoryRoom({ maxPlayers: options.maxPlayers ?? DEFAULT_MAX_PLAYERS, maxWatchers: options.maxWatchers ?? DEFAULT_MAX_WATCHERS });
  const joined: FakeClient[] = [];
  for (let index = 0; index < players; index++) {
    const client = room.connect();
    client.hello(`P${index}`, index === 0 ? { create: options.puzzle ?? TWELVE } : {});
    joined.push(client);
  }
  const watching: FakeClient[] = [];
  for (let index = 0; index < watchers; index++) {
    const client = room.connect();
    client.hello(`W${index}`, { role: "watcher" });
    watching.push(client);
  }
  room.settle();
  for (const client of [...joined, ...watching]) client.sync();
  return { room, players: joined, watchers: watching };
}

describe("watchers", () => {
  it("are welcomed as watchers with the snapshot and the counts, and are not among the players", () => {
    const { room, players, watchers } = crowd(2, 3);
    const welcome = welcomeOf(watchers[2]!);
    expect(welcome).toMatchObject({ role: "watcher", watchingBecause: "asked", audience: { players: 2, watchers: 3 } });
    expect(welcome.snapshot.players.map((player) => player.name)).toEqual(["P0", "P1"]);
    expect(welcomeOf(players[1]!)).toMatchObject({ role: "player", audience: { players: 2, watchers: 0 } });
    expect(watchers[0]!.replica!.players.size).toBe(2);
    expect(room.core.summary()).toMatchObject({ players: 2, connected: 2, watchers: 3 });
    // Nobody was told a watcher joined as a player.
    expect(events(players[0]!.socket.received).filter((event) => event.type === "player-joined").map((event) => event.type === "player-joined" && event.player.name)).toEqual(["P0", "P1"]);
  });

  it("cannot act: every action type is refused with `watching`, a cursor gets an error, and nothing changes", () => {
    const { room, players, watchers } = crowd(2, 1);
    const [watcher] = watchers as [FakeClient];
    const before = { snapshot: room.core.snapshot(), puts: room.storage.puts.length };
    const seen = players.map((player) => player.count);
    const from = watcher.count;
    const actions = { grab: { pieceId: 0 }, move: { pieceId: 0, x: 10, y: 10 }, drop: { pieceId: 0, x: 10, y: 10 }, rotate: { pieceId: 0, rotation: 1 } } as const;
    expect(Object.keys(actions).sort()).toEqual([...ACTION_TYPES].sort());
    const seqs = ACTION_TYPES.map((type, index) => {
      watcher.send({ type, seq: index + 1, ...actions[type as keyof typeof actions] });
      return index + 1;
    });
    watcher.send({ type: "cursor", x: 5, y: 5 });
    room.settle();
    const reply = watcher.since(from);
    expect(events(reply).filter((event) => event.type === "reject")).toEqual(seqs.map((seq) => ({ type: "reject", seq, reason: "watching" })));
    expect(errors(reply)).toEqual([{ type: "error", code: "watching", message: expect.stringContaining("take a seat") }]);
    expect(watcher.socket.closed).toBeNull();
    expect(room.core.snapshot()).toEqual(before.snapshot);
    expect(room.storage.puts.length).toBe(before.puts);
    players.forEach((player, index) => expect(player.since(seen[index]!), "players hear nothing of it").toEqual([]));
  });

  it("can take a free seat: a `seated` event, the others hear of a new player, and its actions are acked", () => {
    const { room, players, watchers } = crowd(1, 2);
    const [watcher] = watchers as [FakeClient];
    const watcherId = watcher.playerId!;
    const from = watcher.count;
    const ann = players[0]!;
    const annFrom = ann.count;
    watcher.send({ type: "seat" });
    room.settle();
    expect(events(watcher.since(from))).toContainEqual({ type: "seated" });
    expect(events(ann.since(annFrom))).toContainEqual({ type: "player-joined", player: expect.objectContaining({ id: watcherId, name: "W0" }) });
    expect(events(ann.since(annFrom))).toContainEqual({ type: "audience", players: 2, watchers: 1 });
    expect(room.core.summary()).toMatchObject({ connected: 2, watchers: 1 });
    const seq = watcher.act({ type: "grab", pieceId: 4 });
    room.settle();
    expect(events(watcher.since(from))).toContainEqual({ type: "ack", seq, version: expect.any(Number) });
    expect(room.core.snapshot()!.holds).toContainEqual([4, watcherId, 4]);
    // Its token now resumes that player.
    const again = room.connect();
    again.hello("W0", { token: watcher.token! });
    expect(welcomeOf(again)).toMatchObject({ role: "player", playerId: watcherId });
  });

  it("a player's hello into a full room is admitted as a watcher; a seat is refused while full and granted once one is free", () => {
    const { room, players } = crowd(2, 0, { maxPlayers: 2 });
    const cid = room.connect();
    cid.hello("Cid");
    expect(welcomeOf(cid)).toMatchObject({ role: "watcher", watchingBecause: "room-full", audience: { players: 2, watchers: 1 } });
    room.settle();
    cid.sync();
    const from = cid.count;
    cid.send({ type: "seat" });
    expect(errors(cid.since(from))).toEqual([{ type: "error", code: "room-full", message: expect.stringContaining("still watching") }]);
    expect(cid.socket.closed).toBeNull();
    players[1]!.disconnect();
    cid.send({ type: "seat" });
    room.settle();
    expect(events(cid.since(from))).toContainEqual({ type: "seated" });
    expect(room.core.summary()).toMatchObject({ connected: 2, watchers: 0 });
  });

  it("a seat asked for by a player gets already-joined", () => {
    const { room, players } = crowd(1, 0);
    const from = players[0]!.count;
    players[0]!.send({ type: "seat" });
    room.settle();
    expect(errors(players[0]!.since(from))).toEqual([{ type: "error", code: "already-joined", message: expect.any(String) }]);
  });

  it("a watcher into a room without a puzzle gets no-puzzle and may retry", () => {
    const room = new InMemoryRoom();
    const early = room.connect();
    early.hello("Early", { role: "watcher" });
    expect(errors(early.socket.received)).toEqual([{ type: "error", code: "no-puzzle", message: expect.stringContaining("nothing to watch") }]);
    expect(early.socket.closed).toBeNull();
  });

  it("leaving changes the counts and releases nothing", () => {
    const { room, players, watchers } = crowd(1, 2);
    const ann = players[0]!;
    ann.act({ type: "grab", pieceId: 0 });
    room.settle();
    const from = ann.count;
    watchers[0]!.disconnect();
    room.settle();
    expect(events(ann.since(from))).toEqual([{ type: "audience", players: 1, watchers: 1 }]);
    expect(room.core.snapshot()!.holds).toHaveLength(1);
  });

  it("the counts reach everyone once per frame however many joined meanwhile", () => {
    const { room, players } = crowd(1, 0);
    const ann = players[0]!;
    const from = ann.count;
    for (let index = 0; index < 10; index++) room.connect().hello(`W${index}`, { role: "watcher" });
    room.settle();
    const audience = events(ann.since(from)).filter((event) => event.type === "audience");
    expect(audience).toEqual([{ type: "audience", players: 1, watchers: 10 }]);
  });

  it("every watcher's replica ends equal to the room's state after the players played", () => {
    const { room, players, watchers } = crowd(4, 20, { puzzle: HUNDRED });
    players.forEach((player, index) => player.act({ type: "grab", pieceId: index * 10 }));
    for (let step = 0; step < 40; step++) {
      players.forEach((player, index) => player.act({ type: "move", pieceId: index * 10, x: 50 + step * 3, y: 40 + index * 60 }));
      room.advance(7);
    }
    players.forEach((player, index) => player.act({ type: "drop", pieceId: index * 10, x: 200, y: 40 + index * 60 }));
    room.settle();
    const authority = room.core.snapshot()!;
    for (const watcher of watchers) {
      watcher.sync();
      expect(watcher.replica!.puzzle.version).toBe(authority.version);
      expect(watcher.replica!.puzzle.pieces.map((piece) => [piece.x, piece.y, piece.group])).toEqual(authority.pieces.map(([x, y, group]) => [x, y, group]));
    }
  });
});

describe("limits", () => {
  it("past maxWatchers a watcher is refused with room-full and a close", () => {
    const { room } = crowd(1, 3, { maxWatchers: 3 });
    const late = room.connect();
    late.hello("Late", { role: "watcher" });
    expect(errors(late.socket.received)).toEqual([{ type: "error", code: "room-full", message: expect.stringContaining("3 watching") }]);
    expect(late.socket.closed?.code).toBe(CLOSE_ROOM_FULL);
  });

  it("a full room with its watcher places taken refuses a player with room-full", () => {
    const { room } = crowd(2, 1, { maxPlayers: 2, maxWatchers: 1 });
    const late = room.connect();
    late.hello("Late");
    expect(errors(late.socket.received)).toEqual([{ type: "error", code: "room-full", message: expect.stringContaining("2 players") }]);
    expect(late.socket.closed?.code).toBe(CLOSE_ROOM_FULL);
  });

  it("watchers take no player seat", () => {
    const { room } = crowd(1, 5, { maxPlayers: 2 });
    const bob = room.connect();
    bob.hello("Bob");
    expect(welcomeOf(bob)).toMatchObject({ role: "player" });
  });

  it("with no watcher places a watching hello is refused with a sentence", () => {
    const { room } = crowd(1, 0, { maxWatchers: 0 });
    const late = room.connect();
    late.hello("Late", { role: "watcher" });
    expect(errors(late.socket.received)).toEqual([{ type: "error", code: "watching", message: expect.stringContaining("stateful room") }]);
    expect(late.socket.closed?.code).toBe(CLOSE_REFUSED);
  });

  it("MAX_PLAYERS is 1-256 and MAX_WATCHERS an integer >= 0, both checked at start", () => {
    expect(readMaxPlayers({})).toBe(DEFAULT_MAX_PLAYERS);
    expect(readMaxPlayers({ MAX_PLAYERS: "256" })).toBe(MAX_MAX_PLAYERS);
    expect(() => readMaxPlayers({ MAX_PLAYERS: "257" })).toThrow(/MAX_PLAYERS must be an integer from 1 to 256/);
    expect(() => readMaxPlayers({ MAX_PLAYERS: "0" })).toThrow(/MAX_PLAYERS/);
    expect(readMaxWatchers({})).toBe(2_000);
    expect(readMaxWatchers({ MAX_WATCHERS: "0" })).toBe(0);
    expect(() => readMaxWatchers({ MAX_WATCHERS: "-1" })).toThrow(/MAX_WATCHERS must be an integer >= 0/);
    expect(() => readMaxWatchers({ MAX_WATCHERS: "lots" })).toThrow(/MAX_WATCHERS/);
  });
});

describe("cursors per frame", () => {
  it(`carry at most MAX_CURSORS_PER_FRAME (${MAX_CURSORS_PER_FRAME}): players holding pieces first, then the most recently moved`, () => {
    const { room, players, watchers } = crowd(40, 1, { puzzle: HUNDRED });
    const [watcher] = watchers as [FakeClient];
    // The first five hold a piece and moved their cursors first (least recently).
    const holders = players.slice(0, 5);
    holders.forEach((player, index) => player.act({ type: "grab", pieceId: index }));
    room.settle();
    room.advance(CURSOR_INTERVAL_MS);
    const from = watcher.count;
    players.forEach((player, index) => player.send({ type: "cursor", x: index, y: index }));
    room.settle();
    const frames = events(watcher.since(from)).filter((event) => event.type === "cursors");
    expect(frames).toHaveLength(1);
    const sent = frames[0]!.type === "cursors" ? frames[0]!.cursors.map(([id]) => id) : [];
    expect(sent).toHaveLength(MAX_CURSORS_PER_FRAME);
    const ids = players.map((player) => player.playerId!);
    expect(sent.slice(0, 5).sort()).toEqual(ids.slice(0, 5).sort());
    // Then the most recently moved: the last 27 players, newest first.
    expect(sent.slice(5)).toEqual(ids.slice(-(MAX_CURSORS_PER_FRAME - 5)).reverse());
    // A player's own cursor never comes back to it, and its frame is capped too.
    const last = players.at(-1)!;
    const own = events(last.socket.received).filter((event) => event.type === "cursors").flatMap((event) => (event.type === "cursors" ? event.cursors : []));
    expect(own.some(([id]) => id === last.playerId)).toBe(false);
    expect(own.length).toBeLessThanOrEqual(MAX_CURSORS_PER_FRAME);
  });

  it("a cursor that did not move is not sent again", () => {
    const { room, players, watchers } = crowd(2, 1);
    players[0]!.send({ type: "cursor", x: 1, y: 2 });
    room.settle();
    const from = watchers[0]!.count;
    room.advance(CURSOR_INTERVAL_MS * 3);
    players[1]!.send({ type: "cursor", x: 3, y: 4 });
    room.settle();
    const cursors = events(watchers[0]!.since(from)).filter((event) => event.type === "cursors");
    expect(cursors).toEqual([{ type: "cursors", cursors: [[players[1]!.playerId, 3, 4]] }]);
  });
});

describe("the welcome's snapshot", () => {
  it("is encoded once per room version and shared by every joiner until it changes", () => {
    const { room, players } = crowd(1, 0);
    const ann = players[0]!;
    ann.act({ type: "grab", pieceId: 1 });
    room.settle();
    const encodings = room.core.snapshotEncodings;
    const storm = Array.from({ length: 50 }, (_, index) => {
      const watcher = room.connect();
      watcher.hello(`W${index}`, { role: "watcher" });
      return watcher;
    });
    // The grab changed the version: the first joiner encodes, the 49 others share it.
    expect(room.core.snapshotEncodings - encodings).toBe(1);
    expect(new Set(storm.map((watcher) => JSON.stringify(welcomeOf(watcher).snapshot))).size).toBe(1);
    // A move changes the version: the next joiner's snapshot is encoded anew and has it.
    ann.act({ type: "grab", pieceId: 0 });
    ann.act({ type: "move", pieceId: 0, x: 77, y: 66 });
    const late = room.connect();
    late.hello("Late", { role: "watcher" });
    expect(room.core.snapshotEncodings - encodings).toBe(2);
    expect(welcomeOf(late).snapshot.version).toBe(room.core.snapshot()!.version);
    expect(welcomeOf(late).snapshot.pieces[0]).toEqual(expect.arrayContaining([77, 66]));
    expect(welcomeOf(late).snapshot).toEqual(room.core.snapshot());
  });

  it("is encoded anew when the players list changes at the same version", () => {
    const { room } = crowd(1, 1);
    const version = room.core.snapshot()!.version;
    const encodings = room.core.snapshotEncodings;
    const bob = room.connect();
    bob.hello("Bob");
    const watcher = room.connect();
    watcher.hello("W", { role: "watcher" });
    expect(room.core.snapshot()!.version).toBe(version);
    // Bob's welcome is encoded anew (he is in its list), and the watcher after him shares it.
    expect(room.core.snapshotEncodings - encodings).toBe(1);
    expect(welcomeOf(watcher).snapshot.players.map((player) => player.name)).toEqual(["P0", "Bob"]);
    bob.disconnect();
    const third = room.connect();
    third.hello("W2", { role: "watcher" });
    expect(room.core.snapshotEncodings - encodings).toBe(2);
    expect(welcomeOf(third).snapshot.players.find((player) => player.name === "Bob")?.connected).toBe(false);
  });
});

describe("pacing fits the room's size", () => {
  it("the tick runs from ACK_BATCH_MS in a small room to BROADCAST_TICK_MS in a crowd", () => {
    expect(tickMsFor(1)).toBe(ACK_BATCH_MS);
    expect(tickMsFor(16)).toBe(ACK_BATCH_MS);
    expect(tickMsFor(64)).toBe(Math.ceil((64 * 1000) / ROOM_FRAMES_PER_S));
    expect(tickMsFor(64)).toBeLessThan(BROADCAST_TICK_MS);
    expect(tickMsFor(1_000)).toBe(BROADCAST_TICK_MS);
    for (let connections = 1; connections < 2_000; connections++) expect(tickMsFor(connections + 1)).toBeGreaterThanOrEqual(tickMsFor(connections));
  });

  it("in a small room a move reaches the others within ACK_BATCH_MS, and the mover's ack rides the same flush", () => {
    const { room, players } = crowd(4, 0);
    const [ann, bob] = players as [FakeClient, FakeClient];
    ann.act({ type: "grab", pieceId: 0 });
    room.settle();
    for (let step = 0; step < 20; step++) {
      room.advance(33);
      const [annFrom, bobFrom] = [ann.count, bob.count];
      const seq = ann.act({ type: "move", pieceId: 0, x: 20 + step, y: 30 });
      room.advance(ACK_BATCH_MS);
      expect(events(bob.since(bobFrom)), `move ${step} at bob`).toContainEqual({ type: "pieces", pieces: [[0, 20 + step, 30, 0, 0]] });
      expect(events(ann.since(annFrom)), `ack of move ${step}`).toContainEqual({ type: "ack", seq, version: expect.any(Number) });
    }
  });

  it("at 64 x 30 Hz every flush is a tick: each client gets one frame per tick, with every other move of that tick and its own acks", () => {
    const clients = 64;
    const tickMs = tickMsFor(clients);
    expect(tickMs).toBeLessThanOrEqual(ACK_RIDE_MS);
    const { room, players } = crowd(clients, 0, { maxPlayers: clients, puzzle: HUNDRED });
    players.forEach((player, index) => player.act({ type: "grab", pieceId: index }));
    room.settle();
    const start = room.nowMs;
    const from = players.map((player) => player.count);
    // Each player moves at 30 Hz, the players spread over the 33 ms; an action at a tick's instant arrives before its flush.
    const moves: Array<{ player: number; seq: number; atMs: number; x: number; y: number }> = [];
    for (let t = 1; t <= 1_000; t++) {
      room.nowMs = start + t;
      players.forEach((player, index) => {
        if ((t + index) % 33 !== 0) return;
        const x = 300 + index * 4;
        const y = 200 + ((t * 7) % 400);
        moves.push({ player: index, seq: player.act({ type: "move", pieceId: index, x, y }), atMs: room.nowMs, x, y });
      });
      room.runDueFlush();
    }
    room.settle();
    players.forEach((player, index) => {
      const frames = player.since(from[index]!).flatMap((message, offset) => (message.type === "batch" ? [{ message, atMs: player.socket.receivedAtMs[from[index]! + offset]! }] : []));
      const times = frames.map((frame) => frame.atMs);
      // No flush between ticks (an ack of its own would make one): at most one frame per tick.
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `frame at ${times[i]! - start}`).toBeGreaterThanOrEqual(tickMs);
      for (const move of moves) {
        // The move is in the first frame after it arrived, at most a tick later.
        const frame = frames.find((candidate) => candidate.atMs >= move.atMs);
        expect(frame && frame.atMs - move.atMs, `frame after move ${move.seq}`).toBeLessThanOrEqual(tickMs);
        const tickEvents = frame?.message.events ?? [];
        if (move.player === index) {
          expect(tickEvents, `ack of ${move.seq}`).toContainEqual({ type: "ack", seq: move.seq, version: expect.any(Number) });
        } else {
          const pieces = tickEvents.flatMap((event) => (event.type === "pieces" ? event.pieces : []));
          expect(pieces.some(([id, x, y]) => id === move.player && x === move.x && y === move.y), `move ${move.seq} at player ${index}`).toBe(true);
        }
      }
    });
  });

  it("in a room at the largest tick, a move after a quiet tick goes at once and the moves that follow it wait for the next tick", () => {
    const { room, players } = crowd(2, 200);
    const [ann] = players as [FakeClient];
    ann.act({ type: "grab", pieceId: 0 });
    room.settle();
    room.advance(BROADCAST_TICK_MS);
    const observer = players[1]!;
    const from = observer.count;
    const moves: Array<{ atMs: number; x: number }> = [];
    for (let step = 0; step < 10; step++) {
      moves.push({ atMs: room.nowMs, x: 20 + step });
      ann.act({ type: "move", pieceId: 0, x: 20 + step, y: 30 });
      room.runDueFlush();
      room.advance(11);
    }
    room.settle(BROADCAST_TICK_MS);
    const frames = observer.since(from).flatMap((message, offset) => (message.type === "batch" ? [{ atMs: observer.socket.receivedAtMs[from + offset]!, events: message.events }] : []));
    expect(frames[0]!.atMs, "the first move, in a quiet room").toBe(moves[0]!.atMs);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.atMs - frames[i - 1]!.atMs).toBeGreaterThanOrEqual(BROADCAST_TICK_MS);
    expect(frames.length).toBeLessThan(moves.length);
    for (const move of moves) {
      const frame = frames.find((candidate) => candidate.atMs >= move.atMs)!;
      expect(frame.atMs - move.atMs).toBeLessThanOrEqual(BROADCAST_TICK_MS);
    }
    expect(frames.at(-1)!.events).toContainEqual({ type: "pieces", pieces: [[0, 29, 30, 0, 0]] });
  });

  it("in a crowd the counts go out at most every CROWD_AUDIENCE_MS during a join storm, and the last counts always arrive", () => {
    const { room, players } = crowd(1, 200);
    const ann = players[0]!;
    room.advance(CROWD_AUDIENCE_MS);
    const from = ann.count;
    for (let index = 0; index < 60; index++) {
      room.connect().hello(`Late${index}`, { role: "watcher" });
      room.runDueFlush();
      room.advance(20);
    }
    room.settle(CROWD_AUDIENCE_MS + BROADCAST_TICK_MS);
    const counts = ann.since(from).flatMap((message, offset) =>
      message.type === "batch" ? message.events.filter((event) => event.type === "audience").map((event) => ({ atMs: ann.socket.receivedAtMs[from + offset]!, event })) : [],
    );
    // 1.2 s of joins: the first change at once, then one a second at most (a count per tick would be 40).
    expect(counts.length).toBeGreaterThanOrEqual(2);
    expect(counts.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < counts.length; i++) expect(counts[i]!.atMs - counts[i - 1]!.atMs).toBeGreaterThanOrEqual(CROWD_AUDIENCE_MS);
    expect(counts.at(-1)!.event).toEqual({ type: "audience", players: 1, watchers: 260 });
  });

  it("in a crowd a watcher gets a frame at most every CROWD_WATCHER_FRAME_MS, on a tick, with every move; players still get every tick", () => {
    const { room, players, watchers } = crowd(2, 200);
    const [ann, bob] = players as [FakeClient, FakeClient];
    const watcher = watchers[0]!;
    ann.act({ type: "grab", pieceId: 0 });
    room.settle();
    room.advance(BROADCAST_TICK_MS);
    const [watcherFrom, bobFrom] = [watcher.count, bob.count];
    const moves: Array<{ atMs: number; x: number }> = [];
    for (let step = 0; step < 60; step++) {
      moves.push({ atMs: room.nowMs, x: 20 + step });
      ann.act({ type: "move", pieceId: 0, x: 20 + step, y: 30 });
      room.runDueFlush();
      room.advance(11);
    }
    room.settle(CROWD_WATCHER_FRAME_MS + BROADCAST_TICK_MS);
    const framesOf = (client: FakeClient, from: number) =>
      client.since(from).flatMap((message, offset) => (message.type === "batch" ? [{ atMs: client.socket.receivedAtMs[from + offset]!, events: message.events }] : []));
    const watched = framesOf(watcher, watcherFrom);
    for (let i = 1; i < watched.length; i++) expect(watched[i]!.atMs - watched[i - 1]!.atMs).toBeGreaterThanOrEqual(CROWD_WATCHER_FRAME_MS);
    for (const move of moves) {
      const frame = watched.find((candidate) => candidate.atMs >= move.atMs);
      expect(frame && frame.atMs - move.atMs, `move at ${move.atMs}`).toBeLessThanOrEqual(CROWD_WATCHER_FRAME_MS + BROADCAST_TICK_MS);
    }
    expect(watched.at(-1)!.events).toContainEqual({ type: "pieces", pieces: [[0, 79, 30, 0, 0]] });
    // A player of the same room is not slowed: a frame a tick.
    const played = framesOf(bob, bobFrom);
    expect(played.length).toBeGreaterThan(2 * watched.length);
    watcher.sync();
    expect(watcher.replica!.puzzle.pieces[0]).toMatchObject({ x: 79, y: 30 });
  });
});
