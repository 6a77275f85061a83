/**
 * The wake path of hibernation, in-process (issue 11): a room built afresh from
 * storage, handed the sockets that stayed open with their attachments (as
 * server.ts's onStart does after the runtime woke it), serves every player and
 * watcher on: acts are acked, everyone hears them, a watcher can still take a
 * seat, and nothing acknowledged before the sleep is lost; the guard's
 * deadlines (party/common/socket-guard.ts) start over for the adopted sockets.
 * What `partykit dev` itself was and was not shown to do is in
 * docs/architecture.md (and tests/integration/hibernation.test.ts).
 */
import { describe, expect, it } from "vitest";
import { SessionAttachmentSchema } from "../../party/room/room-core.ts";
import type { Batch, BatchEvent, ServerMessage } from "../../shared/protocol.ts";
import * as v from "valibot";
import { FakeClient, InMemoryRoom, type FakeSocket } from "../../testkit/in-memory-room.ts";
import { PING_SLACK, SocketGuard } from "../../party/common/socket-guard.ts";
import { DEFAULT_CONNECTION_LIMITS } from "../../party/common/limits.ts";
import { CLOSE_NOT_READING } from "../../shared/protocol.ts";

const PUZZLE = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 40, seed: 11 };
const events = (messages: ServerMessage[]): BatchEvent[] => messages.flatMap((message) => (message.type === "batch" ? (message as Batch).events : []));

function sleepingRoom() {
  const room = new InMemoryRoom();
  const players = ["Ann", "Bob", "Cid"].map((name, index) => {
    const client = room.connect();
    client.hello(name, index === 0 ? { create: PUZZLE } : {});
    return client;
  });
  const watchers = Array.from({ length: 5 }, (_, index) => {
    const client = room.connect();
    client.hello(`W${index}`, { role: "watcher" });
    return client;
  });
  players.forEach((player, index) => {
    player.act({ type: "grab", pieceId: index });
    player.act({ type: "move", pieceId: index, x: 100 + index * 50, y: 120 });
    player.act({ type: "drop", pieceId: index, x: 100 + index * 50, y: 120 });
  });
  room.settle();
  for (const client of [...players, ...watchers]) client.sync();
  return { room, players, watchers, all: [...players, ...watchers] };
}

/** The runtime evicts the room object and builds a new one over the same storage for the next event. */
async function wake(asleep: InMemoryRoom, clients: FakeClient[]): Promise<InMemoryRoom> {
  const awake = new InMemoryRoom({ storage: asleep.storage, startMs: asleep.nowMs + 60_000, seed: 99 });
  await awake.core.load();
  for (const client of clients) {
    const attachment = asleep.attachments.get(client.socket.id);
    expect(attachment, `${client.socket.id} has an attachment`).toBeDefined();
    expect(awake.adopt(client, attachment!)).toBe(true);
  }
  return awake;
}

