/**
 * Issue 10 through the real runtime, part 1: what one client may cost a room in
 * load and memory. A flooding socket is limited, then closed, while good players
 * in its room and in another keep every acknowledgement; sockets that stop
 * reading, never say hello, or leave the heartbeat unanswered are closed and
 * their sessions freed; idle rooms unload their puzzle. The attacks run in
 * processes of their own (testkit/attacks/); every assertion is on counts.
 * Latencies are printed for the record, never asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import { snapshotProject, type ProjectSnapshot } from "../../testkit/project-snapshot.ts";
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

let server: PartykitDev;
let project: ProjectSnapshot;
const host = () => `127.0.0.1:${server.port}`;

beforeAll(async () => {
  project = snapshotProject();
  server = await startPartykitDev({ cwd: project.dir, vars: VARS });
});

afterAll(async () => {
  await server?.stop();
  project?.remove();
});

describe("one client cannot hurt a room: load and memory", () => {
  test("a flooding socket is limited, then closed; good players in its room and another lose no acknowledgement", async () => {
    const good = await GoodPlayers.start(host(), ["flooded", "elsewhere"], 3);
    await sleep(2_000);
    const quietFromMs = Date.now() - 2_000;
    const quiet = good.window(quietFromMs, Date.now());
    const attack = await runAttack("flood", { host: host(), room: "flooded", durationMs: 3_000, rejoin: false });
    await sleep(1_000);
    const during = { same: good.window(attack.startedAtMs, attack.endedAtMs + 1_000, "flooded"), other: good.window(attack.startedAtMs, attack.endedAtMs + 1_000, "elsewhere") };
    await good.stop();
    const limits = await fetchRoomLimits(server.url, "main", "flooded");
    console.log(
      `flood: ${attack.sent} sent, ${attack.acked} acked, closes ${JSON.stringify(attack.closes)}; good ack p50/p99 quiet ${quiet.ackMs.p50.toFixed(1)}/${quiet.ackMs.p99.toFixed(1)} ms,` +
        ` same room ${during.same.ackMs.p50.toFixed(1)}/${during.same.ackMs.p99.toFixed(1)} ms, other room ${during.other.ackMs.p50.toFixed(1)}/${during.other.ackMs.p99.toFixed(1)} ms`,
    );
    // The flooder sent far more than its limit, and the room took its burst (and the little the bucket refilled before the close).
    expect(attack.sent).toBeGreaterThan(DEFAULT_CONNECTION_LIMITS.actionBurst + DEFAULT_CONNECTION_LIMITS.floodRefusals);
    expect(attack.acked).toBeLessThan(DEFAULT_CONNECTION_LIMITS.actionBurst + 20);
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
    const attack = await runAttack("silentSockets", { host: host(), room: "silent", sockets: 100, waitMs: 10_000 });
    expect(attack.opened).toBe(100);
    expect(attack.closes).toEqual({ [CLOSE_HELLO_TIMEOUT]: 100 });
    expect(attack.stillOpen).toBe(0);
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
    const summary = await fetchRoomLimits(server.url, "main", "heartbeat");
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
    const loaded = (await fetchRoomLimits(server.url, "main", "idle-1")).loadedPieces!;
    expect(loaded).toBeGreaterThanOrEqual(3_000);
    for (const player of players) player.close();
    await sleep(3_000);
    // Asked of a room that stays in use, the process's total shows the three idle rooms gone.
    const keeper = await ProtocolClient.join({ host: host(), room: "idle-keeper", name: "Keeper", create: { ...puzzle, pieceCount: 4 } });
    expect((await fetchRoomLimits(server.url, "main", "idle-keeper")).loadedPieces).toBeLessThanOrEqual(loaded - 3_000 + 4);
    const back = await ProtocolClient.join({ host: host(), room: "idle-2", name: "Visitor", token: players[1]!.token });
    expect(back.playerId).toBe(players[1]!.playerId);
    expect(back.replica!.puzzle.pieces[7]).toMatchObject({ x: 33, y: 44 });
    back.close();
    keeper.close();
  });
});
