/**
 * The string-built frame encoders of shared/frames.ts write exactly what the
 * schemas describe: each output parses, and parses back to what was encoded.
 */
import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { ackEvent, batchFrame, holdsEvent, json, piecesEvent, rejectEvent, welcomeFrame } from "../../shared/frames.ts";
import { createPuzzle } from "../../shared/puzzle-state.ts";
import { snapshotFromWire, wirePiece, wireSnapshot } from "../../shared/replica.ts";
import { BatchEventSchema, PROTOCOL_VERSION, REJECT_REASONS, ServerMessageSchema, WireHoldSchema, WirePieceChangeSchema, parseServerFrame, type BatchEvent, type WireHold, type WirePieceChange } from "../../shared/protocol.ts";

function roundTrip(schema: v.GenericSchema, text: string): unknown {
  const value: unknown = JSON.parse(text);
  expect(v.safeParse(schema, value).success, text).toBe(true);
  return value;
}

describe("frame encoders", () => {
  it("ack and reject events", () => {
    expect(roundTrip(BatchEventSchema, ackEvent(17, 9_001))).toEqual({ type: "ack", seq: 17, version: 9_001 });
    for (const reason of REJECT_REASONS) expect(roundTrip(BatchEventSchema, rejectEvent(3, reason))).toEqual({ type: "reject", seq: 3, reason });
  });

  it("pieces and holds events from encoded wire forms", () => {
    const pieces: WirePieceChange[] = [[0, 10, -20, 0, 0], [41, 300.5, 12, 7, 1]];
    const holds: WireHold[] = [[7, "player-1", 41], [9, null, -1]];
    for (const piece of pieces) roundTrip(WirePieceChangeSchema, json(piece));
    for (const hold of holds) roundTrip(WireHoldSchema, json(hold));
    expect(roundTrip(BatchEventSchema, piecesEvent(pieces.map((piece) => json(piece))))).toEqual({ type: "pieces", pieces });
    expect(roundTrip(BatchEventSchema, holdsEvent(holds.map((hold) => json(hold))))).toEqual({ type: "holds", holds });
    expect(roundTrip(BatchEventSchema, piecesEvent([]))).toEqual({ type: "pieces", pieces: [] });
  });

  it("a batch frame of encoded events is a server message", () => {
    const events: BatchEvent[] = [
      { type: "ack", seq: 1, version: 5 },
      { type: "cursors", cursors: [["p", 1, 2]] },
      { type: "complete", completedAtMs: 123 },
    ];
    const frame = batchFrame(5, [ackEvent(1, 5), json(events[1]!), json(events[2]!)]);
    expect(roundTrip(ServerMessageSchema, frame)).toEqual({ type: "batch", version: 5, events });
    const parsed = parseServerFrame(batchFrame(6, []));
    expect(parsed.ok && parsed.message).toEqual({ type: "batch", version: 6, events: [] });
  });

  it("a welcome around a snapshot encoded once is a server message, for a player and a watcher", () => {
    const state = createPuzzle({ imageId: "test", imageWidth: 400, imageHeight: 300, pieceCount: 12, seed: 3 });
    const sent = wireSnapshot(state, { holds: [], players: [], version: 4, completedAtMs: null, startedAtMs: 1 });
    const encoded = json(sent);
    const snapshot = snapshotFromWire(sent);
    expect(snapshot.pieces).toEqual(state.pieces.map(wirePiece));
    const player = { type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: "p1", token: "t1", role: "player", audience: { players: 1, watchers: 2 } } as const;
    const watcher = { ...player, playerId: "w1", role: "watcher", watchingBecause: "room-full" } as const;
    for (const fields of [player, watcher]) {
      const frame = welcomeFrame(fields, encoded);
      expect(roundTrip(ServerMessageSchema, frame)).toEqual({ ...fields, snapshot: sent });
      const parsed = parseServerFrame(frame);
      expect(parsed.ok && parsed.message).toEqual({ ...fields, snapshot });
    }
  });
});
