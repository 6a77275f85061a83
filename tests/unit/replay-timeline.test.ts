/**
 * The replay viewer's model, in Node: a ReplayTimeline fed a room's log lands
 * on the room's state, any moment reached forwards or backwards (through its
 * keyframes) is the state a straight replay reaches there, who placed what adds
 * up to the room's counts, the progress curve climbs to the pieces locked; and
 * a ReplayPlayer moves through it at its speed and stops at the end.
 */
import { describe, expect, it } from "vitest";
import { InMemoryRoom } from "../../testkit/in-memory-room.ts";
import { comparableSnapshot, comparableState, corePages } from "../../testkit/log-replay.ts";
import { readWholeLog } from "../../shared/log-reader.ts";
import { replayEntries, replayStart } from "../../shared/log-replay.ts";
import { createPrng } from "../../shared/prng.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";
import type { LogEntry } from "../../shared/action-log.ts";
import type { LogPage } from "../../shared/http.ts";
import { ReplayTimeline } from "../../client/replay/replay-timeline.ts";
import { REPLAY_SPEEDS, ReplayPlayer, defaultSpeed } from "../../client/replay/replay-player.ts";

/** Three players drag and drop pieces (`homeShare` of the drops home) until about `actions` are sent; the room as it ends. */
function playedRoom(actions: number, homeShare = 0.5): InMemoryRoom {
  const room = new InMemoryRoom({ seed: 4 });
  const clients = [0, 1, 2].map((index) => {
    const client = room.connect();
    client.hello(`p${index}`, index === 0 ? { create: { imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 48, seed: 8 } } : {});
    room.settle();
    return client;
  });
  const prng = createPrng(12);
  const spec = room.core.snapshot()!.spec;
  for (let applied = 0; applied < actions; ) {
    const client = clients[applied % clients.length]!;
    const pieceId = Math.floor(prng() * 48);
    if (room.core.snapshot()!.pieces[pieceId]![3]) {
      applied++;
      continue;
    }
    client.act({ type: "grab", pieceId });
    for (let step = 0; step < 8; step++) {
      room.advance(33);
      client.act({ type: "move", pieceId, x: Math.round(prng() * spec.tableWidth * 0.8), y: Math.round(prng() * spec.boardY) });
    }
    client.act({ type: "drop", pieceId, ...(prng() < homeShare ? solvedPosition(spec, pieceId) : { x: Math.round(prng() * spec.tableWidth * 0.8), y: Math.round(prng() * spec.boardY) }) });
    room.settle();
    applied += 10;
  }
  room.settle();
  return room;
}

async function logOf(room: InMemoryRoom): Promise<{ entries: LogEntry[]; last: LogPage }> {
  const { reader, last } = await readWholeLog(corePages(room.core));
  expect(reader.checkpoint).toBeNull();
  return { entries: reader.entries, last };
}

describe("ReplayTimeline", () => {
  it("lands on the room's state, and any moment, forwards or back, is the state a straight replay reaches there", async () => {
    // Few drops home, so the game lasts past a few keyframes.
    const room = playedRoom(6_000, 0.04);
    const { entries, last } = await logOf(room);
    expect(entries.length).toBeGreaterThan(4_000);
    const timeline = new ReplayTimeline(last.spec, null, last.startedAtMs, entries[0]);
    timeline.append(entries.slice(0, 1_000));
    timeline.append(entries.slice(1_000));
    timeline.seekEntry(entries.length);
    expect(comparableState(timeline.state)).toEqual(comparableSnapshot(room.core.snapshot()!));

    const prng = createPrng(3);
    for (let probe = 0; probe < 12; probe++) {
      const at = Math.floor(prng() * entries.length);
      timeline.seekEntry(at);
      const straight = replayStart(last.spec, null);
      replayEntries(straight, entries.slice(0, at), 0);
      expect(comparableState(timeline.state), `after ${at} entries`).toEqual(comparableState(straight));
    }
  });

  it("seeks by time to the last entry at or before it", async () => {
    const { entries, last } = await logOf(playedRoom(600));
    const timeline = new ReplayTimeline(last.spec, null, last.startedAtMs, entries[0]);
    timeline.append(entries);
    const middle = entries[Math.floor(entries.length / 2)]!.atMs;
    timeline.seek(middle);
    expect(timeline.atMs).toBe(middle);
    expect(entries[timeline.applied]?.atMs ?? Infinity).toBeGreaterThan(middle);
    timeline.seek(timeline.startMs - 1);
    expect(timeline.applied).toBe(entries.filter((entry) => entry.atMs < timeline.startMs).length);
  });

  it("credits every placed piece to one player, as many as the room counted for each, and draws the curve up to the pieces locked", async () => {
    const room = playedRoom(3_000);
    const { entries, last } = await logOf(room);
    const timeline = new ReplayTimeline(last.spec, null, last.startedAtMs, entries[0]);
    timeline.append(entries);
    timeline.seekEntry(entries.length);
    const snapshot = room.core.snapshot()!;
    const locked = snapshot.pieces.filter((piece) => piece[3]).length;
    expect(locked).toBeGreaterThan(3);
    for (const player of snapshot.players) expect(timeline.placedBy(player.id)).toBe(player.placed);
    const credited = timeline.state.pieces.filter((piece, id) => piece.locked && timeline.placerOf(id) >= 0).length;
    expect(credited).toBe(locked);
    expect(timeline.curve[timeline.curve.length - 1]!.locked).toBe(locked);
    for (let index = 1; index < timeline.curve.length; index++) expect(timeline.curve[index]!.atMs).toBeGreaterThanOrEqual(timeline.curve[index - 1]!.atMs);
    expect(timeline.lockedAt(timeline.endMs)).toBe(locked);
    expect(timeline.lockedAt(timeline.startMs - 1)).toBe(0);
  });
});

describe("ReplayPlayer", () => {
  it("moves the moment on at its speed while playing, stops at the end of a finished game, and plays again from the start", async () => {
    const { entries, last } = await logOf(playedRoom(400));
    const timeline = new ReplayTimeline(last.spec, null, last.startedAtMs, entries[0]);
    timeline.append(entries);
    const player = new ReplayPlayer(timeline);
    player.setSpeed(4);
    player.frame(100);
    expect(player.time).toBe(0);
    player.play();
    player.frame(100);
    expect(player.time).toBe(400);
    player.setSpeed(5_000);
    expect(player.speed).toBe(1_000);
    while (player.playing) player.frame(1_000);
    expect(player.atEnd).toBe(true);
    expect(timeline.applied).toBe(entries.length);
    player.play();
    expect(player.time).toBe(0);
  });

  it("starts at the slowest speed that shows the game in 45 s, 1,000x at most", () => {
    expect(defaultSpeed(30_000)).toBe(1);
    expect(defaultSpeed(10 * 60_000)).toBe(16);
    expect(defaultSpeed(100 * 3_600_000)).toBe(REPLAY_SPEEDS[REPLAY_SPEEDS.length - 1]);
  });
});
