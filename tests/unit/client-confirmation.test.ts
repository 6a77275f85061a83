/**
 * When an optimistic action leaves the view: by the room's version where the
 * mode commits in version order, by its ack in the naive stateless mode, and
 * never because time passed. And how the room's refusals read to the player.
 */
import { describe, expect, it } from "vitest";
import { drop, grab } from "../../shared/rules.ts";
import type { Mode } from "../../shared/protocol.ts";
import { ME, setup } from "./client-harness.ts";

/** A drag of piece 2 the room applies; the acks come in a frame whose version is below the drop's. */
function ackedAheadOfFrame(mode: Mode) {
  const harness = setup(12, mode);
  const { server, store, actions, batch, piecesEvent } = harness;
  const piece = { ...store.view!.pieces[2]! };
  store.beginDrag(2, piece.x, piece.y);
  store.endDrag(piece.x + 40, piece.y + 20);
  const [grabMsg, dropMsg] = actions() as Array<{ seq: number }>;
  grab(server, ME, 2, 0);
  drop(server, ME, 2, piece.x + 40, piece.y + 20, 0);
  batch(
    [
      { type: "ack", seq: grabMsg!.seq, version: server.version - 1 },
      { type: "ack", seq: dropMsg!.seq, version: server.version },
      { type: "holds", holds: [[2, null, -1]] },
      piecesEvent([2]),
    ],
    server.version - 1,
  );
  return harness;
}

describe("confirmation of optimistic actions", () => {
  for (const mode of ["stateful", "stateless-occ"] as const) {
    it(`${mode}: keeps an acked action until the replica's version reaches the ack's, however long that takes`, () => {
      const { server, store, clock, batch } = ackedAheadOfFrame(mode);
      expect(store.pending.map((action) => action.message.type)).toEqual(["drop"]);
      clock.advance(60_000);
      expect(store.pending).toHaveLength(1);
      batch([]);
      expect(server.version).toBe(store.replica!.puzzle.version);
      expect(store.pending).toHaveLength(0);
    });
  }

  it("stateless: an ack confirms its action, since versions there follow no commit order", () => {
    const { store } = ackedAheadOfFrame("stateless");
    expect(store.pending).toHaveLength(0);
  });
});

describe("the room's refusals, in words", () => {
  it("says why a room refused this client, once, and forgets it on a welcome", () => {
    const { store, link, welcome } = setup();
    link.deliver({ type: "error", code: "room-full", message: "the room is full (16 players)" });
    link.setState("closed", { refusal: { code: "room-full", reason: "room full" } });
    expect(store.notices.fatal).toBe("Cannot join: the room is full (16 players). Create a room of your own below, or try again later.");
    expect(store.status).toBe("closed");
    welcome();
    expect(store.notices.fatal).toBeNull();
  });

  it("takes the close's reason when no error frame came first", () => {
    const { store, link } = setup();
    link.setState("closed", { refusal: { code: "version-mismatch", reason: "" } });
    expect(store.notices.fatal).toBe("This game version does not match the server. Reload the page.");
  });

  it("reports a refused message as a notice, not a refusal", () => {
    const { store, link } = setup();
    link.deliver({ type: "error", code: "bad-message", message: "x: Invalid type" });
    expect(store.notices.fatal).toBeNull();
    expect(store.notices.current.at(-1)).toMatchObject({ kind: "error", text: "The room refused a message: x: Invalid type" });
  });

  it("takes the round trip the link measured", () => {
    const { store, link } = setup();
    link.setState("open", { rttMs: 23 });
    expect(store.rttMs).toBe(23);
  });
});
