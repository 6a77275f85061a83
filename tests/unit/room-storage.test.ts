/**
 * The room's storage over time: every named migration takes an old layout to
 * today's (and a second load needs none), and storage the room cannot read is
 * refused whole, with one log line, a server-error to every hello and a 500 from
 * the summary, never half a room.
 */
import * as v from "valibot";
import { afterEach, describe, expect, it, vi, type MockInstance } from "vitest";
import type * as Party from "partykit/server";
import StatefulRoom from "../../party/room/server.ts";
import { CLOSE_INTERNAL_ERROR } from "../../party/room/room-core.ts";
import { META_KEY, PIECES_PER_CHUNK, PROGRESS_KEY, chunkKey, loadRoom } from "../../party/room/room-storage.ts";
import { STORAGE_MIGRATIONS, STORAGE_VERSION } from "../../party/room/storage-migrations.ts";
import { HOST_KEY } from "../../party/room/room-host.ts";
import { ErrorBodySchema, RoomStateSchema, RoomSummarySchema } from "../../shared/http.ts";
import { PuzzleSpecSchema, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";
import { InMemoryRoom, type LogEntry } from "../../testkit/in-memory-room.ts";
import { MemoryStorage } from "../../testkit/memory-storage.ts";

const TWELVE: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 7 };

/** A room that was played (moves, a placed piece, a leave) and flushed: its storage is today's layout. */
function playedRoom(puzzle: PuzzleOptions = TWELVE): InMemoryRoom {
  const room = new InMemoryRoom();
  const ann = room.connect();
  ann.hello("Ann", { create: puzzle });
  ann.act({ type: "grab", pieceId: 1 });
  ann.act({ type: "move", pieceId: 1, x: 30, y: 40 });
  ann.act({ type: "drop", pieceId: 1, x: 31, y: 41 });
  ann.act({ type: "grab", pieceId: 0 });
  ann.act({ type: "drop", pieceId: 0, ...solvedPosition(room.core.snapshot()!.spec, 0) });
  room.settle();
  ann.disconnect();
  room.settle();
  return room;
}

/** A storage holding exactly `values`, as a room stored them. */
async function storageOf(values: Record<string, unknown>): Promise<MemoryStorage<LogEntry>> {
  const storage = new MemoryStorage<LogEntry>();
  const keys = Object.keys(values);
  for (let start = 0; start < keys.length; start += 128) await storage.put(Object.fromEntries(keys.slice(start, start + 128).map((key) => [key, values[key]])));
  storage.puts.length = 0;
  return storage;
}

const ALL_MIGRATIONS = STORAGE_MIGRATIONS.map((migration) => migration.name);

const today = (room: InMemoryRoom) => Object.fromEntries(room.storage.values) as Record<string, unknown> & { meta: Record<string, unknown>; progress: Record<string, unknown> };

/** Stored values without the action log's keys: every layout before version 3 had none. */
function withoutLog<T extends Record<string, unknown>>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([key]) => !key.startsWith("log:"))) as T;
}

/** What the action-log migration adds to a room stored before the log: a head and the checkpoint replay starts from. */
const LOG_START_KEYS = ["log:cp:0", "log:head"];

