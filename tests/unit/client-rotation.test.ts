/**
 * Turning pieces in the client: a turn of the held piece is one rotate action,
 * shown at once and drawn easing in; another player's turn eases in too; a
 * right click turns a loose piece where it lies; a room without rotation sends
 * nothing; the desync check sees a piece turned differently.
 */
import { describe, expect, it } from "vitest";
import { applyAction } from "../../shared/rules.ts";
import { wireHold } from "../../shared/replica.ts";
import { turnVector } from "../../shared/rotation.ts";
import { turnedRect } from "../../client/views/piece-atlas.ts";
import { OTHER, setup, snapshotOf } from "./client-harness.ts";

const TURNING = { rotation: true } as const;

describe("turning pieces in the client", () => {
  it("turns the held piece with one rotate action, at once in the view, easing in on screen", () => {
    const { store, actions, advance, drawn, server } = setup(12, "stateful", TURNING);
    const id = server.pieces.findIndex((piece) => piece.rotation === 0);
    const piece = store.view!.pieces[id]!;
    expect(store.beginDrag(id, piece.x + 5, piece.y + 5)).toBe("dragging");
    expect(store.rotateHeld(1)).toBe(true);
    expect(actions().at(-1)).toMatchObject({ type: "rotate", pieceId: id, rotation: 1 });
    expect(store.view!.pieces[id]!.rotation).toBe(1);
    // Anticlockwise from 1 is upright again; the second press aims from what the view already shows.
    expect(store.rotateHeld(-1)).toBe(true);
    expect(actions().at(-1)).toMatchObject({ type: "rotate", pieceId: id, rotation: 0 });
    expect(store.rotateHeld(-1)).toBe(true);
    expect(actions().at(-1)).toMatchObject({ type: "rotate", pieceId: id, rotation: 3 });

    drawn.sync();
    advance(16);
    const midway = drawn.smoothing.turns[id]!;
    expect(midway).toBeLessThan(0);
    expect(midway).toBeGreaterThan(-1);
    advance(1_000);
    expect(drawn.smoothing.turns[id]).toBe(3);
    expect(drawn.smoothing.isMoving(id)).toBe(false);
  });

  it("another player's turn arrives in a batch and eases in the short way round", () => {
    const { server, store, batch, piecesEvent, drawn, advance } = setup(12, "stateful", TURNING);
    const id = server.pieces.findIndex((piece) => piece.rotation === 3);
    expect(id).toBeGreaterThanOrEqual(0);
    applyAction(server, OTHER, { type: "grab", pieceId: id }, 1_000);
    applyAction(server, OTHER, { type: "rotate", pieceId: id, rotation: 0 }, 1_000);
    batch([piecesEvent([id]), { type: "holds", holds: [wireHold(server, id)] }], server.version);
    expect(store.view!.pieces[id]!.rotation).toBe(0);
    drawn.sync();
    advance(16);
    // From 3 to 0 is one quarter clockwise, not three back.
    expect(drawn.smoothing.turns[id]).toBeGreaterThan(3);
    expect(drawn.smoothing.turns[id]).toBeLessThan(4);
    advance(1_000);
    expect(drawn.smoothing.turns[id]).toBe(0);
  });

  it("a right click turns a loose piece where it lies: grab, rotate, drop in place", () => {
    const { server, store, actions } = setup(12, "stateful", TURNING);
    const id = server.pieces.findIndex((piece) => piece.rotation === 2);
    const { x, y } = server.pieces[id]!;
    expect(store.turnPiece(id, 1)).toBe("turned");
    expect(actions().map((action) => action.type)).toEqual(["grab", "rotate", "drop"]);
    expect(actions()[1]).toMatchObject({ pieceId: id, rotation: 3 });
    expect(actions()[2]).toMatchObject({ pieceId: id, x, y });
    expect(store.drag).toBeNull();
    expect(store.view!.pieces[id]).toMatchObject({ x, y, rotation: 3 });
  });

  it("in a room without rotation nothing is sent and nothing turns", () => {
    const { store, actions } = setup(12);
    const piece = store.view!.pieces[0]!;
    expect(store.rotation).toBe(false);
    store.beginDrag(0, piece.x, piece.y);
    expect(store.rotateHeld(1)).toBe(false);
    expect(store.turnPiece(1, 1)).toBe("no-rotation");
    expect(actions().map((action) => action.type)).toEqual(["grab"]);
  });

  it("the desync check sees a piece shown turned differently from the room", () => {
    const { server, store } = setup(12, "stateful", TURNING);
    const authority = snapshotOf(server);
    const id = server.pieces.findIndex((piece) => piece.rotation !== 1);
    authority.pieces[id] = [...authority.pieces[id]!.slice(0, 4), 1] as (typeof authority.pieces)[number];
    store.checkIntegrity(authority, 0);
    store.checkIntegrity(authority, 0);
    expect(store.integrity.desyncedPieces).toBe(1);
  });
});

describe("pre-turned atlas pages", () => {
  it.each([1, 2, 3] as const)("a frame turned %i quarter turns lies where turning its corners about the page's centre puts them", (rotation) => {
    const [pageWidth, pageHeight] = [300, 200];
    const frame = { x: 20, y: 30, width: 50, height: 40 };
    const turned = turnedRect(frame, pageWidth, pageHeight, rotation, { x: 0, y: 0, width: 0, height: 0 });
    const sideways = rotation !== 2;
    const [turnedWidth, turnedHeight] = sideways ? [pageHeight, pageWidth] : [pageWidth, pageHeight];
    const corners = [[frame.x, frame.y], [frame.x + frame.width, frame.y + frame.height]].map(([x, y]) => {
      const v = turnVector(x! - pageWidth / 2, y! - pageHeight / 2, rotation);
      return { x: v.x + turnedWidth / 2, y: v.y + turnedHeight / 2 };
    });
    expect(turned).toEqual({
      x: Math.min(corners[0]!.x, corners[1]!.x),
      y: Math.min(corners[0]!.y, corners[1]!.y),
      width: Math.abs(corners[0]!.x - corners[1]!.x),
      height: Math.abs(corners[0]!.y - corners[1]!.y),
    });
  });
});
