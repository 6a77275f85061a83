/**
 * The action log (shared/action-log.ts) in room storage, written in the same
 * flush, and the same put, as the state whose acks wait for it, and kept within
 * a storage budget by folding its oldest entries into checkpoints. Layout:
 *
 *   log:head      chunks sealed, where replay starts, the checkpoints, byte counts
 *                 (written when a chunk is sealed, a checkpoint taken or entries folded)
 *   log:<n>       sealed chunk n: entries [n * 1,024, (n + 1) * 1,024)
 *   log:open:<j>  what the j-th flush since the open chunk began added to it,
 *                 tagged with the chunk's number; slots of older chunks are stale
 *   log:cp:<id>   a checkpoint: the state after a number of entries
 *
 * A flush writes one small open slot (about 10 bytes per move); every 1,024
 * entries the chunk is sealed whole under its own key. After every
 * LOG_CHECKPOINT_BYTES of sealed chunks the room takes a checkpoint of its
 * state. When sealed chunks and checkpoints together pass LOG_BUDGET_BYTES, the
 * oldest checkpoint interval is folded: its chunks are deleted and replay starts
 * at the next checkpoint. The deletes are issued in the same synchronous flush
 * as the put that moves the head, which Durable Object storage commits as one
 * atomic write.
 */
import * as v from "valibot";
import { LOG_CHUNK_ENTRIES, LogChunkSchema, LogChunkWriter, LogFormatError, decodeLogChunk, type LogChunk, type LogEntry } from "../../shared/action-log.ts";
import { LogCheckpointSchema, checkpointBytes, checkpointOf, type LogCheckpoint } from "../../shared/log-checkpoint.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";
import { KEYS_PER_CALL, Unreadable, checkStored, type RoomStorage } from "./room-storage.ts";

/** Sealed chunks and checkpoints a room keeps at most; older entries are folded into a checkpoint. */
export const LOG_BUDGET_BYTES = 8 * 1024 * 1024;
/** A checkpoint is taken after this many bytes of sealed chunks: how much a fold frees at a time. */
export const LOG_CHECKPOINT_BYTES = 1024 * 1024;
/** Chunks one page of `GET .../log` carries at most: 8,192 entries, about 100 KB of moves. */
export const LOG_PAGE_CHUNKS = 8;

export const LOG_HEAD_KEY = "log:head";
export const logChunkKey = (chunk: number): string => `log:${chunk}`;
export const logOpenKey = (slot: number): string => `log:open:${slot}`;
export const logCheckpointKey = (id: number): string => `log:cp:${id}`;

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

export const StoredLogHeadSchema = v.object({
  /** Chunks sealed so far; the open chunk is number `chunks`. */
  chunks: Count,
  /** The first entry a replay can start from: replay starts there. */
  first: Count,
  /** The checkpoint at `first`; null when the log goes back to the seeded start. */
  base: v.nullable(Count),
  /** Checkpoints still stored, oldest first (the base among them). */
  checkpoints: v.array(
    v.object({
      id: Count,
      index: Count,
      atMs: v.nullable(v.number()),
      bytes: Count,
      /** Bytes of every chunk sealed before the checkpoint's chunk. */
      sealedBefore: Count,
    }),
  ),
  /** Bytes of every chunk ever sealed, and of those folded away since. */
  sealedBytes: Count,
  foldedBytes: Count,
  nextCheckpoint: Count,
});
export type StoredLogHead = v.InferOutput<typeof StoredLogHeadSchema>;

/** One flush's entries of the open chunk: its players are those it added. */
export const StoredOpenSlotSchema = v.object({ chunk: Count, ...LogChunkSchema.entries });
export type StoredOpenSlot = v.InferOutput<typeof StoredOpenSlotSchema>;

/** What a chunk costs in storage, near enough for a budget. */
export function chunkBytes(chunk: LogChunk): number {
  return 64 + chunk.text.length + chunk.players.reduce((sum, id) => sum + id.length + 4, 0);
}

export function freshHead(): StoredLogHead {
  return { chunks: 0, first: 0, base: null, checkpoints: [], sealedBytes: 0, foldedBytes: 0, nextCheckpoint: 0 };
}

/** The log part of a page of `GET .../log`. */
export interface LogSlice {
  first: number;
  total: number;
  checkpoint: LogCheckpoint | null;
  chunks: LogChunk[];
  next: number | null;
}

/** A page, or why not (a sentence, and the status to answer with). */
export type LogSliceResult = { ok: true; slice: LogSlice } | { ok: false; status: 400 | 500; error: string };

export type LoadedLog = { kind: "loaded"; log: ActionLogStore } | { kind: "unreadable"; problem: string };

/** Thrown inside loading only. */