describe("storage migrations", () => {
  it("are numbered 1, 2, ... in order, each with a name, and the last is the version the room writes", () => {
    expect(STORAGE_MIGRATIONS.map((migration) => migration.version)).toEqual(STORAGE_MIGRATIONS.map((_, index) => index + 1));
    expect(new Set(STORAGE_MIGRATIONS.map((migration) => migration.name)).size).toBe(STORAGE_MIGRATIONS.length);
    expect(STORAGE_VERSION).toBe(STORAGE_MIGRATIONS.length);
    expect(today(playedRoom()).meta.storageVersion).toBe(STORAGE_VERSION);
  });

  it("a room writes meta, progress, its host seat and every chunk when its puzzle is created", () => {
    const room = new InMemoryRoom();
    room.connect().hello("Ann", { create: { ...TWELVE, pieceCount: 1000 } });
    room.settle();
    const chunks = Math.ceil(room.core.snapshot()!.pieces.length / PIECES_PER_CHUNK);
    expect([...room.storage.values.keys()].sort()).toEqual([META_KEY, PROGRESS_KEY, HOST_KEY, ...Array.from({ length: chunks }, (_, index) => chunkKey(index))].sort());
  });

  describe("1, progress-own-key: the counters move from meta to their own key", () => {
    /** The layout before: no storage version, the counters in meta, no progress key. */
    function progressInMeta(room: InMemoryRoom): Record<string, unknown> {
      const { [PROGRESS_KEY]: progress, meta, ...chunks } = withoutLog(today(room));
      const { storageVersion: _unversioned, ...unversioned } = meta;
      return { ...chunks, [META_KEY]: { ...unversioned, ...progress } };
    }

    it("an old-layout room loads as it was, is written back in today's layout, and a second load migrates nothing", async () => {
      const room = playedRoom();
      const storage = await storageOf(progressInMeta(room));
      const first = await loadRoom(storage);
      if (first.kind !== "loaded") return expect.fail(`expected a loaded room, got ${JSON.stringify(first)}`);
      // A room from before storage versions runs every migration, this one first.
      expect(first.migrated).toEqual(ALL_MIGRATIONS);
      expect(first.progress).toEqual(today(room).progress);
      expect(withoutLog(Object.fromEntries(storage.values))).toEqual(withoutLog(today(room)));
      expect(storage.puts).toEqual([[PROGRESS_KEY, ...LOG_START_KEYS, META_KEY]]);

      const second = await loadRoom(storage);
      if (second.kind !== "loaded") return expect.fail("the migrated room should load again");
      expect(second.migrated).toEqual([]);
      expect(second.state).toEqual(first.state);
      expect(storage.puts).toHaveLength(1);

      const restarted = new InMemoryRoom({ storage });
      await restarted.core.load();
      expect(restarted.core.snapshot()).toEqual(room.core.snapshot());
      expect(restarted.core.summary()).toEqual(room.core.summary());
    });

    it("a room stored between the layouts (progress on its own key, no storage version) keeps its own progress", async () => {
      const room = playedRoom();
      const { meta, ...rest } = withoutLog(today(room));
      const { storageVersion: _unversioned, ...unversioned } = meta;
      const storage = await storageOf({ ...rest, [META_KEY]: { ...unversioned, version: 0, actionsApplied: 0 } });
      const loaded = await loadRoom(storage);
      if (loaded.kind !== "loaded") return expect.fail(`expected a loaded room, got ${JSON.stringify(loaded)}`);
      expect(loaded.migrated).toEqual(ALL_MIGRATIONS);
      expect(loaded.progress).toEqual(today(room).progress);
      expect(withoutLog(Object.fromEntries(storage.values))).toEqual(withoutLog(today(room)));
    });

    it("a room created before any action was stored has zero counters", async () => {
      const room = new InMemoryRoom();
      room.connect().hello("Ann", { create: TWELVE });
      room.settle();
      const { [PROGRESS_KEY]: _progress, meta, ...chunks } = withoutLog(today(room));
      const { storageVersion: _unversioned, ...unversioned } = meta;
      const loaded = await loadRoom(await storageOf({ ...chunks, [META_KEY]: unversioned }));
      if (loaded.kind !== "loaded") return expect.fail(`expected a loaded room, got ${JSON.stringify(loaded)}`);
      expect(loaded.progress).toEqual({ version: 0, completedAtMs: null, actionsApplied: 0 });
    });
  });
});

