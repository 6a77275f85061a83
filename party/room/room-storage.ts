/**
 * How the room lays its state out in storage. Values stay far below the 128 KiB
 * limit of a stored value: pieces are written in chunks, and only the chunks an
 * action touched are written again.
 */
import { pieceCountOf, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { puzzleState, type PuzzleState } from "../../shared/puzzle-state.ts";
import type { Mode, WirePiece } from "../../shared/protocol.ts";
import { pieceFromWire, wirePiece } from "../../shared/replica.ts";

/** Pieces per stored chunk: about 5 KiB of JSON each. */
export const PIECES_PER_CHUNK = 256;
/** Who plays and what puzzle: written when a player joins, leaves or places a piece. */
export const META_KEY = "meta";
/** The counters every action moves: small, written with every flush that changed something. */
export const PROGRESS_KEY = "progress";

/** The storage a room needs: the subset of Durable Object storage it uses. */
export interface RoomStorage {
  get<T = unknown>(keys: string[]): Promise<Map<string, T>>;
  put(entries: Record<string, unknown>): Promise<void>;
}

export interface StoredPlayer {
  id: string;
  name: string;
  color: string;
  token: string;
  placed: number;
}

export interface StoredMeta {
  mode: Mode;
  spec: PuzzleSpec;
  startedAtMs: number;
  players: StoredPlayer[];
}

export interface StoredProgress {
  version: number;
  completedAtMs: number | null;
  actionsApplied: number;
}

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

/** Reads meta, progress and every piece chunk; undefined when the room was never created. */
export async function loadRoom(storage: RoomStorage): Promise<{ meta: StoredMeta; progress: StoredProgress; state: PuzzleState } | undefined> {
  const head = await storage.get<unknown>([META_KEY, PROGRESS_KEY]);
  const meta = head.get(META_KEY) as (StoredMeta & Partial<StoredProgress>) | undefined;
  if (!meta) return undefined;
  // Rooms stored before progress had its own key kept it in meta.
  const progress = (head.get(PROGRESS_KEY) as StoredProgress | undefined) ?? { version: meta.version ?? 0, completedAtMs: meta.completedAtMs ?? null, actionsApplied: meta.actionsApplied ?? 0 };
  const keys = Array.from({ length: chunkCount(meta.spec) }, (_, index) => chunkKey(index));
  const chunks = new Map<string, WirePiece[]>();
  // Durable Object storage reads at most 128 keys per call.
  for (let start = 0; start < keys.length; start += 128) {
    for (const [key, value] of await storage.get<WirePiece[]>(keys.slice(start, start + 128))) chunks.set(key, value);
  }
  const pieces = keys.flatMap((key) => {
    const chunk = chunks.get(key);
    if (!chunk) throw new Error(`room storage is missing ${key}`);
    return chunk.map(pieceFromWire);
  });
  const state = puzzleState({
    spec: meta.spec,
    pieces,
    holds: new Map(),
    placedBy: new Map(meta.players.filter((player) => player.placed > 0).map((player) => [player.id, player.placed])),
    version: progress.version,
    completedAtMs: progress.completedAtMs,
  });
  return { meta, progress, state };
}
