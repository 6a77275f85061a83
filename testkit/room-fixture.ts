/**
 * Shared set-up for integration tests against a real `partykit dev`: a server on
 * its own port, joined players, and the room's summary and authoritative
 * snapshot over HTTP.
 */
import { ProtocolClient, type ProtocolClientOptions } from "./protocol-client.ts";
import type { PartykitDev } from "./partykit-dev.ts";
import type { Snapshot } from "../shared/protocol.ts";
import { wirePiece } from "../shared/replica.ts";
import type { PuzzleOptions } from "../shared/puzzle-spec.ts";
import type { RoomSummary } from "../shared/http.ts";
import { fetchRoomState, fetchRoomSummary, type CreatedRoomState } from "./room-http.ts";

export const SMALL_PUZZLE: PuzzleOptions = { imageId: "test", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 7 };
export const MEDIUM_PUZZLE: PuzzleOptions = { imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 96, seed: 42 };

export function joinRoom(server: PartykitDev, room: string, name: string, extra: Partial<ProtocolClientOptions> = {}): Promise<ProtocolClient> {
  return ProtocolClient.join({ host: `127.0.0.1:${server.port}`, room, name, ...extra });
}

/** GET ?state=1 of a room whose puzzle exists. */
export function roomState(server: PartykitDev, room: string, party = "main"): Promise<CreatedRoomState> {
  return fetchRoomState(server.url, party, room);
}

/** GET of the room's summary. */
export function roomSummary(server: PartykitDev, room: string, party = "main"): Promise<RoomSummary> {
  return fetchRoomSummary(server.url, party, room);
}

/** The pieces of a replica in the snapshot's wire form, for exact comparison. */
export function wirePieces(client: ProtocolClient): Snapshot["pieces"] {
  return client.replica!.puzzle.pieces.map(wirePiece);
}