describe("a wake from hibernation", () => {
  it("keeps what a connection needs in a small attachment", () => {
    const { room, all } = sleepingRoom();
    for (const client of all) {
      const attachment = room.attachments.get(client.socket.id)!;
      expect(v.is(SessionAttachmentSchema, attachment)).toBe(true);
      expect(attachment.playerId).toBe(client.playerId);
      expect(JSON.stringify(attachment).length).toBeLessThan(200);
    }
    expect(all.map((client) => room.attachments.get(client.socket.id)!.role)).toEqual(["player", "player", "player", ...Array(5).fill("watcher")]);
  });

  it("serves every player and watcher on from storage and the attachments", async () => {
    const { room, players, watchers, all } = sleepingRoom();
    const acknowledged = room.flushedSnapshot!;
    const awake = await wake(room, all);
    expect(awake.core.snapshot()!.pieces).toEqual(acknowledged.pieces);
    expect(awake.core.summary()).toMatchObject({ connected: 3, watchers: 5 });
    const counts = all.map((client) => client.count);
    const [ann, bob] = players as [FakeClient, FakeClient];
    const grab = ann.act({ type: "grab", pieceId: 10 });
    const move = ann.act({ type: "move", pieceId: 10, x: 300, y: 200 });
    bob.send({ type: "cursor", x: 5, y: 6 });
    awake.settle();
    expect(events(ann.since(counts[0]!)).filter((event) => event.type === "ack").map((event) => event.type === "ack" && event.seq)).toEqual([grab, move]);
    for (const client of all) client.sync();
    const authority = awake.core.snapshot()!;
    for (const client of all) {
      expect(client.replica!.puzzle.version).toBe(authority.version);
      expect(client.replica!.puzzle.pieces[10]).toMatchObject({ x: 300, y: 200 });
    }
    expect(events(watchers[0]!.since(counts[3]!))).toContainEqual({ type: "cursors", cursors: [[bob.playerId, 5, 6]] });
    // A watcher still cannot act, and can still take a seat.
    const watcher = watchers[0]!;
    const refused = watcher.act({ type: "grab", pieceId: 20 });
    watcher.send({ type: "seat" });
    awake.settle();
    const later = events(watcher.since(counts[3]!));
    expect(later).toContainEqual({ type: "reject", seq: refused, reason: "watching" });
    expect(later).toContainEqual({ type: "seated" });
    expect(awake.attachments.get(watcher.socket.id)).toMatchObject({ role: "player", playerId: watcher.playerId });
  });

  it("a socket whose player the stored room does not know is not restored (its client reconnects)", async () => {
    const { room, all } = sleepingRoom();
    const awake = new InMemoryRoom({ storage: room.storage, startMs: room.nowMs + 1, seed: 5 });
    await awake.core.load();
    const stranger = all[0]!;
    expect(awake.adopt(stranger, { playerId: "nobody-here", role: "player", token: "x", name: "Zed" })).toBe(false);
    expect(awake.core.summary()).toMatchObject({ connected: 0 });
  });

  it("hands the adopted sockets to a fresh guard: pings are due within a slack, and one left unanswered is closed and its player's seat freed", async () => {
    const { room, players, watchers, all } = sleepingRoom();
    const awake = new InMemoryRoom({ storage: room.storage, startMs: room.nowMs + 60_000, seed: 7 });
    await awake.core.load();
    const limits = { ...DEFAULT_CONNECTION_LIMITS, heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 5_000 };
    let t = 1;
    const guard = new SocketGuard<FakeSocket>(awake.core, limits, () => awake.nowMs, () => t++);
    // As SocketParty.adoptSockets does after onStart: the guard takes each socket back, the room restores its session.
    for (const client of all) expect(awake.core.restore(guard.adopt(client.socket, undefined).id, room.attachments.get(client.socket.id)!)).toBe(true);
    expect(awake.core.summary()).toMatchObject({ connected: 3, watchers: 5 });
    expect(guard.nextDeadlineMs(true)).toBe(awake.nowMs + limits.heartbeatIntervalMs * PING_SLACK);
    expect(guard.nextDeadlineMs(false)).toBeNull();
    const silent = players[2]!;
    const pingsOf = (client: FakeClient) => client.socket.received.flatMap((message) => (message.type === "ping" ? [message.t] : []));
    for (let second = 0; second <= 5; second++) {
      guard.tick();
      for (const client of all) if (client !== silent && pingsOf(client).length > 0) guard.receive(client.socket, JSON.stringify({ type: "pong", t: pingsOf(client).at(-1) }));
      awake.advance(1_000);
    }
    expect(pingsOf(silent).length).toBeGreaterThanOrEqual(5);
    expect(silent.socket.closed).toMatchObject({ code: CLOSE_NOT_READING });
    for (const client of all) if (client !== silent) expect(client.socket.closed).toBeNull();
    awake.settle();
    expect(awake.core.summary()).toMatchObject({ connected: 2, watchers: watchers.length });
    expect(guard.counters.notReading).toBe(1);
  });
});