describe("2, spec-rotation: a room stored before rotation existed says it has none", () => {
  /** The layout at storage version 1: a spec without `rotation` (and pieces never turned). */
  function beforeRotation(room: InMemoryRoom): Record<string, unknown> {
    const { meta, ...rest } = withoutLog(today(room));
    const { rotation: _rotation, ...spec } = meta.spec as Record<string, unknown>;
    return { ...rest, [META_KEY]: { ...meta, storageVersion: 1, spec } };
  }

  it("a version-1 room loads without rotation, is written back with rotation: false, and a second load migrates nothing", async () => {
    const room = playedRoom();
    const storage = await storageOf(beforeRotation(room));
    const first = await loadRoom(storage);
    if (first.kind !== "loaded") return expect.fail(`expected a loaded room, got ${JSON.stringify(first)}`);
    expect(first.migrated).toEqual(["spec-rotation", "action-log"]);
    expect(first.state.spec.rotation).toBe(false);
    expect(first.state.pieces.every((piece) => piece.rotation === 0)).toBe(true);
    expect(withoutLog(Object.fromEntries(storage.values))).toEqual(withoutLog(today(room)));
    expect(storage.puts).toEqual([[...LOG_START_KEYS, META_KEY]]);

    const second = await loadRoom(storage);
    if (second.kind !== "loaded") return expect.fail("the migrated room should load again");
    expect(second.migrated).toEqual([]);
    const restarted = new InMemoryRoom({ storage });
    await restarted.core.load();
    expect(restarted.core.snapshot()).toEqual(room.core.snapshot());
    expect(restarted.core.summary()).toEqual({ ...room.core.summary(), rotation: false });
  });

  it("without the migration the version-1 spec is unreadable, so the migration is what keeps old rooms", () => {
    const { meta } = beforeRotation(playedRoom()) as { meta: { spec: unknown } };
    expect(v.safeParse(PuzzleSpecSchema, meta.spec).success).toBe(false);
  });

  it("is safe to run again over its own output", async () => {
    const storage = await storageOf(today(playedRoom()));
    await STORAGE_MIGRATIONS[1]!.up(storage);
    expect(storage.puts).toEqual([]);
  });

  it("a room with rotation on stores its turned pieces and comes back turned", async () => {
    const room = new InMemoryRoom();
    const ann = room.connect();
    ann.hello("Ann", { create: { ...TWELVE, rotation: true } });
    const turnedPiece = room.core.snapshot()!.pieces.findIndex((piece) => piece[4] !== undefined && piece[4] !== 0);
    ann.act({ type: "grab", pieceId: turnedPiece });
    ann.act({ type: "rotate", pieceId: turnedPiece, rotation: 0 });
    ann.act({ type: "grab", pieceId: 5 });
    ann.act({ type: "rotate", pieceId: 5, rotation: 2 });
    room.settle();
    const restarted = new InMemoryRoom({ storage: room.storage });
    await restarted.core.load();
    const snapshot = restarted.core.snapshot()!;
    expect(snapshot.spec.rotation).toBe(true);
    expect(snapshot.pieces).toEqual(room.core.snapshot()!.pieces);
    expect(snapshot.pieces[turnedPiece]).toHaveLength(4);
    expect(snapshot.pieces[5]![4]).toBe(2);
    expect(restarted.core.summary().rotation).toBe(true);
  });
});

interface UnreadableCase {
  name: string;
  corrupt(values: Record<string, unknown> & { meta: Record<string, unknown>; progress: Record<string, unknown> }): Record<string, unknown>;
  problem: RegExp;
}

const UNREADABLE: UnreadableCase[] = [
  { name: "a storage version newer than this code", corrupt: (values) => ({ ...values, meta: { ...values.meta, storageVersion: STORAGE_VERSION + 1 } }), problem: /meta is at storage version \d+, newer than/ },
  { name: "a storage version that is not a number", corrupt: (values) => ({ ...values, meta: { ...values.meta, storageVersion: "2" } }), problem: /^meta\.storageVersion: / },
  { name: "meta that is not an object", corrupt: (values) => ({ ...values, meta: "a room" }), problem: /^meta: / },
  { name: "meta whose spec lacks its grid", corrupt: (values) => ({ ...values, meta: { ...values.meta, spec: { ...(values.meta.spec as object), rows: undefined } } }), problem: /^meta\.spec\.rows: / },
  { name: "meta with an unknown mode", corrupt: (values) => ({ ...values, meta: { ...values.meta, mode: "serverless" } }), problem: /^meta\.mode: / },
  { name: "a player without a token", corrupt: (values) => ({ ...values, meta: { ...values.meta, players: [{ id: "p", name: "P", color: "#fff", placed: 0 }] } }), problem: /^meta\.players\.0\.token: / },
  { name: "missing progress", corrupt: ({ progress: _progress, ...values }) => values, problem: /^progress is missing$/ },
  { name: "progress with a fractional version", corrupt: (values) => ({ ...values, progress: { ...values.progress, version: 1.5 } }), problem: /^progress\.version: / },
  { name: "a missing chunk", corrupt: ({ [chunkKey(0)]: _chunk, ...values }) => values, problem: /^pieces:0 is missing/ },
  { name: "a chunk that is not a list", corrupt: (values) => ({ ...values, [chunkKey(0)]: { pieces: [] } }), problem: /^pieces:0: / },
  { name: "a chunk with a piece that is not a tuple", corrupt: (values) => ({ ...values, [chunkKey(0)]: [...(values[chunkKey(0)] as unknown[]).slice(1), { x: 1 }] }), problem: /^pieces:0\.11: / },
  { name: "a chunk one piece short", corrupt: (values) => ({ ...values, [chunkKey(0)]: (values[chunkKey(0)] as unknown[]).slice(1) }), problem: /^pieces:0 holds 11 pieces, not 12$/ },
  { name: "a piece turned by 4 quarter turns", corrupt: (values) => ({ ...values, [chunkKey(0)]: [[1, 2, 0, 0, 4], ...(values[chunkKey(0)] as unknown[]).slice(1)] }), problem: /^pieces:0\.0: / },
  { name: "a spec that does not say whether pieces turn", corrupt: (values) => ({ ...values, meta: { ...values.meta, spec: { ...(values.meta.spec as object), rotation: undefined } } }), problem: /^meta\.spec\.rotation: / },
  { name: "a piece in a group that is no piece of the puzzle", corrupt: (values) => ({ ...values, [chunkKey(0)]: [[1, 2, 40, 0], ...(values[chunkKey(0)] as unknown[]).slice(1)] }), problem: /^pieces:0: piece 0 is in group 40/ },
];

