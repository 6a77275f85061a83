/**
 * How the room lays its state out in storage, and how it reads it back. Values
 * stay far below the 128 KiB limit of a stored value: pieces are written in
 * chunks, and only the chunks an action touched are written again.
 *
 * Stored values are schemas first, like the protocol: a load migrates older
 * layouts (storage-migrations.ts), then validates every value it reads. A room
 * whose storage cannot be read (a value its schema refuses, a missing chunk, a
 * storage version newer than this code) is reported as unreadable, never built
 * half way.
 */
import * as v from "valibot";
import { MAX_PIECES, PuzzleSpecSchema, pieceCountOf, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { puzzleState, type PuzzleState } from "../../shared/puzzle-state.ts";
import { ModeSchema, type WirePiece } from "../../shared/protocol.ts";
import { pieceFromWire, wirePiece } from "../../shared/replica.ts";
import { STORAGE_VERSION, migrate } from "./storage-migrations.ts";
import { ROLES } from "../common/player-roster.ts";

/** Pieces per stored chunk: about 5 KiB of JSON each. */
export const PIECES_PER_CHUNK = 256;
/** Who plays and what puzzle: written when a player joins, leaves or places a piece. */
export const META_KEY = "meta";
/** The counters every action moves: small, written with every flush that changed something. */
export const PROGRESS_KEY = "progress";
/** Durable Object storage takes at most 128 keys per get or put. */
export const KEYS_PER_CALL = 128;

/** The storage a room needs: the subset of Durable Object storage it uses (testkit/storage-contract.ts says how it behaves). */
export interface RoomStorage {
  get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  put(entries: Record<string, unknown>): Promise<void>;
}

/** The room's own storage: what it reads and writes, and the deletes with which its action log folds old entries away. */
export interface RoomHostStorage extends RoomStorage {
  /** Removes up to 128 keys; resolves to how many existed. */
  delete(keys: string[]): Promise<number>;
}

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

export const StoredPlayerSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  name: v.string(),
  color: v.string(),
  token: v.pipe(v.string(), v.minLength(1)),
  placed: Count,
  /** Rooms stored before roles were all players. */
  role: v.optional(v.picklist(ROLES), "player"),
});
export type StoredPlayer = v.InferOutput<typeof StoredPlayerSchema>;

export const StoredMetaSchema = v.object({
  /** The layout these values are in (see storage-migrations.ts). */
  storageVersion: v.literal(STORAGE_VERSION),
  mode: ModeSchema,
  spec: PuzzleSpecSchema,
  startedAtMs: v.number(),
  players: v.array(StoredPlayerSchema),
});
export type StoredMeta = v.InferOutput<typeof StoredMetaSchema>;

export const StoredProgressSchema = v.object({
  version: Count,
  completedAtMs: v.nullable(v.number()),
  actionsApplied: Count,
});
export type StoredProgress = v.InferOutput<typeof StoredProgressSchema>;

const StoredCoordinate = v.pipe(v.number(), v.finite());
const StoredGroup = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_PIECES - 1));
const StoredLocked = v.picklist([0, 1]);
/**
 * A piece as stored: [x, y, group, locked ? 1 : 0], then its quarter turns when
 * turned: the snapshot's wire form. A group is named by one of its pieces.
 */
const StoredPieceSchema = v.union([
  v.strictTuple([StoredCoordinate, StoredCoordinate, StoredGroup, StoredLocked]),
  v.strictTuple([StoredCoordinate, StoredCoordinate, StoredGroup, StoredLocked, v.picklist([0, 1, 2, 3])]),
]);
const StoredChunkSchema = v.array(StoredPieceSchema);

/** Just enough of meta to know which layout it is in: version 0 is every room stored before versions. */
const StoredVersionSchema = v.object({ storageVersion: v.optional(Count, 0) });

export function chunkKey(index: number): string {
  return `pieces:${index}`;
}

export function chunkOf(pieceId: number): number {
  return Math.floor(pieceId / PIECES_PER_CHUNK);
}

export function chunkCount(spec: PuzzleSpec): number {
  return Math.ceil(pieceCountOf(spec) / PIECES_PER_CHUNK);
}

export function encodeChunk(state: PuzzleState, index: number): WirePiece[] {
  return state.pieces
    .slice(index * PIECES_PER_CHUNK, (index + 1) * PIECES_PER_CHUNK)
    .map(wirePiece);
}

/** What a load finds: no room yet, a room, or storage the room cannot serve from (and why). */
export type StoredRoom =
  | { kind: "empty" }
  | { kind: "loaded"; meta: StoredMeta; progress: StoredProgress; state: PuzzleState; /** Names of the migrations this load ran. */ migrated: string[] }
  | { kind: "unreadable"; problem: string };

