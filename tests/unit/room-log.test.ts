/**
 * The room's action log, in-process: seeded games on several puzzles (square
 * and oblong pieces, rotation on and off, contention, expired leases, leaves, a
 * restart from storage, a finished solve) replay from the seeded start to the
 * room's state; the log goes into the very put the acks wait for; a room stored
 * before the log starts its log at a checkpoint (the action-log migration); and
 * `GET .../log` pages and refuses bad ranges with a sentence.
 */
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import type * as Party from "partykit/server";
import StatefulRoom from "../../party/room/server.ts";
import { LOG_HEAD_KEY, logCheckpointKey, logOpenKey } from "../../party/room/action-log-store.ts";
import { META_KEY, PROGRESS_KEY } from "../../party/room/room-storage.ts";
import { STORAGE_MIGRATIONS } from "../../party/room/storage-migrations.ts";
import { ErrorBodySchema, LogPageSchema } from "../../shared/http.ts";
import { createPrng, type Prng } from "../../shared/prng.ts";
import { solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { GRAB_LEASE_MS } from "../../shared/rules.ts";
import { STILL_HOLD_MAX_MS } from "../../party/room/room-core.ts";
import { FakeClient, InMemoryRoom, type LogEntry } from "../../testkit/in-memory-room.ts";
import { MemoryStorage, type PutLogEntry } from "../../testkit/memory-storage.ts";
import { comparableSnapshot, comparableState, corePages, replayLog } from "../../testkit/log-replay.ts";
import { decodeLogChunk, encodeLogChunk } from "../../shared/action-log.ts";
import { LogReplayError } from "../../shared/log-replay.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";

interface Game {
  name: string;
  puzzle: PuzzleOptions;
  players: number;
  rounds: number;
  /** Play until the puzzle is solved instead. */
  solve?: boolean;
}

const GAMES: Game[] = [
  { name: "4 pieces, solved by two players", puzzle: { imageId: "test", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 7 }, players: 2, rounds: 0, solve: true },
  { name: "96 oblong pieces, four players contending", puzzle: { imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 42 }, players: 4, rounds: 300 },
  { name: "24 oblong pieces that turn, solved by three players", puzzle: { imageId: "test", imageWidth: 1600, imageHeight: 900, pieceCount: 24, seed: 5, rotation: true }, players: 3, rounds: 0, solve: true },
  { name: "300 pieces that turn, six players", puzzle: { imageId: "test", imageWidth: 1500, imageHeight: 1000, pieceCount: 300, seed: 99, rotation: true }, players: 6, rounds: 400 },
];

/**
 * Plays a seeded game: players grab pieces (sometimes one someone holds), drag
 * them in steps, turn them, drop them at home or elsewhere, walk away holding
 * one, come back; time jumps past leases now and then; once the room restarts
 * from storage. Returns the room as it ends, everything flushed.
 */
async function playGame(game: Game, seed: number): Promise<InMemoryRoom> {
  const prng = createPrng(seed);
  let room = new InMemoryRoom({ seed });
  const tokens: Array<string | null> = Array.from({ length: game.players }, () => null);
  const clients: Array<FakeClient | null> = [];
  const join = (index: number) => {
    const client = room.connect();
    const token = tokens[index];
    client.hello(`p${index}`, { ...(index === 0 && !token ? { create: game.puzzle } : {}), ...(token ? { token } : {}) });
    tokens[index] = client.token;
    clients[index] = client;
  };
  for (let index = 0; index < game.players; index++) join(index);
  const restartAt = Math.floor(prng() * 200) + 50;
  for (let round = 0; game.solve ? room.core.summary().completedAtMs === null : round < game.rounds; round++) {
    if (round > 5_000) throw new Error(`${game.name}: not solved in 5,000 rounds`);
    const index = Math.floor(prng() * game.players);
    const client = clients[index];
    if (!client) {
      join(index);
      continue;
    }
    client.sync();
    const puzzle = client.replica!.puzzle;
    const loose = puzzle.pieces.flatMap((piece, id) => (piece.locked ? [] : [id]));
    if (loose.length === 0) break;
    const pieceId = pick(prng, loose);
    client.act({ type: "grab", pieceId });
    const home = solvedPosition(puzzle.spec, pieceId);
    const piece = puzzle.pieces[pieceId]!;
    const goHome = game.solve || prng() < 0.4;
    const target = goHome ? home : { x: Math.floor(prng() * puzzle.spec.tableWidth), y: Math.floor(prng() * puzzle.spec.tableHeight) };
    const steps = 2 + Math.floor(prng() * 6);
    for (let step = 1; step <= steps; step++) {
      room.advance(Math.floor(prng() * 40));
      if (puzzle.spec.rotation && step === 2) client.act({ type: "rotate", pieceId, rotation: goHome ? 0 : Math.floor(prng() * 4) });
      client.act({ type: "move", pieceId, x: piece.x + ((target.x - piece.x) * step) / steps + prng(), y: piece.y + ((target.y - piece.y) * step) / steps });
    }
    const roll = prng();
    if (roll < 0.05 && !game.solve) {
      // Walks away holding the piece.
      client.disconnect();
      clients[index] = null;
    } else if (roll < 0.1 && !game.solve) {
      // Holds it past the lease: someone else may take it, the drop may be refused.
      room.advance(GRAB_LEASE_MS + 1 + Math.floor(prng() * 500));
    } else {
      client.act({ type: "drop", pieceId, ...target });
    }
    room.advance(Math.floor(prng() * 30));
    if (round === restartAt) {
      room.settle();
      room = new InMemoryRoom({ storage: room.storage, seed: seed + 1, startMs: room.nowMs + 2_000 });
      await room.core.load();
      clients.fill(null);
    }
  }
  room.settle();
  room.flush();
  return room;
}

function pick<T>(prng: Prng, items: readonly T[]): T {
  return items[Math.floor(prng() * items.length)]!;
}

describe("replay of a logged game lands on the room's state", () => {
  it.each(GAMES.flatMap((game) => [1, 2].map((seed) => [game.name, seed, game] as const)))("%s, seed %i", async (_name, seed, game) => {
    const room = await playGame(game, seed);
    const replayed = await replayLog(corePages(room.core));
    // From the seeded start: this room was created with the log.
    expect(replayed.first).toBe(0);
    expect(replayed.entries).toBeGreaterThan(game.solve ? 10 : 500);
    const snapshot = room.core.snapshot()!;
    expect(comparableState(replayed.state)).toEqual(comparableSnapshot(snapshot));
    if (game.solve) expect(replayed.state.completedAtMs).not.toBeNull();
  });

  it("a replay that misses one drop lands elsewhere (or is refused), so the comparison above can fail", async () => {
    const room = await playGame(GAMES[1]!, 3);
    const pages = corePages(room.core);
    let removed = false;
    const missingADrop = async (from: number | undefined) => {
      const page = await pages(from);
      // The log's last chunk: one entry fewer in an earlier chunk would leave a gap the reader refuses before any replay.
      const chunks = page.chunks.map((chunk, at) => {
        const entries = decodeLogChunk(chunk);
        let last = -1;
        entries.forEach((entry, index) => {
          if (entry.kind === "action" && entry.action.type === "drop") last = index;
        });
        if (removed || last < 0 || page.next !== null || at !== page.chunks.length - 1) return chunk;
        removed = true;
        return encodeLogChunk(chunk.from, entries.filter((_, index) => index !== last));
      });
      return { ...page, chunks };
    };
    const replayed = await replayLog(missingADrop).catch((error: unknown) => error);
    expect(removed).toBe(true);
    if (replayed instanceof Error) expect(replayed).toBeInstanceOf(LogReplayError);
    else expect(comparableState((replayed as { state: PuzzleState }).state)).not.toEqual(comparableSnapshot(room.core.snapshot()!));
  });
});

describe("a hold that still moves do not renew", () => {
  it("is logged when the room keeps its lease short, so a grab after it replays as the room took it", async () => {
    const room = new InMemoryRoom();
    const ann = room.connect();
    ann.hello("Ann", { create: GAMES[1]!.puzzle });
    const bob = room.connect();
    bob.hello("Bob");
    room.settle();
    ann.act({ type: "grab", pieceId: 9 });
    ann.act({ type: "move", pieceId: 9, x: 300, y: 40 });
    room.settle();
    // Ann sits on the piece with moves that move nothing, past the still-hold window and a lease after it.
    for (let elapsed = 0; elapsed <= STILL_HOLD_MAX_MS + GRAB_LEASE_MS; elapsed += 2_000) {
      room.advance(2_000);
      ann.act({ type: "move", pieceId: 9, x: 300, y: 40 });
      room.settle();
    }
    const acks = bob.count;
    bob.act({ type: "grab", pieceId: 9 });
    room.settle();
    expect(bob.since(acks).some((message) => message.type === "batch" && message.events.some((event) => event.type === "ack"))).toBe(true);
    expect(room.core.snapshot()!.holds.map(([, playerId]) => playerId)).toEqual([bob.playerId]);

    const replayed = await replayLog(corePages(room.core));
    expect(comparableState(replayed.state)).toEqual(comparableSnapshot(room.core.snapshot()!));
    const leases = (await corePages(room.core)(undefined)).chunks.flatMap(decodeLogChunk).filter((entry) => entry.kind === "lease");
    expect(leases.length).toBeGreaterThan(0);
  });
});

describe("the log is stored with the state, in the put the acks wait for", () => {
  it("every put that stores an action's progress stores its log entry too, before the ack is sent", () => {
    const room = new InMemoryRoom();
    const ann = room.connect();
    ann.hello("Ann", { create: GAMES[1]!.puzzle });
    room.settle();
    const from = room.log.length;
    ann.act({ type: "grab", pieceId: 5 });
    ann.act({ type: "move", pieceId: 5, x: 40, y: 40 });
    room.settle();
    const log = room.log.slice(from);
    const put = log.findIndex((entry) => entry.kind === "put" && entry.keys.includes(PROGRESS_KEY));
    expect(put).toBeGreaterThanOrEqual(0);
    expect((log[put] as PutLogEntry).keys).toContain(logOpenKey(0));
    const ack = log.findIndex((entry) => entry.kind === "send" && entry.message.type === "batch" && entry.message.events.some((event) => event.type === "ack"));
    expect(ack).toBeGreaterThan(put);
  });
});

/** The PartyKit room over memory storage, as workerd would construct it. */
function partyRoom(storage: MemoryStorage<LogEntry>): StatefulRoom {
  return new StatefulRoom({ id: "r1", env: {}, storage, getConnections: () => [] } as unknown as Party.Room);
}

const request = (path: string, method = "GET") => new Request(`http://127.0.0.1/parties/main/r1${path}`, { method }) as unknown as Party.Request;

describe("GET /parties/main/<room>/log", () => {
  it("serves the log as LogPage bodies that replay to the room", async () => {
    const room = await playGame(GAMES[0]!, 4);
    const party = partyRoom(room.storage);
    await party.onStart();
    const response = await party.onRequest(request("/log"));
    expect(response.status).toBe(200);
    const page = v.parse(LogPageSchema, await response.json());
    expect(page).toMatchObject({ first: 0, checkpoint: null, next: null });
    expect(page.total).toBe((await corePages(room.core)(undefined)).total);
    expect(page.players.map((player) => player.name).sort()).toEqual(["p0", "p1"]);
    const replayed = await replayLog(async (from) => v.parse(LogPageSchema, await (await party.onRequest(request(from === undefined ? "/log" : `/log?from=${from}`))).json()));
    expect(comparableState(replayed.state)).toEqual(comparableSnapshot(room.core.snapshot()!));
  });

  it.each([
    ["?from=abc", 400, /^a log page starts at an entry index: from must be an entry index/],
    ["?from=-1", 400, /^a log page starts at an entry index/],
    ["?from=1.5", 400, /^a log page starts at an entry index/],
    ["?from=99999", 400, /^the log holds \d+ entries; ask from \d+ or less$/],
  ])("refuses %s with %i and a sentence", async (query, status, message) => {
    const room = await playGame(GAMES[0]!, 5);
    const party = partyRoom(room.storage);
    await party.onStart();
    const response = await party.onRequest(request(`/log${query}`));
    expect(response.status).toBe(status);
    expect(v.parse(ErrorBodySchema, await response.json()).error).toMatch(message);
  });

  it("says so for a room with no puzzle, and refuses what is not a GET", async () => {
    const party = partyRoom(new MemoryStorage<LogEntry>());
    await party.onStart();
    const empty = await party.onRequest(request("/log"));
    expect(empty.status).toBe(404);
    expect(v.parse(ErrorBodySchema, await empty.json()).error).toBe("this room has no puzzle, so there is no game to replay");
    expect((await party.onRequest(request("/log", "POST"))).status).toBe(405);
  });
});

describe("3, action-log: a room stored before the log starts its log at a checkpoint of itself", () => {
  /** A room played and stored, then its storage as version 2 wrote it: no log keys, storage version 2. */
  async function beforeTheLog(): Promise<{ room: InMemoryRoom; storage: MemoryStorage<LogEntry> }> {
    const room = await playGame(GAMES[1]!, 6);
    const values = Object.fromEntries([...room.storage.values].filter(([key]) => !key.startsWith("log:")));
    const meta = values[META_KEY] as Record<string, unknown>;
    values[META_KEY] = { ...meta, storageVersion: 2 };
    const storage = new MemoryStorage<LogEntry>();
    const keys = Object.keys(values);
    for (let start = 0; start < keys.length; start += 128) await storage.put(Object.fromEntries(keys.slice(start, start + 128).map((key) => [key, values[key]])));
    return { room, storage };
  }

  it("writes the head and a checkpoint of the stored state; replay starts there and follows play after it", async () => {
    const { room, storage } = await beforeTheLog();
    const restarted = new InMemoryRoom({ storage, startMs: room.nowMs + 5_000 });
    await restarted.core.load();
    expect(restarted.core.unreadable).toBeNull();
    expect(storage.values.get(LOG_HEAD_KEY)).toMatchObject({ first: 0, base: 0, chunks: 0 });
    expect(storage.values.has(logCheckpointKey(0))).toBe(true);

    // Play on after the migration.
    const ann = restarted.connect();
    ann.hello("late");
    const loose = restarted.core.snapshot()!.pieces.findIndex((piece) => piece[3] === 0);
    ann.act({ type: "grab", pieceId: loose });
    ann.act({ type: "drop", pieceId: loose, ...solvedPosition(restarted.core.snapshot()!.spec, loose) });
    restarted.settle();
    restarted.flush();

    const replayed = await replayLog(corePages(restarted.core));
    expect(replayed.first).toBe(0);
    expect(replayed.last.checkpoint).toMatchObject({ index: 0, atMs: null, holds: [] });
    expect(comparableState(replayed.state)).toEqual(comparableSnapshot(restarted.core.snapshot()!));
  });

  it("is safe to run again over its own output", async () => {
    const { storage } = await beforeTheLog();
    await new InMemoryRoom({ storage }).core.load();
    storage.puts.length = 0;
    await STORAGE_MIGRATIONS[2]!.up(storage);
    expect(storage.puts).toEqual([]);
  });
});
