/**
 * Issue 10 through the real runtime, part 1: what one client may cost a room in
 * load and memory. A flooding socket is limited, then closed, while good players
 * in its room and in another keep every acknowledgement; sockets that stop
 * reading, never say hello, or leave the heartbeat unanswered are closed and
 * their sessions freed; idle rooms unload their puzzle. The attacks run in
 * processes of their own (testkit/attacks/); every assertion is on counts.
 * Latencies are printed for the record, never asserted.
 */
import { describe, expect, test } from "vitest";
import { serverPerFile } from "../../testkit/server-per-file.ts";
import { GoodPlayers } from "../../testkit/attacks/good-players.ts";
import { runAttack } from "../../testkit/attacks/run-attack.ts";
import { RawSocket } from "../../testkit/raw-socket.ts";
import { ProtocolClient } from "../../testkit/protocol-client.ts";
import { fetchRoomLimits } from "../../testkit/room-http.ts";
import { CLOSE_FLOODING, CLOSE_HELLO_TIMEOUT, CLOSE_NOT_READING } from "../../shared/protocol.ts";
import { DEFAULT_CONNECTION_LIMITS } from "../../party/common/limits.ts";
import { sleep } from "../../testkit/scripted/play.ts";

/** Short deadlines, so the test waits seconds, not minutes; the limits themselves are the defaults. */
const VARS = { HELLO_TIMEOUT_MS: "2000", HEARTBEAT_TIMEOUT_MS: "4000", MAX_UNREAD_BYTES: "200000", ROOM_IDLE_UNLOAD_MS: "1000" };

const file = serverPerFile(VARS);
const host = file.host;

