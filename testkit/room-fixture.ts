/**
 * Shared set-up for integration tests against a real `partykit dev`: a server on
 * its own port, joined players, and the room's authoritative snapshot over HTTP.
 */
import { ProtocolClient, type ProtocolClientOptions } from "./protocol-client.ts";
import type { PartykitDev } from "./partykit-dev.ts";
import type { Snapshot } from "../shared/protocol.ts";
import { wirePiece } from "../shared/replica.ts";
import type { PuzzleOptions } from "../shared/puzzle-spec.ts";

export const SMALL_PUZZLE: PuzzleOptions = { imageId: "test", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 7 };
export const MEDIUM_PUZZLE: PuzzleOptions = { imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 42 };

export interface RoomState {
  version: number;
  actionsApplied: number;
  snapshot: Snapshot;
}

export function joinRoom(server: PartykitDev, room: string, name: string, extra: Partial<ProtocolClientOptions> = {}): Promise<ProtocolClient> {
  return ProtocolClient.join({ host: `127.0.0.1:${server.port}`, room, name, ...extra });
}

export async function roomState(server: PartykitDev, room: string, party = "main"): Promise<RoomState> {
  const response = await fetch(`${server.url}/parties/${party}/${room}?state=1`);
  if (!response.ok) throw new Error(`GET state of ${room}: ${response.status}`);
  return (await response.json()) as RoomState;
}

/** The pieces of a replica in the snapshot's wire form, for exact comparison. */
export function wirePieces(client: ProtocolClient): Snapshot["pieces"] {
  return client.replica!.puzzle.pieces.map(wirePiece);
}
