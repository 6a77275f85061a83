/**
 * The stateless backend's one document at MAX_PIECES: it holds the whole puzzle
 * (read and written whole by every move, as the case study's was), it fits the
 * store's values, and the welcome its hubs build from it is the packed snapshot.
 */
import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { decodeDocument, encodeDocument, snapshotOf } from "../../party/stateless/document.ts";
import { MAX_PIECES, pieceCountOf } from "../../shared/puzzle-spec.ts";
import { createPuzzle } from "../../shared/puzzle-state.ts";
import { SnapshotSchema } from "../../shared/protocol.ts";
import { wirePiece } from "../../shared/replica.ts";

describe("the stateless document at MAX_PIECES", () => {
  const state = createPuzzle({ imageId: "test", imageWidth: 1920, imageHeight: 1080, pieceCount: MAX_PIECES, seed: 4, rotation: true });
  state.holds.set(7, { playerId: "ann", pieceId: 7, expiresAtMs: 5_000 });
  const document = { state, startedAtMs: 1_000 };

  it("round-trips whole, in about 20 bytes a piece of JSON", () => {
    const text = encodeDocument(document);
    expect(text.length / pieceCountOf(state.spec)).toBeLessThan(24);
    const decoded = decodeDocument(text);
    expect(decoded.state.pieces).toEqual(state.pieces);
    expect(decoded.state.holds).toEqual(state.holds);
    expect(decoded.state.groups).toEqual(state.groups);
  });

  it("gives joiners the packed snapshot, which parses to its pieces", () => {
    const wire = snapshotOf(document, [], 1_000);
    expect(typeof wire.pieces).toBe("string");
    expect(wire.pieces.length / pieceCountOf(state.spec)).toBeLessThan(10);
    const parsed = v.parse(SnapshotSchema, wire);
    expect(parsed.pieces).toEqual(state.pieces.map(wirePiece));
    expect(parsed.holds).toEqual([[7, "ann", 7]]);
  });
});