describe("one client cannot hurt a room: load and memory", () => {
  test("a flooding socket is limited, then closed; good players in its room and another lose no acknowledgement", async () => {
    const good = await GoodPlayers.start(host(), ["flooded", "elsewhere"], 3);
    await sleep(2_000);
    const quietToMs = Date.now();
    const attack = await runAttack("flood", { host: host(), room: "flooded", durationMs: 3_000, rejoin: false });
    await sleep(1_000);
    // Counted once the players have stopped and had their last answers: an action
    // sent just before a window's end is not unanswered, only not answered yet.
    await good.stop();
    const quiet = good.window(quietToMs - 2_000, quietToMs);
    const during = { same: good.window(attack.startedAtMs, attack.endedAtMs + 1_000, "flooded"), other: good.window(attack.startedAtMs, attack.endedAtMs + 1_000, "elsewhere") };
    const limits = await fetchRoomLimits(file.server.url, "main", "flooded");
    console.log(
      `flood: ${attack.sent} sent, ${attack.acked} acked, closes ${JSON.stringify(attack.closes)}; good ack p50/p99 quiet ${quiet.ackMs.p50.toFixed(1)}/${quiet.ackMs.p99.toFixed(1)} ms,` +
        ` same room ${during.same.ackMs.p50.toFixed(1)}/${during.same.ackMs.p99.toFixed(1)} ms, other room ${during.other.ackMs.p50.toFixed(1)}/${during.other.ackMs.p99.toFixed(1)} ms`,
    );
    // The flooder sent far more than its limit, and the room took its burst (and the little the bucket refilled before the close).
    expect(attack.sent).toBeGreaterThan(DEFAULT_CONNECTION_LIMITS.actionBurst + DEFAULT_CONNECTION_LIMITS.floodRefusals);
    // What the bucket refilled depends on how long the room took to read 200 refusals' worth
    // of frames (seconds on a loaded machine), so the bound is the refill over the socket's life.
    const { actionBurst, actionsPerS } = DEFAULT_CONNECTION_LIMITS;
    const livedS = (attack.endedAtMs - attack.startedAtMs) / 1_000;
    expect(attack.acked).toBeLessThanOrEqual(actionBurst + 1 + Math.ceil(actionsPerS * livedS));
    expect(attack.closes).toEqual({ [CLOSE_FLOODING]: 1 });
    expect(limits.guard).toMatchObject({ flooding: 1 });
    expect(limits.guard!.rateLimited).toBeGreaterThanOrEqual(DEFAULT_CONNECTION_LIMITS.floodRefusals);
    // The good players kept playing: everything they sent was acknowledged, nobody was closed.
    for (const window of [quiet, during.same, during.other]) {
      expect(window.sent).toBeGreaterThan(0);
      expect(window).toMatchObject({ acked: window.sent, rejected: 0, unanswered: 0 });
    }
    expect(good.closes).toEqual([]);
  });

  test("sockets that stop reading are closed and their sessions freed, while the room keeps serving the dragger", async () => {
    const attack = await runAttack("notReading", { host: host(), room: "sleepers", sockets: 20, group: { cols: 10, rows: 10 }, durationMs: 8_000 });
    console.log(`not reading: ${JSON.stringify({ ...attack, dragger: { ...attack.dragger, ackMs: { p50: attack.dragger.ackMs.p50, p99: attack.dragger.ackMs.p99 } } })}`);
    expect(attack.connectedBefore).toBe(21);
    expect(attack.closedForNotReading).toBe(20);
    expect(attack.connectedAfter).toBe(1);
    expect(attack.dragger.acked).toBe(attack.dragger.sent);
  });

  test("sockets that never say hello are closed at the deadline, and a real player still joins", async () => {
    // Half of them send one frame that is not a hello (a ping) as they open, the other half none.
    // With hibernation on, partykit dev never sends a close the room made to a socket before its
    // first frame (docs/architecture.md, Crowds): the mute half is closed by the room (counted,
    // its session freed) but may never see it; the speaking half must see 4005.
    const speakers = 50;
    const attack = await runAttack("silentSockets", { host: host(), room: "silent", sockets: 100, waitMs: 10_000, speakers });
    const limits = await fetchRoomLimits(file.server.url, "main", "silent");
    console.log(`silent sockets: closes seen ${JSON.stringify(attack.closes)}, still open ${attack.stillOpen} (of ${100 - speakers} that never sent a frame); the room counted ${limits.guard?.helloTimeouts} hello timeouts`);
    expect(attack.opened).toBe(100);
    expect(limits.guard?.helloTimeouts).toBe(100);
    expect(Object.keys(attack.closes)).toEqual([String(CLOSE_HELLO_TIMEOUT)]);
    expect(attack.closes[CLOSE_HELLO_TIMEOUT]).toBeGreaterThanOrEqual(speakers);
    expect(attack.stillOpen).toBeLessThanOrEqual(100 - speakers);
    expect(attack.newcomerJoined).toBe(true);
  });

  test("a joined socket that leaves the heartbeat unanswered is closed; one that answers stays", async () => {
    const answering = await ProtocolClient.join({ host: host(), room: "heartbeat", name: "Answers", create: { imageId: "hb", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 1 } });
    const silent = new RawSocket({ host: host(), room: "heartbeat", answerHeartbeats: false });
    await silent.open();
    silent.hello("Never answers");
    await silent.welcomed();
    const closed = await silent.whenClosed();
    expect(closed.code).toBe(CLOSE_NOT_READING);
    expect(silent.messages.filter((message) => message.type === "ping").length).toBeGreaterThanOrEqual(3);
    expect(answering.closeEvents).toEqual([]);
    expect(answering.heartbeats).toBeGreaterThanOrEqual(3);
    const summary = await fetchRoomLimits(file.server.url, "main", "heartbeat");
    expect(summary.connected).toBe(1);
    answering.close();
  });

  test("rooms nobody is in unload their puzzle, and rebuild it from storage for the next player", async () => {
    const puzzle = { imageId: "idle", imageWidth: 1200, imageHeight: 800, pieceCount: 1000, seed: 4 };
    const players: ProtocolClient[] = [];
    for (const room of ["idle-1", "idle-2", "idle-3"]) {
      const player = await ProtocolClient.join({ host: host(), room, name: "Visitor", create: puzzle });
      await player.answered(player.act({ type: "grab", pieceId: 7 }));
      await player.answered(player.act({ type: "drop", pieceId: 7, x: 33, y: 44 }));
      players.push(player);
    }
    const loaded = (await fetchRoomLimits(file.server.url, "main", "idle-1")).loadedPieces!;
    expect(loaded).toBeGreaterThanOrEqual(3_000);
    for (const player of players) player.close();
    await sleep(3_000);
    // Asked of a room that stays in use, the process's total shows the three idle rooms gone.
    const keeper = await ProtocolClient.join({ host: host(), room: "idle-keeper", name: "Keeper", create: { ...puzzle, pieceCount: 4 } });
    expect((await fetchRoomLimits(file.server.url, "main", "idle-keeper")).loadedPieces).toBeLessThanOrEqual(loaded - 3_000 + 4);
    const back = await ProtocolClient.join({ host: host(), room: "idle-2", name: "Visitor", token: players[1]!.token });
    expect(back.playerId).toBe(players[1]!.playerId);
    expect(back.replica!.puzzle.pieces[7]).toMatchObject({ x: 33, y: 44 });
    back.close();
    keeper.close();
  });
});