describe("storage the room cannot read", () => {
  let consoleError: MockInstance<typeof console.error> | undefined;
  afterEach(() => consoleError?.mockRestore());

  it.each(UNREADABLE.map((row) => [row.name, row] as const))("%s: the load says why and writes nothing", async (_name, row) => {
    const storage = await storageOf(row.corrupt(today(playedRoom())));
    const before = Object.fromEntries(storage.values);
    const loaded = await loadRoom(storage);
    if (loaded.kind !== "unreadable") return expect.fail(`expected unreadable storage, got ${loaded.kind}`);
    expect(loaded.problem).toMatch(row.problem);
    expect(storage.puts).toEqual([]);
    expect(Object.fromEntries(storage.values)).toEqual(before);
  });

  it("unreadable storage in an old layout is not migrated or written back either", async () => {
    const { [PROGRESS_KEY]: progress, meta, ...chunks } = today(playedRoom());
    const { storageVersion: _unversioned, ...unversioned } = meta;
    const { [chunkKey(0)]: _missing, ...rest } = chunks;
    const storage = await storageOf({ ...rest, [META_KEY]: { ...unversioned, ...progress } });
    expect(await loadRoom(storage)).toEqual({ kind: "unreadable", problem: expect.stringMatching(/^pieces:0 is missing/) });
    expect(storage.puts).toEqual([]);
  });

  it("the room logs one line, refuses every hello with a server-error and a close, and builds nothing", async () => {
    consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const storage = await storageOf(UNREADABLE.find((row) => row.name === "a missing chunk")!.corrupt(today(playedRoom())));
    const room = new InMemoryRoom({ storage });
    await room.core.load();
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(consoleError.mock.calls[0]).toEqual([expect.stringMatching(/^room storage cannot be read, so this room refuses to serve: pieces:0 is missing/)]);
    expect(room.core.unreadable).toMatch(/pieces:0 is missing/);
    expect(room.core.snapshot()).toBeNull();

    for (const hello of [{}, { create: TWELVE }]) {
      const client = room.connect();
      client.hello("Ann", hello);
      expect(client.socket.received).toEqual([{ type: "error", code: "server-error", message: expect.stringMatching(/cannot be read.*\S$/) }]);
      expect(client.socket.closed?.code).toBe(CLOSE_INTERNAL_ERROR);
    }
    room.settle();
    expect(room.core.snapshot()).toBeNull();
    expect(storage.puts).toEqual([]);
  });
});

/** The PartyKit room over memory storage, as workerd would construct it. */
function partyRoom(storage: MemoryStorage<LogEntry>): StatefulRoom {
  // No sockets were kept open: onStart (a start or a wake) has none to restore.
  return new StatefulRoom({ id: "r1", env: {}, storage, getConnections: () => [] } as unknown as Party.Room);
}

const request = (path: string) => new Request(`http://127.0.0.1/parties/main/r1${path}`) as unknown as Party.Request;

describe("the room's HTTP summary", () => {
  let consoleError: MockInstance<typeof console.error> | undefined;
  afterEach(() => consoleError?.mockRestore());

  it("answers a readable room with its summary, and ?state=1 with the snapshot too", async () => {
    const played = playedRoom();
    const party = partyRoom(await storageOf(today(played)));
    await party.onStart();
    const summary = await party.onRequest(request(""));
    expect(summary.status).toBe(200);
    expect(v.parse(RoomSummarySchema, await summary.json())).toEqual(played.core.summary());
    const state = await party.onRequest(request("?state=1"));
    expect(v.parse(RoomStateSchema, await state.json()).snapshot).toEqual(played.core.snapshot());
  });

  it("answers 500 with an ErrorBody naming the problem when the storage cannot be read", async () => {
    consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const party = partyRoom(await storageOf(UNREADABLE[0]!.corrupt(today(playedRoom()))));
    await party.onStart();
    for (const path of ["", "?state=1"]) {
      const response = await party.onRequest(request(path));
      expect(response.status).toBe(500);
      expect(v.parse(ErrorBodySchema, await response.json()).error).toMatch(/storage cannot be read: meta is at storage version/);
    }
  });
});
