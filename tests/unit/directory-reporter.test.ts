/**
 * A listed room's reports, on a manual clock: the creator's choice decides,
 * a burst of changes makes one post per interval, nothing unchanged is posted
 * but the heartbeat while the room is alive, and a room that goes quiet stops.
 */
import { describe, expect, test } from "vitest";
import { DirectoryReporter, LISTING_KEY } from "../../party/room/directory-reporter.ts";
import { ManualClock } from "../../client/store/clock.ts";
import { MemoryStorage } from "../../testkit/memory-storage.ts";
import { PROTOCOL_VERSION, type Hello } from "../../shared/protocol.ts";
import type { RoomSummary } from "../../shared/http.ts";
import type { DirectoryReport } from "../../shared/directory.ts";
import { SMALL_PUZZLE } from "../../testkit/room-fixture.ts";

const INTERVAL_MS = 3_000;
const HEARTBEAT_MS = 20_000;

function reporter(options: { password?: boolean } = {}) {
  const clock = new ManualClock(0);
  const storage = new MemoryStorage();
  const posts: DirectoryReport[] = [];
  const postTimes: number[] = [];
  const room = { summary: { mode: "stateful", created: true, pieces: 4, placed: 0, players: 1, connected: 1, watchers: 0, actionsApplied: 0, actionsRejected: 0, version: 1, completedAtMs: null, rotation: false } as RoomSummary, alive: true };
  const make = () =>
    new DirectoryReporter(
      { storage, now: () => clock.now(), after: (delayMs, callback) => clock.after(delayMs, callback), roomId: "room-1", summary: () => room.summary, alive: () => room.alive, passwordProtected: () => options.password === true, post: (report) => void (posts.push(report), postTimes.push(clock.now())) },
      { reportIntervalMs: INTERVAL_MS, heartbeatMs: HEARTBEAT_MS },
    );
  return { clock, storage, posts, postTimes, room, make, subject: make() };
}

const hello = (listed: boolean | undefined): Hello => ({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: SMALL_PUZZLE, ...(listed === undefined ? {} : { listed }) });

describe("directory reporter", () => {
  test("an unlisted room (the default) never posts, however much changes", () => {
    const { clock, posts, subject } = reporter();
    subject.created(hello(undefined));
    for (let step = 0; step < 10; step++) {
      subject.changed();
      clock.advance(HEARTBEAT_MS);
    }
    expect(posts).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  test("a room with a password is never listed, even when its hello asks", () => {
    const { clock, posts, subject } = reporter({ password: true });
    subject.created(hello(true));
    subject.changed();
    clock.advance(HEARTBEAT_MS * 2);
    expect(subject.listed).toBe(false);
    expect(posts).toEqual([]);
  });

  test("a listed room posts at once, then coalesces a burst of changes into one post per interval", () => {
    const { clock, posts, postTimes, room, subject } = reporter();
    subject.created(hello(true));
    clock.advance(0);
    expect(posts).toEqual([{ room: "room-1", imageId: SMALL_PUZZLE.imageId, pieces: 4, placed: 0, players: 1, watchers: 0, mode: "stateful", completed: false }]);
    // 100 changes within one interval (a flush every 30 ms): one post, with the last counts.
    for (let step = 1; step <= 100; step++) {
      room.summary = { ...room.summary, connected: 1 + (step % 3), watchers: step };
      subject.changed();
      clock.advance(INTERVAL_MS / 100 - 1);
    }
    clock.advance(INTERVAL_MS);
    expect(posts).toHaveLength(2);
    expect(posts[1]).toMatchObject({ players: 2, watchers: 100 });
    // Over a minute of changes every 30 ms: never more than one post per interval.
    const startMs = clock.now();
    const before = posts.length;
    for (let step = 0; step < 2_000; step++) {
      room.summary = { ...room.summary, placed: step % 4 };
      subject.changed();
      clock.advance(30);
    }
    const posted = posts.length - before;
    expect(posted).toBeLessThanOrEqual(Math.ceil((clock.now() - startMs) / INTERVAL_MS) + 1);
    expect(posted).toBeGreaterThan(10);
    for (let index = 1; index < postTimes.length; index++) expect(postTimes[index]! - postTimes[index - 1]!).toBeGreaterThanOrEqual(INTERVAL_MS);
  });

  test("nothing new, nothing posted but the heartbeat while alive; a quiet room stops", () => {
    const { clock, posts, room, subject } = reporter();
    subject.created(hello(true));
    clock.advance(0);
    subject.changed();
    clock.advance(HEARTBEAT_MS - 1);
    expect(posts).toHaveLength(1);
    clock.advance(1);
    expect(posts).toHaveLength(2);
    expect(posts[1]).toEqual(posts[0]);
    clock.advance(HEARTBEAT_MS * 3);
    expect(posts).toHaveLength(5);
    // The last socket leaves: its flush reports the room empty, and nothing runs after.
    room.summary = { ...room.summary, connected: 0 };
    room.alive = false;
    subject.changed();
    clock.advance(INTERVAL_MS);
    expect(posts.at(-1)).toMatchObject({ players: 0 });
    const count = posts.length;
    clock.advance(HEARTBEAT_MS * 10);
    expect(posts).toHaveLength(count);
    expect(clock.pendingTimers()).toBe(0);
  });

  test("the listing survives a reload from storage; a room without a puzzle in memory says nothing", async () => {
    const { clock, posts, room, storage, subject, make } = reporter();
    subject.created(hello(true));
    await Promise.resolve();
    expect((await storage.get([LISTING_KEY])).get(LISTING_KEY)).toEqual({ imageId: SMALL_PUZZLE.imageId });
    subject.stop();
    const reloaded = make();
    await reloaded.load();
    expect(reloaded.listed).toBe(true);
    room.summary = { ...room.summary, created: false };
    reloaded.changed();
    clock.advance(INTERVAL_MS);
    expect(posts).toEqual([]);
    room.summary = { ...room.summary, created: true, placed: 2 };
    reloaded.changed();
    clock.advance(INTERVAL_MS);
    expect(posts).toEqual([expect.objectContaining({ room: "room-1", placed: 2 })]);
    // A stored listing it cannot read is no listing.
    await storage.put({ [LISTING_KEY]: { imageId: 7 } });
    const confused = make();
    await confused.load();
    expect(confused.listed).toBe(false);
  });
});
