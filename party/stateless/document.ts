/**
 * The puzzle as one document in the central store, the way the case study kept
 * it: every piece, hold and count in a single JSON value that a function reads
 * whole and writes back whole. Its size grows with the piece count, and so do
 * the bytes each move moves.
 */
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { puzzleState, type PuzzleState } from "../../shared/puzzle-state.ts";
import type { Player, Snapshot, WirePiece } from "../../shared/protocol.ts";
import { pieceFromWire, wireHold, wirePiece } from "../../shared/replica.ts";

/** The whole stored document. */
export interface PuzzleDocument {
  state: PuzzleState;
  startedAtMs: number;
}

interface EncodedDocument {
  spec: PuzzleSpec;
  /** [x, y, group, locked ? 1 : 0] per piece, then its quarter turns when turned (the snapshot's wire form). */
  pieces: WirePiece[];
  /** [group, playerId, pieceId, expiresAtMs] per hold. */
  holds: Array<[number, string, number, number]>;
  placedBy: Array<[string, number]>;
  version: number;
  completedAtMs: number | null;
  startedAtMs: number;
}

export function encodeDocument(document: PuzzleDocument): string {
  const { state } = document;
  const encoded: EncodedDocument = {
    spec: state.spec,
    pieces: state.pieces.map(wirePiece),
    holds: [...state.holds].map(([group, hold]) => [group, hold.playerId, hold.pieceId, hold.expiresAtMs]),
    placedBy: [...state.placedBy],
    version: state.version,
    completedAtMs: state.completedAtMs,
    startedAtMs: document.startedAtMs,
  };
  return JSON.stringify(encoded);
}

/** Parses a stored document; throws when the store holds something else. */
export function decodeDocument(text: string): PuzzleDocument {
  const encoded = JSON.parse(text) as Partial<EncodedDocument>;
  if (!encoded.spec || !Array.isArray(encoded.pieces) || !Array.isArray(encoded.holds) || !Array.isArray(encoded.placedBy) || typeof encoded.version !== "number") {
    throw new Error("the store holds a value that is not a puzzle document");
  }
  const state = puzzleState({
    // A document stored before rotation existed has no `rotation` in its spec: it was made without.
    spec: { ...encoded.spec, rotation: encoded.spec.rotation === true },
    pieces: encoded.pieces.map(pieceFromWire),
    holds: new Map(encoded.holds.map(([group, playerId, pieceId, expiresAtMs]) => [group, { playerId, pieceId, expiresAtMs }])),
    placedBy: new Map(encoded.placedBy),
    version: encoded.version,
    completedAtMs: encoded.completedAtMs ?? null,
  });
  return { state, startedAtMs: encoded.startedAtMs ?? 0 };
}

/** The snapshot a joining client gets, built from a stored document and the hub's players. */
export function snapshotOf(document: PuzzleDocument, players: Player[], nowMs: number): Snapshot {
  const { state } = document;
  return {
    spec: state.spec,
    pieces: state.pieces.map(wirePiece),
    // A lease that ran out is nobody's hold any more, whether or not a write removed it yet.
    holds: [...state.holds].filter(([, hold]) => hold.expiresAtMs >= nowMs).map(([group]) => wireHold(state, group)),
    players: players.map((player) => ({ ...player, placed: state.placedBy.get(player.id) ?? 0 })),
    version: state.version,
    completedAtMs: state.completedAtMs,
    startedAtMs: document.startedAtMs,
  };
}
