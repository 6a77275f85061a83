/**
 * A listed room's reports, on a manual clock: the creator's choice decides,
 * a burst of changes makes one post per interval, nothing unchanged is posted
 * but the heartbeat while the room is alive, and a room that goes quiet stops.
 * The reporter's wake-ups come from a model of the room's one storage alarm
 * (server.ts `wakeAt` and `onAlarm`), which other deadlines share; it has no
 * timer of its own.
 */
import { describe, expect, test } from "vitest";
import { DirectoryReporter, LISTING_KEY } from "../../party/room/directory-reporter.ts";
import { Alarm, ManualClock } from "../../client/store/clock.ts";
import { MemoryStorage } from "../../testkit/memory-storage.ts";
import { PROTOCOL_VERSION, type Hello } from "../../shared/protocol.ts";
import type { RoomSummary } from "../../shared/http.ts";
import type { DirectoryReport } from "../../shared/directory.ts";
import { SMALL_PUZZLE } from "../../testkit/room-fixture.ts";

const INTERVAL_MS = 3_000;
const HEARTBEAT_MS = 20_000;

/**
 * The room's one alarm as server.ts keeps it: a request arms it unless an
 * earlier one has not rung; when it rings, every deadline's owner is woken
 * (here the current reporter, and `others`, standing for the guard and the picture).
 */
class RoomAlarm {
  private armedAtMs: number | null = null;
  private readonly alarm: Alarm;
  /** Every time the room asked for the alarm. */
  readonly requests: number[] = [];
  woken: { wake(): void } | null = null;
  readonly others: Array<() => void> = [];

  constructor(private readonly clock: ManualClock) {
    this.alarm = new Alarm(clock, () => {
      this.armedAtMs = null;
      for (const other of this.others) other();
      this.woken?.wake();
    });
  }

  wakeAt(atMs: number): void {
    this.requests.push(atMs);
    if (this.armedAtMs !== null && this.armedAtMs <= atMs) return;
    this.armedAtMs = atMs;
    this.alarm.setAt(atMs);
  }
}

function reporter(options: { password?: boolean; roomId?: string | null } = {}) {
  const clock = new ManualClock(0);
  const alarm = new RoomAlarm(clock);
  const storage = new MemoryStorage();
  const posts: DirectoryReport[] = [];
  const postTimes: number[] = [];
  const room = { summary: { mode: "stateful", created: true, pieces: 4, placed: 0, players: 1, connected: 1, watchers: 0, actionsApplied: 0, actionsRejected: 0, version: 1, completedAtMs: null, rotation: false } as RoomSummary, alive: true };
  /** A reporter over the room's storage and alarm, as a room object builds it (again after a sleep). */
  const make = () => {
    const made = new DirectoryReporter(
      {
        storage,
        now: () => clock.now(),
        wakeAt: (atMs) => alarm.wakeAt(atMs),
        roomId: options.roomId === undefined ? "room-1" : options.roomId,
        summary: () => room.summary,
        alive: () => room.alive,
        passwordProtected: () => options.password === true,
        post: (report) => void (posts.push(report), postTimes.push(clock.now())),
      },
      { reportIntervalMs: INTERVAL_MS, heartbeatMs: HEARTBEAT_MS },
    );
    alarm.woken = made;
    return made;
  };
  return { clock, alarm, storage, posts, postTimes, room, make, subject: make() };
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

  test("an alarm rung for another deadline posts nothing early, and the report still goes out at its own time", () => {
    const { clock, alarm, postTimes, room, subject } = reporter();
    // The guard's deadline every 700 ms shares the alarm (it re-arms itself whenever it rings).
    const GUARD_EVERY_MS = 700;
    alarm.others.push(() => alarm.wakeAt(clock.now() + GUARD_EVERY_MS));
    alarm.wakeAt(GUARD_EVERY_MS);
    subject.created(hello(true));
    for (let step = 1; step * 30 < 10_000; step++) {
      room.summary = { ...room.summary, placed: step % 4 };
      subject.changed();
      clock.advance(30);
    }
    clock.advance(75_000 - clock.now());
    // Each change-driven post at its interval (not at the next guard ring after it), then one heartbeat per 20 s.
    expect(postTimes).toEqual([0, 3_000, 6_000, 9_000, 12_000, 32_000, 52_000, 72_000]);
  });

  test("a room object built again after a sleep goes on reporting: a heartbeat, never two posts within an interval", async () => {
    const { clock, posts, postTimes, make, subject } = reporter();
    subject.created(hello(true));
    clock.advance(HEARTBEAT_MS + 1_000);
    expect(postTimes).toEqual([0, HEARTBEAT_MS]);
    // The object is dropped from memory with its sockets open, and built again (onStart: load).
    const woken = make();
    await woken.load();
    clock.advance(HEARTBEAT_MS * 2);
    const wokeAtMs = HEARTBEAT_MS + 1_000;
    expect(postTimes).toEqual([0, HEARTBEAT_MS, wokeAtMs + INTERVAL_MS, wokeAtMs + INTERVAL_MS + HEARTBEAT_MS]);
    expect(posts.at(-1)).toEqual(posts[0]);

    // Woken a moment after a post: the next still waits an interval.
    const lastMs = postTimes.at(-1)!;
    clock.advance(lastMs + 500 - clock.now());
    const again = make();
    await again.load();
    again.changed();
    clock.advance(INTERVAL_MS);
    expect(postTimes.at(-1)! - lastMs).toBeGreaterThanOrEqual(INTERVAL_MS);
    for (let index = 1; index < postTimes.length; index++) expect(postTimes[index]! - postTimes[index - 1]!).toBeGreaterThanOrEqual(INTERVAL_MS);
  });

  test("a room built again with no socket open says nothing until something changes", async () => {
    const { clock, posts, room, make, subject } = reporter();
    subject.created(hello(true));
    clock.advance(0);
    room.alive = false;
    const woken = make();
    await woken.load();
    clock.advance(HEARTBEAT_MS * 3);
    expect(posts).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  test("a room object without its id (one its alarm built) stays silent and asks for no wake-up", async () => {
    const listed = reporter();
    listed.subject.created(hello(true));
    await Promise.resolve();
    const { clock, alarm, posts, storage, make } = reporter({ roomId: null });
    await storage.put({ [LISTING_KEY]: await listed.storage.get([LISTING_KEY]).then((values) => values.get(LISTING_KEY)) });
    const silent = make();
    await silent.load();
    expect(silent.listed).toBe(true);
    silent.changed();
    silent.wake();
    clock.advance(HEARTBEAT_MS * 2);
    expect(posts).toEqual([]);
    expect(alarm.requests).toEqual([]);
  });
});
