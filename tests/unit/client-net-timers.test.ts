/**
 * The store's network timers run on its clock, not on frames: with the clock
 * moving and no frame drawn (a hidden tab, requestAnimationFrame paused),
 * throttled moves and cursors still go out, a still drag keeps renewing its
 * lease, tidying keeps going as answers come, and notices expire.
 */
import { describe, expect, it } from "vitest";
import { LEASE_RENEW_INTERVAL_MS, MOVE_SEND_INTERVAL_MS } from "../../client/store/drag-intent.ts";
import { CURSOR_SEND_INTERVAL_MS } from "../../client/store/presence.ts";
import { NOTICE_TTL_MS } from "../../client/store/notices.ts";
import { TIDY_IN_FLIGHT_MAX } from "../../client/store/tidy-queue.ts";
import { drop, grab } from "../../shared/rules.ts";
import type { BatchEvent } from "../../shared/protocol.ts";
import { ME, setup } from "./client-harness.ts";

describe("network timers without frames", () => {
  it("sends the last pointer step of a drag when the throttle allows", () => {
    const { store, clock, actions, inward } = setup();
    const piece = { ...store.view!.pieces[3]! };
    store.beginDrag(3, piece.x, piece.y);
    const to = inward(3, 30);
    store.dragTo(to.x, to.y);
    expect(actions().filter((message) => message.type === "move")).toHaveLength(0);
    clock.advance(MOVE_SEND_INTERVAL_MS - 1);
    expect(actions().filter((message) => message.type === "move")).toHaveLength(0);
    clock.advance(1);
    expect(actions().filter((message) => message.type === "move")).toEqual([expect.objectContaining({ pieceId: 3, x: to.x, y: to.y })]);
  });

  it("renews the lease of a still drag every LEASE_RENEW_INTERVAL_MS", () => {
    const { store, clock, actions } = setup();
    const piece = { ...store.view!.pieces[2]! };
    store.beginDrag(2, piece.x, piece.y);
    clock.advance(3 * LEASE_RENEW_INTERVAL_MS + 10);
    const moves = actions().filter((message) => message.type === "move");
    expect(moves).toHaveLength(3);
    for (const message of moves) expect(message).toMatchObject({ pieceId: 2, x: piece.x, y: piece.y });
    store.endDrag(piece.x, piece.y);
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(3 * LEASE_RENEW_INTERVAL_MS);
    expect(actions().filter((message) => message.type === "move")).toHaveLength(3);
  });

  it("throttles the own cursor and sends the last position when due", () => {
    const { store, clock, sent } = setup();
    const cursors = () => sent.filter((message) => message.type === "cursor");
    store.pointerAt(10, 10);
    store.pointerAt(20, 20);
    store.pointerAt(30.4, 40.6);
    expect(cursors()).toEqual([{ type: "cursor", x: 10, y: 10 }]);
    clock.advance(CURSOR_SEND_INTERVAL_MS);
    expect(cursors()).toEqual([
      { type: "cursor", x: 10, y: 10 },
      { type: "cursor", x: 30, y: 41 },
    ]);
  });

  it("holds the cursor back while the link is down and sends it when it opens", () => {
    const { store, clock, link, sent } = setup();
    link.setState("reconnecting");
    store.pointerAt(10, 10);
    clock.advance(CURSOR_SEND_INTERVAL_MS * 4);
    expect(sent.filter((message) => message.type === "cursor")).toHaveLength(0);
    link.setState("open");
    expect(sent.filter((message) => message.type === "cursor")).toEqual([{ type: "cursor", x: 10, y: 10 }]);
  });

  it("tidies as the room answers, with no frame and no clock", () => {
    const { server, store, actions, batch, piecesEvent } = setup(48);
    const count = store.tidy("gather");
    expect(count).toBeGreaterThan(TIDY_IN_FLIGHT_MAX / 2);
    for (let round = 0; round < 20 && (store.tidyRemaining() > 0 || store.pending.length > 0); round++) {
      const unanswered = store.pending.filter((action) => action.ackedAtMs === undefined);
      expect(unanswered.length).toBeLessThanOrEqual(TIDY_IN_FLIGHT_MAX);
      const events: BatchEvent[] = [];
      const moved: number[] = [];
      for (const { message } of unanswered) {
        const result = message.type === "grab" ? grab(server, ME, message.pieceId, 0) : message.type === "drop" ? drop(server, ME, message.pieceId, message.x, message.y, 0) : null;
        if (!result?.ok) throw new Error(`room refused ${message.type}`);
        moved.push(...result.changedPieces);
        events.push({ type: "ack", seq: message.seq, version: server.version });
      }
      batch([...events, piecesEvent(moved)]);
    }
    expect(store.tidyRemaining()).toBe(0);
    expect(store.pending).toHaveLength(0);
    expect(actions().filter((message) => message.type === "drop")).toHaveLength(count);
  });

  it("lets notices expire after NOTICE_TTL_MS", () => {
    const { store, clock } = setup();
    let emitted = 0;
    store.subscribe(() => emitted++);
    store.notices.add("info", "first");
    clock.advance(NOTICE_TTL_MS / 2);
    store.notices.add("info", "second");
    clock.advance(NOTICE_TTL_MS / 2);
    expect(store.notices.current.map((notice) => notice.text)).toEqual(["second"]);
    clock.advance(NOTICE_TTL_MS / 2);
    expect(store.notices.current).toHaveLength(0);
    expect(emitted).toBe(4);
  });
});
