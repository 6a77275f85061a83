/**
 * The action log's format and its storage: every kind of entry survives its
 * compact text, malformed text is refused naming the entry, checkpoints keep
 * the whole state, the room's store seals chunks of 1,024 under the value limit
 * and reads them back, and a log past its budget folds its oldest entries into
 * a checkpoint and still replays, from there, to the room's state.
 */
import { serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { LOG_CHUNK_ENTRIES, LogChunkWriter, LogFormatError, decodeLogChunk, encodeLogChunk, type LogEntry } from "../../shared/action-log.ts";
import { checkpointOf, decodePieces, encodePieces, stateFromCheckpoint } from "../../shared/log-checkpoint.ts";
import { LogReader } from "../../shared/log-reader.ts";
import { applyLogEntry, replayEntries, replayStart } from "../../shared/log-replay.ts";
import { createPuzzle, type PuzzleState } from "../../shared/puzzle-state.ts";
import { solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { applyAction } from "../../shared/rules.ts";
import { createPrng } from "../../shared/prng.ts";
import type { PuzzleAction } from "../../shared/protocol.ts";
import type { LogPage } from "../../shared/http.ts";
import { ActionLogStore, LOG_BUDGET_BYTES, LOG_HEAD_KEY, LOG_PAGE_CHUNKS, logChunkKey, logCheckpointKey, logOpenKey, type StoredLogHead } from "../../party/room/action-log-store.ts";
import { MemoryStorage } from "../../testkit/memory-storage.ts";
import { STORAGE_MAX_VALUE_BYTES } from "../../testkit/storage-contract.ts";
import { comparableState } from "../../testkit/log-replay.ts";

const T0 = 1_700_000_000_000;
const act = (atMs: number, playerId: string, action: PuzzleAction): LogEntry => ({ kind: "action", atMs, playerId, action });

describe("log encoding", () => {
  const entries: LogEntry[] = [
    act(T0, "ann", { type: "grab", pieceId: 41 }),
    act(T0 + 33, "ann", { type: "move", pieceId: 41, x: 120, y: 340 }),
    act(T0 + 66, "ann", { type: "move", pieceId: 41, x: 118, y: 345 }),
    act(T0 + 70, "bob", { type: "grab", pieceId: 7 }),
    act(T0 + 70, "bob", { type: "rotate", pieceId: 7, rotation: 3 }),
    act(T0 + 99, "ann", { type: "drop", pieceId: 41, x: -12, y: 0 }),
    act(T0 + 120, "bob", { type: "move", pieceId: 7, x: 2_000, y: -400 }),
    { kind: "lease", atMs: T0 + 150, playerId: "bob", pieceId: 7, expiresAtMs: T0 + 120 },
    { kind: "release", atMs: T0 + 5_000, playerId: "bob" },
    { kind: "expire", atMs: T0 + 15_001 },
    // A clock that steps back is written as it was.
    { kind: "restart", atMs: T0 + 14_000 },
    act(T0 + 14_010, "ann", { type: "grab", pieceId: 0 }),
    act(T0 + 14_020, "ann", { type: "drop", pieceId: 0, x: 5, y: 6 }),
  ];

  it("every kind of entry comes back as it went in", () => {
    const chunk = encodeLogChunk(2_048, entries);
    expect(chunk).toMatchObject({ from: 2_048, atMs: T0, players: ["ann", "bob"] });
    expect(decodeLogChunk(chunk)).toEqual(entries);
  });

  it("stores coordinates rounded, as the rules use them", () => {
    const chunk = encodeLogChunk(0, [act(T0, "ann", { type: "move", pieceId: 3, x: 10.4, y: -7.6 }), act(T0, "ann", { type: "drop", pieceId: 3, x: -0.3, y: 19.5 })]);
    expect(decodeLogChunk(chunk).map((entry) => entry.kind === "action" && entry.action)).toEqual([
      { type: "move", pieceId: 3, x: 10, y: -8 },
      { type: "drop", pieceId: 3, x: 0, y: 20 },
    ]);
  });

  it("writes a 30 Hz drag in about eleven characters a move", () => {
    const prng = createPrng(5);
    let x = 800;
    let y = 600;
    const drag = Array.from({ length: 300 }, (_, step) => {
      x += Math.round((prng() - 0.5) * 24);
      y += Math.round((prng() - 0.5) * 24);
      return act(T0 + step * 33, "0001a2b3c4d5-6e7f8a9b", { type: "move", pieceId: 1_234, x, y });
    });
    const { text } = encodeLogChunk(0, drag);
    expect(text.length / drag.length).toBeLessThan(12);
  });

  it("the text taken flush by flush is the chunk's text, and its players arrive with the first entry that names them", () => {
    const writer = new LogChunkWriter(0);
    const takes: Array<{ text: string; players: string[] }> = [];
    entries.forEach((entry, index) => {
      writer.append(entry);
      if (index % 3 === 2) takes.push(writer.takePending());
    });
    takes.push(writer.takePending());
    const whole = encodeLogChunk(0, entries);
    expect(takes.map((take) => take.text).join("")).toBe(whole.text);
    expect(takes.flatMap((take) => take.players)).toEqual(["ann", "bob"]);
    expect(takes[0]!.players).toEqual(["ann"]);
    expect(writer.takenChunk()).toEqual(whole);
    expect(writer.takenCount).toBe(entries.length);
  });

  it("a chunk holds at most LOG_CHUNK_ENTRIES entries", () => {
    const writer = new LogChunkWriter(0);
    for (let index = 0; index < LOG_CHUNK_ENTRIES; index++) writer.append({ kind: "expire", atMs: T0 });
    expect(writer.full).toBe(true);
    expect(() => writer.append({ kind: "expire", atMs: T0 })).toThrow(RangeError);
  });

  const bad: Array<[string, string, string[], RegExp]> = [
    ["an unknown op", "5x0,1;", ["ann"], /not an entry/],
    ["a player the chunk does not list", "0g1,4;", ["ann"], /player 1 is not among the chunk's 1/],
    ["a grab without its piece", "0g0;", ["ann"], /1 fields expected, 0 found/],
    ["a move short of a coordinate", "0m0,3,1;", ["ann"], /3 fields expected, 2 found/],
    ["an empty coordinate", "0m0,3,,1;", ["ann"], /field 2 is empty/],
    ["a first move that names no piece", "0m0,,1,1;", ["ann"], /no piece named/],
    ["an expiry that names a player", "0e0;", ["ann"], /names a player/],
    ["a lease without its time", "0k0,3;", ["ann"], /2 fields expected, 1 found/],
    ["a lease with an empty piece", "0k0,,5;", ["ann"], /a lease names a piece and a time/],
    ["text cut off mid-entry", "0g0,1;0m0,,1", ["ann"], /does not end with an entry's ";"/],
    ["more entries than a chunk holds", "0e;".repeat(LOG_CHUNK_ENTRIES + 1), [], /more than 1024/],
  ];
  it.each(bad)("refuses %s, naming the entry", (_name, text, players, message) => {
    expect(() => decodeLogChunk({ from: 100, atMs: T0, players, text })).toThrow(LogFormatError);
    expect(() => decodeLogChunk({ from: 100, atMs: T0, players, text })).toThrow(message);
  });
});

const OBLONG_TURNING: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 900, pieceCount: 24, seed: 3, rotation: true };

/** A state with groups, a lock, turned pieces, a hold and placed counts. */
function playedState(): PuzzleState {
  const state = createPuzzle(OBLONG_TURNING);
  const home = (id: number) => solvedPosition(state.spec, id);
  let now = T0;
  const apply = (playerId: string, action: PuzzleAction) => {
    const result = applyAction(state, playerId, action, (now += 40));
    if (!result.ok) throw new Error(`${action.type} of ${action.pieceId} refused: ${result.reason}`);
  };
  for (const id of [0, 1, 2]) {
    apply("ann", { type: "grab", pieceId: id });
    apply("ann", { type: "rotate", pieceId: id, rotation: 0 });
    apply("ann", { type: "drop", pieceId: id, ...home(id) });
  }
  apply("bob", { type: "grab", pieceId: 10 });
  apply("bob", { type: "rotate", pieceId: 10, rotation: 1 });
  return state;
}

describe("checkpoints", () => {
  it("keep the whole state: pieces, groups, locks, rotations, holds and their leases, placed counts, version", () => {
    const state = playedState();
    expect(state.lockedPieces).toBe(3);
    const checkpoint = checkpointOf(state, 77, T0);
    const back = stateFromCheckpoint(state.spec, checkpoint);
    expect(comparableState(back)).toEqual(comparableState(state));
    expect(back.holds).toEqual(state.holds);
    expect(back.groups).toEqual(state.groups);
    expect(back.lockedPieces).toBe(state.lockedPieces);
  });

  it("write a lone piece's group as nothing, and an upright piece's rotation not at all", () => {
    const text = encodePieces([{ x: 5, y: -6, group: 0, locked: false, rotation: 0 }, { x: 7, y: 8, group: 0, locked: true, rotation: 0 }, { x: 1, y: 2, group: 2, locked: false, rotation: 3 }]);
    expect(text).toBe("5,-6,,0;7,8,0,1;1,2,,0,3;");
    expect(decodePieces(text, 3)).toEqual([
      { x: 5, y: -6, group: 0, locked: false, rotation: 0 },
      { x: 7, y: 8, group: 0, locked: true, rotation: 0 },
      { x: 1, y: 2, group: 2, locked: false, rotation: 3 },
    ]);
  });

  it.each([
    ["a piece short", "1,2,,0;", 2, /holds 1 pieces, the puzzle 2/],
    ["a group outside the puzzle", "1,2,,0;1,2,9,0;", 2, /in group 9, not a piece/],
    ["a rotation of 4", "1,2,,0;1,2,,0,4;", 2, /is not a piece/],
  ])("refuse %s", (_name, text, count, message) => {
    expect(() => decodePieces(text, count)).toThrow(message);
  });
});

/** Plays a seeded game of `actions` applied actions straight through the rules, logging each to `log` and flushing every few. */
function playLogged(log: ActionLogStore, storage: MemoryStorage, state: PuzzleState, actions: number, seed: number, start = { now: T0 }): void {
  const prng = createPrng(seed);
  const players = ["0001aaaaaaaa-1", "0002bbbbbbbb-2", "0003cccccccc-3"];
  const held = new Map<string, number>();
  const { tableWidth, tableHeight } = state.spec;
  const flush = () => {
    const entries: Record<string, unknown> = {};
    const deletions: string[] = [];
    log.persistInto(entries, deletions, state, start.now);
    void storage.put(entries);
    if (deletions.length > 0) for (let at = 0; at < deletions.length; at += 128) void storage.delete(deletions.slice(at, at + 128));
  };
  for (let applied = 0; applied < actions; ) {
    const playerId = players[Math.floor(prng() * players.length)]!;
    start.now += Math.floor(prng() * 40);
    const pieceId = held.get(playerId);
    let action: PuzzleAction;
    if (pieceId === undefined) action = { type: "grab", pieceId: Math.floor(prng() * state.pieces.length) };
    else if (prng() < 0.97) action = { type: "move", pieceId, x: Math.floor(prng() * tableWidth), y: Math.floor(prng() * tableHeight) };
    // Home only while half the pieces are loose: the puzzle is never solved, so a game goes on as long as asked.
    else action = { type: "drop", pieceId, ...(prng() < 0.5 && state.lockedPieces < state.pieces.length / 2 ? solvedPosition(state.spec, pieceId) : { x: Math.floor(prng() * tableWidth), y: Math.floor(prng() * tableHeight) }) };
    const result = applyAction(state, playerId, action, start.now);
    if (!result.ok) {
      held.delete(playerId);
      continue;
    }
    applied++;
    if (action.type === "grab") held.set(playerId, action.pieceId);
    if (action.type === "drop") held.delete(playerId);
    log.append({ kind: "action", atMs: start.now, playerId, action });
    if (prng() < 0.05) flush();
  }
  flush();
}

/** Pages of a store's log, as the endpoint serves them (the page's room fields from `state`). */
function storePages(log: ActionLogStore, storage: MemoryStorage, state: PuzzleState): (from: number | undefined) => Promise<LogPage> {
  return async (from) => {
    const result = await log.slice(storage, from);
    if (!result.ok) throw new Error(result.error);
    return { spec: state.spec, startedAtMs: T0, completedAtMs: state.completedAtMs, players: [], ...result.slice };
  };
}

async function readAll(pages: (from: number | undefined) => Promise<LogPage>): Promise<{ reader: LogReader; pages: number }> {
  const reader = new LogReader();
  let page = await pages(undefined);
  let count = 1;
  reader.add(page);
  while (page.next !== null) {
    page = await pages(reader.next);
    reader.add(page);
    count++;
  }
  return { reader, pages: count };
}

const HUNDRED: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 100, seed: 11 };

describe("chunking in room storage", () => {
  it("seals every 1,024 entries under their own key, keeps the open chunk in per-flush slots, and reads back what was written", async () => {
    const storage = new MemoryStorage();
    const state = createPuzzle(HUNDRED);
    const start = replayStart(state.spec, null);
    const log = ActionLogStore.fresh();
    playLogged(log, storage, state, 2_500, 1);
    const keys = [...storage.values.keys()];
    expect(keys).toEqual(expect.arrayContaining([logChunkKey(0), logChunkKey(1), LOG_HEAD_KEY, logOpenKey(0)]));
    expect(keys).not.toContain(logChunkKey(2));
    expect((storage.values.get(LOG_HEAD_KEY) as StoredLogHead).chunks).toBe(2);
    expect(log.stored).toBe(2_500);

    const { reader } = await readAll(storePages(log, storage, state));
    expect(reader.entries).toHaveLength(2_500);
    replayEntries(start, reader.entries, 0);
    expect(comparableState(start)).toEqual(comparableState(state));

    // A room rebuilt from storage carries on in the same chunk, in the next slot.
    const loaded = await ActionLogStore.load(storage);
    if (loaded.kind !== "loaded") return expect.fail(loaded.problem);
    expect(loaded.log.stored).toBe(2_500);
    const openSlots = keys.filter((key) => key.startsWith("log:open:") && (storage.values.get(key) as { chunk: number }).chunk === 2).length;
    expect(openSlots).toBeGreaterThan(0);
    loaded.log.append({ kind: "restart", atMs: T0 + 1e6 });
    const entries: Record<string, unknown> = {};
    loaded.log.persistInto(entries, [], state, T0 + 1e6);
    expect(Object.keys(entries)).toEqual([logOpenKey(openSlots)]);
    await storage.put(entries);
    const again = await ActionLogStore.load(storage);
    if (again.kind !== "loaded") return expect.fail(again.problem);
    expect(again.log.stored).toBe(2_501);
    const { reader: reread } = await readAll(storePages(again.log, storage, state));
    expect(reread.entries.slice(0, 2_500)).toEqual(reader.entries);
    expect(reread.entries[2_500]).toEqual({ kind: "restart", atMs: T0 + 1e6 });
  });

  it("keeps a worst-case chunk (512 players with long ids, far coordinates, long pauses) under the value limit", () => {
    const entries = Array.from({ length: LOG_CHUNK_ENTRIES }, (_, index) =>
      act(T0 + index * 86_400_000, `${String(index % 512).padStart(4, "0")}${"f".repeat(60)}`, { type: index % 2 ? "move" : "drop", pieceId: 2_499 - (index % 7), x: index % 2 ? 20_000 : -20_000, y: index % 2 ? -20_000 : 20_000 }),
    );
    const chunk = encodeLogChunk(0, entries);
    expect(serialize(chunk).byteLength).toBeLessThan(STORAGE_MAX_VALUE_BYTES / 2);
  });

  it("pages a log of many chunks in LOG_PAGE_CHUNKS chunks a page, from anywhere, and refuses a range it does not hold", async () => {
    const storage = new MemoryStorage();
    const state = createPuzzle(HUNDRED);
    const log = ActionLogStore.fresh();
    const total = (LOG_PAGE_CHUNKS * 2 + 1) * LOG_CHUNK_ENTRIES + 300;
    playLogged(log, storage, state, total, 2);
    const pages = storePages(log, storage, state);
    const { reader, pages: count } = await readAll(pages);
    expect(reader.entries).toHaveLength(total);
    expect(count).toBe(3);
    const first = await pages(undefined);
    expect(first.chunks).toHaveLength(LOG_PAGE_CHUNKS);
    expect(first.next).toBe(LOG_PAGE_CHUNKS * LOG_CHUNK_ENTRIES);

    // From the middle of a chunk: the whole chunk comes, and the reader would skip its head.
    const middle = await pages(LOG_CHUNK_ENTRIES + 17);
    expect(middle.chunks[0]!.from).toBe(LOG_CHUNK_ENTRIES);
    const decoded = middle.chunks.flatMap((chunk) => decodeLogChunk(chunk));
    expect(decoded.slice(17, 40)).toEqual(reader.entries.slice(LOG_CHUNK_ENTRIES + 17, LOG_CHUNK_ENTRIES + 40));
    // At the end: nothing more, and no next page.
    expect(await pages(total)).toMatchObject({ chunks: [], next: null, total });

    expect(await log.slice(storage, total + 1)).toEqual({ ok: false, status: 400, error: `the log holds ${total} entries; ask from ${total} or less` });
  });

  it("serves only what is stored: entries appended since the last flush wait for it", async () => {
    const storage = new MemoryStorage();
    const state = createPuzzle(HUNDRED);
    const log = ActionLogStore.fresh();
    playLogged(log, storage, state, 10, 3);
    log.append({ kind: "expire", atMs: T0 + 1e6 });
    expect(log.length).toBe(11);
    expect(log.stored).toBe(10);
    const page = await storePages(log, storage, state)(undefined);
    expect(page.total).toBe(10);
    expect(decodeLogChunk(page.chunks[0]!)).toHaveLength(10);
  });

  it("reports a stored head or slot it cannot read as unreadable, naming the key", async () => {
    const corrupt = async (values: Record<string, unknown>) => {
      const storage = new MemoryStorage();
      await storage.put(values);
      return ActionLogStore.load(storage);
    };
    expect(await corrupt({ [LOG_HEAD_KEY]: { chunks: -1 } })).toEqual({ kind: "unreadable", problem: expect.stringMatching(/^log:head\.chunks: /) });
    expect(await corrupt({ [logOpenKey(0)]: { chunk: 0, from: 0, atMs: T0, players: [], text: "0q;" } })).toEqual({ kind: "unreadable", problem: expect.stringMatching(/log entry 0 \("0q"\): not an entry/) });
    expect(await corrupt({ [logOpenKey(0)]: { chunk: 0, from: 5, atMs: T0, players: [], text: "" } })).toEqual({ kind: "unreadable", problem: expect.stringMatching(/log:open:0 starts at entry 5/) });
  });
});

describe("checkpoint folding", () => {
  it("keeps the log within its budget by folding the oldest entries into a checkpoint, and replays from there to the room's state", async () => {
    const storage = new MemoryStorage();
    const state = createPuzzle(HUNDRED);
    const log = ActionLogStore.fresh();
    // Moves anywhere on the table: about 15 characters each, so about 600,000 of them pass the budget.
    playLogged(log, storage, state, 700_000, 4);
    const head = storage.values.get(LOG_HEAD_KEY) as StoredLogHead;
    expect(head.first).toBeGreaterThan(0);
    expect(head.base).not.toBeNull();
    expect(log.retainedBytes).toBeLessThanOrEqual(LOG_BUDGET_BYTES);

    // What is stored is within the budget too, measured as the runtime measures values.
    const logKeys = [...storage.values.keys()].filter((key) => key.startsWith("log:"));
    const storedBytes = logKeys.reduce((sum, key) => sum + serialize(storage.values.get(key)).byteLength, 0);
    expect(storedBytes).toBeLessThanOrEqual(LOG_BUDGET_BYTES + 2 * 64 * 1024);
    // The folded chunks and checkpoints are gone; the base is there.
    expect(storage.values.has(logChunkKey(0))).toBe(false);
    expect(storage.values.has(logCheckpointKey(head.base!))).toBe(true);
    expect(storage.values.has(logChunkKey(Math.floor(head.first / LOG_CHUNK_ENTRIES)))).toBe(true);

    const { reader } = await readAll(storePages(log, storage, state));
    expect(reader.first).toBe(head.first);
    expect(reader.checkpoint?.index).toBe(head.first);
    const replayed = replayStart(state.spec, reader.checkpoint);
    replayEntries(replayed, reader.entries, reader.first);
    expect(comparableState(replayed)).toEqual(comparableState(state));
    expect(replayed.holds).toEqual(state.holds);

    expect(await log.slice(storage, head.first - 1)).toEqual({
      ok: false,
      status: 400,
      error: `entries before ${head.first} were folded into a checkpoint to keep the room's storage within its budget; ask from ${head.first}`,
    });
    // 700,000 entries: about 15 s alone, several times that on a machine shared with other test runs.
  }, 240_000);
});

describe("replay", () => {
  it("refuses an entry the rules refuse where the room applied it, naming it", () => {
    const state = createPuzzle(HUNDRED);
    applyLogEntry(state, act(T0, "ann", { type: "grab", pieceId: 3 }), 0);
    expect(() => applyLogEntry(state, act(T0 + 1, "bob", { type: "grab", pieceId: 3 }), 1)).toThrow("log entry 1: bob's grab of piece 3 is refused here (held-by-other), though the room applied it");
  });
});