/** Thrown inside loadRoom only, to give up on storage it cannot read. */
/** A stored value the room cannot read: the message names the key and what is wrong. */
export class Unreadable extends Error {}

/**
 * Reads meta, progress and every piece chunk, after migrating an older layout
 * (and writing the migrated values back). Storage that fails to answer throws;
 * storage that answers with something the room cannot read is "unreadable".
 */
export async function loadRoom(storage: RoomStorage): Promise<StoredRoom> {
  const stored = (await storage.get<unknown>([META_KEY])).get(META_KEY);
  if (stored === undefined) return { kind: "empty" };
  try {
    const { storageVersion } = checkStored(StoredVersionSchema, stored, META_KEY);
    if (storageVersion > STORAGE_VERSION) throw new Unreadable(`${META_KEY} is at storage version ${storageVersion}, newer than the ${STORAGE_VERSION} this code reads (was the room served by a newer deploy?)`);
    const { view, applied } = await migrate(storage, storageVersion);
    const head = await view.get<unknown>([META_KEY, PROGRESS_KEY]);
    const migratedMeta = head.get(META_KEY);
    // Migrated values are at this version once meta says so.
    const meta = checkStored(StoredMetaSchema, applied.length > 0 && typeof migratedMeta === "object" ? { ...migratedMeta, storageVersion: STORAGE_VERSION } : migratedMeta, META_KEY);
    if (applied.length > 0) await view.put({ [META_KEY]: meta });
    const progress = checkStored(StoredProgressSchema, head.get(PROGRESS_KEY), PROGRESS_KEY);
    const pieces = await readPieces(view, meta.spec);

    // Everything is readable: only now may the migrated layout replace the old one.
    await writeBack(storage, view.staged);
    const state = puzzleState({
      spec: meta.spec,
      pieces,
      holds: new Map(),
      placedBy: new Map(meta.players.filter((player) => player.placed > 0).map((player) => [player.id, player.placed])),
      version: progress.version,
      completedAtMs: progress.completedAtMs,
    });
    return { kind: "loaded", meta, progress, state, migrated: applied };
  } catch (error) {
    if (error instanceof Unreadable) return { kind: "unreadable", problem: error.message };
    throw error;
  }
}

async function readPieces(storage: RoomStorage, spec: PuzzleSpec): Promise<PuzzleState["pieces"]> {
  const pieceCount = pieceCountOf(spec);
  const keys = Array.from({ length: chunkCount(spec) }, (_, index) => chunkKey(index));
  const chunks = new Map<string, unknown>();
  for (let start = 0; start < keys.length; start += KEYS_PER_CALL) {
    for (const [key, value] of await storage.get<unknown>(keys.slice(start, start + KEYS_PER_CALL))) chunks.set(key, value);
  }
  return keys.flatMap((key, index) => {
    if (!chunks.has(key)) throw new Unreadable(`${key} is missing (the spec has ${pieceCount} pieces in ${keys.length} chunks)`);
    const chunk = checkStored(StoredChunkSchema, chunks.get(key), key);
    const expected = Math.min(PIECES_PER_CHUNK, pieceCount - index * PIECES_PER_CHUNK);
    if (chunk.length !== expected) throw new Unreadable(`${key} holds ${chunk.length} pieces, not ${expected}`);
    const outside = chunk.findIndex(([, , group]) => group >= pieceCount);
    if (outside >= 0) throw new Unreadable(`${key}: piece ${index * PIECES_PER_CHUNK + outside} is in group ${chunk[outside]![2]}, not a piece of this puzzle`);
    return chunk.map(pieceFromWire);
  });
}

/** Writes what migrations staged, at most KEYS_PER_CALL keys a put and meta (which names the version) last. */
async function writeBack(storage: RoomStorage, staged: ReadonlyMap<string, unknown>): Promise<void> {
  const keys = [...staged.keys()].filter((key) => key !== META_KEY);
  if (staged.has(META_KEY)) keys.push(META_KEY);
  for (let start = 0; start < keys.length; start += KEYS_PER_CALL) {
    await storage.put(Object.fromEntries(keys.slice(start, start + KEYS_PER_CALL).map((key) => [key, staged.get(key)])));
  }
}

/** Parses one stored value; throws Unreadable naming the key and what is wrong. */
export function checkStored<T extends v.GenericSchema>(schema: T, value: unknown, key: string): v.InferOutput<T> {
  if (value === undefined) throw new Unreadable(`${key} is missing`);
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue?.path?.map((item) => String(item.key)).join(".");
  throw new Unreadable(`${key}${path ? `.${path}` : ""}: ${issue?.message ?? "not readable"}`);
}
