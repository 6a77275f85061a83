/**
 * How the room lays its state out in storage. Values stay far below the 128 KiB
 * limit of a stored value: pieces are written in chunks, and only the chunks an
 * action touched are written again.
 */
import { pieceCountOf, type PuzzleSpec } from "../shared/puzzle-spec.ts";
import type { PuzzleState } from "../shared/puzzle-state.ts";
import type { Mode, WirePiece } from "../shared/protocol.ts";
import { pieceFromWire, wirePiece } from "../shared/replica.ts";

/** Pieces per stored chunk: about 5 KiB of JSON each. */
export const PIECES_PER_CHUNK = 256;
export const META_KEY = "meta";

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
  version: number;
  completedAtMs: number | null;
  startedAtMs: number;
  actionsApplied: number;
  players: StoredPlayer[];
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

/** Reads meta and every piece chunk; undefined when the room was never created. */
export async function loadRoom(storage: RoomStorage): Promise<{ meta: StoredMeta; state: PuzzleState } | undefined> {
  const metaMap = await storage.get<StoredMeta>([META_KEY]);
  const meta = metaMap.get(META_KEY);
  if (!meta) return undefined;
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
  const state: PuzzleState = {
    spec: meta.spec,
    pieces,
    holds: new Map(),
    placedBy: new Map(meta.players.filter((player) => player.placed > 0).map((player) => [player.id, player.placed])),
    version: meta.version,
    completedAtMs: meta.completedAtMs,
  };
  return { meta, state };
}