export class ActionLogStore {
  /** Full chunks not yet written (normally none or one). */
  private readonly sealing: LogChunkWriter[] = [];
  private headDirty = false;

  private constructor(
    private readonly head: StoredLogHead,
    private open: LogChunkWriter,
    /** Open slots written for the open chunk. */
    private openSlots: number,
  ) {}

  /** The log of a room that has no log yet (a new puzzle): it starts at the seeded start. */
  static fresh(): ActionLogStore {
    return new ActionLogStore(freshHead(), new LogChunkWriter(0), 0);
  }

  /** Reads the head and the open chunk; storage the room cannot read is "unreadable", with why. */
  static async load(storage: RoomStorage): Promise<LoadedLog> {
    try {
      const stored = (await storage.get<unknown>([LOG_HEAD_KEY])).get(LOG_HEAD_KEY);
      const head = stored === undefined ? freshHead() : checkStored(StoredLogHeadSchema, stored, LOG_HEAD_KEY);
      const from = head.chunks * LOG_CHUNK_ENTRIES;
      const slots: StoredOpenSlot[] = [];
      // Slots are written in order, so the open chunk is the run of slots tagged with its number.
      for (let start = 0; slots.length === start && start < LOG_CHUNK_ENTRIES; start += KEYS_PER_CALL) {
        const keys = Array.from({ length: KEYS_PER_CALL }, (_, offset) => logOpenKey(start + offset));
        const found = await storage.get<unknown>(keys);
        for (const key of keys) {
          const value = found.get(key);
          if (value === undefined) break;
          const slot = checkStored(StoredOpenSlotSchema, value, key);
          if (slot.chunk !== head.chunks) break;
          if (slot.from !== from) throw new Unreadable(`${key} starts at entry ${slot.from}, but chunk ${head.chunks} at ${from}`);
          slots.push(slot);
        }
      }
      const open = new LogChunkWriter(from);
      if (slots.length > 0) {
        const chunk: LogChunk = { from, atMs: slots[0]!.atMs, players: slots.flatMap((slot) => slot.players), text: slots.map((slot) => slot.text).join("") };
        // Written again by the same encoder, the writer carries on where the stored chunk ends.
        for (const entry of decodeLogChunk(chunk)) open.append(entry);
        open.takePending();
      }
      return { kind: "loaded", log: new ActionLogStore(head, open, slots.length) };
    } catch (error) {
      if (error instanceof Unreadable || error instanceof LogFormatError) return { kind: "unreadable", problem: error.message };
      throw error;
    }
  }

  /** Every key this log may have written: its head, sealed chunks, checkpoints and every open slot (stale ones too). A restart deletes them. */
  storedKeys(): string[] {
    const keys = [LOG_HEAD_KEY];
    for (let chunk = Math.floor(this.head.first / LOG_CHUNK_ENTRIES); chunk < this.head.chunks + this.sealing.length; chunk++) keys.push(logChunkKey(chunk));
    for (const checkpoint of this.head.checkpoints) keys.push(logCheckpointKey(checkpoint.id));
    for (let slot = 0; slot < LOG_CHUNK_ENTRIES; slot++) keys.push(logOpenKey(slot));
    return keys;
  }

  /** Entries appended so far, stored or not. */
  get length(): number {
    return this.open.from + this.open.count;
  }

  /** Entries stored so far: what a page can serve. */
  get stored(): number {
    const writer = this.storedWriter();
    return writer.from + writer.takenCount;
  }

  /** What the head says now (a copy). */
  get headState(): StoredLogHead {
    return structuredClone(this.head);
  }

  append(entry: LogEntry): void {
    this.open.append(entry);
    if (this.open.full) {
      this.sealing.push(this.open);
      this.open = new LogChunkWriter(this.open.from + LOG_CHUNK_ENTRIES);
      this.openSlots = 0;
    }
  }

  /**
   * Adds to `entries` (the flush's put) what was appended since the last flush:
   * sealed chunks, an open slot, a checkpoint of `state` when one is due, and the
   * head; adds to `deletions` the keys a fold frees. `state` is the room's state
   * after every entry appended, at `nowMs`.
   */
  persistInto(entries: Record<string, unknown>, deletions: string[], state: PuzzleState, nowMs: number): void {
    const head = this.head;
    for (const writer of this.sealing) {
      writer.takePending();
      const chunk = writer.takenChunk();
      entries[logChunkKey(head.chunks)] = chunk;
      head.chunks++;
      head.sealedBytes += chunkBytes(chunk);
      this.headDirty = true;
    }
    this.sealing.length = 0;
    if (this.open.hasPending) {
      const { text, players } = this.open.takePending();
      const slot: StoredOpenSlot = { chunk: head.chunks, from: this.open.from, atMs: this.open.atMs, players, text };
      entries[logOpenKey(this.openSlots++)] = slot;
    }
    const last = head.checkpoints[head.checkpoints.length - 1];
    if (head.sealedBytes - (last?.sealedBefore ?? 0) >= LOG_CHECKPOINT_BYTES) {
      const checkpoint = checkpointOf(state, this.length, nowMs);
      const id = head.nextCheckpoint++;
      entries[logCheckpointKey(id)] = checkpoint;
      head.checkpoints.push({ id, index: checkpoint.index, atMs: nowMs, bytes: checkpointBytes(checkpoint), sealedBefore: head.sealedBytes });
      this.headDirty = true;
    }
    this.fold(deletions);
    if (this.headDirty) {
      entries[LOG_HEAD_KEY] = structuredClone(head);
      this.headDirty = false;
    }
  }

  /** Bytes of sealed chunks and checkpoints kept: what the budget bounds. */
  get retainedBytes(): number {
    return this.head.sealedBytes - this.head.foldedBytes + this.head.checkpoints.reduce((sum, checkpoint) => sum + checkpoint.bytes, 0);
  }

  /** Folds the oldest checkpoint intervals while the log is over its budget. */
  private fold(deletions: string[]): void {
    const head = this.head;
    while (this.retainedBytes > LOG_BUDGET_BYTES) {
      const next = head.checkpoints.find((checkpoint) => checkpoint.index > head.first);
      if (!next) return;
      for (let chunk = Math.floor(head.first / LOG_CHUNK_ENTRIES); chunk < Math.floor(next.index / LOG_CHUNK_ENTRIES); chunk++) deletions.push(logChunkKey(chunk));
      for (const checkpoint of head.checkpoints) if (checkpoint.index < next.index) deletions.push(logCheckpointKey(checkpoint.id));
      head.checkpoints = head.checkpoints.filter((checkpoint) => checkpoint.index >= next.index);
      head.first = next.index;
      head.base = next.id;
      head.foldedBytes = next.sealedBefore;
      this.headDirty = true;
    }
  }

  /**
   * The stored entries from `from` (default: the first), in whole chunks: the
   * first chunk may start before `from`, and the reader skips what it has.
   * Refuses a range the log does not hold.
   */
  async slice(storage: RoomStorage, from: number | undefined): Promise<LogSliceResult> {
    // What memory says is read before any await: a flush may move it on meanwhile.
    const { first, chunks: sealed, base } = this.head;
    const total = this.stored;
    const openChunk = total > sealed * LOG_CHUNK_ENTRIES ? this.storedWriter().takenChunk() : null;
    const start = from ?? first;
    if (start < first) return { ok: false, status: 400, error: `entries before ${first} were folded into a checkpoint to keep the room's storage within its budget; ask from ${first}` };
    if (start > total) return { ok: false, status: 400, error: `the log holds ${total} entries; ask from ${total} or less` };
    const chunks: LogChunk[] = [];
    const firstChunk = Math.floor(start / LOG_CHUNK_ENTRIES);
    // Asked from the end: nothing new, so no chunk (a live viewer asks so every few seconds).
    const lastSealed = start === total ? firstChunk : Math.min(sealed, firstChunk + LOG_PAGE_CHUNKS);
    try {
      for (let chunk = firstChunk; chunk < lastSealed; chunk += KEYS_PER_CALL) {
        const keys = Array.from({ length: Math.min(KEYS_PER_CALL, lastSealed - chunk) }, (_, offset) => logChunkKey(chunk + offset));
        const found = await storage.get<unknown>(keys);
        for (const key of keys) chunks.push(checkStored(LogChunkSchema, found.get(key), key));
      }
      let end = (firstChunk + chunks.length) * LOG_CHUNK_ENTRIES;
      if (firstChunk + chunks.length >= sealed) {
        end = total;
        if (openChunk && start < total) {
          if (chunks.length < LOG_PAGE_CHUNKS) chunks.push(openChunk);
          else end = sealed * LOG_CHUNK_ENTRIES;
        }
      }
      let checkpoint: LogCheckpoint | null = null;
      if (start === first && base !== null) {
        const key = logCheckpointKey(base);
        checkpoint = checkStored(LogCheckpointSchema, (await storage.get<unknown>([key])).get(key), key);
      }
      return { ok: true, slice: { first, total, checkpoint, chunks, next: end < total ? end : null } };
    } catch (error) {
      if (error instanceof Unreadable) return { ok: false, status: 500, error: `this room's log cannot be read: ${error.message}` };
      throw error;
    }
  }

  /** The writer of the chunk being stored: the open one, or a full one whose seal is not written yet. */
  private storedWriter(): LogChunkWriter {
    return this.sealing[0] ?? this.open;
  }
}

