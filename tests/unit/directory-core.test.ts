/**
 * The public lobby's directory without a runtime: a report upserts its room,
 * a quiet room drops after the TTL (on read, and from storage by the alarm),
 * the cap holds, and every refusal (oversized, not JSON, not a room's report)
 * is typed and changes nothing.
 */
import { describe, expect, test } from "vitest";
import { DirectoryCore, type DirectoryStorage } from "../../party/directory/directory-core.ts";
import { MAX_DIRECTORY_REPORT_BYTES, type DirectoryReport } from "../../shared/directory.ts";
import { readDirectorySettings } from "../../party/directory/directory-settings.ts";

const TTL_MS = 10_000;

class MapStorage implements DirectoryStorage {
  readonly values = new Map<string, unknown>();
  async list<T = unknown>(options: { prefix: string }): Promise<Map<string, T>> {
    return new Map([...this.values].filter(([key]) => key.startsWith(options.prefix)) as Array<[string, T]>);
  }
  async put(entries: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(entries)) this.values.set(key, structuredClone(value));
  }
  async delete(keys: string[]): Promise<number> {
    let found = 0;
    for (const key of keys) if (this.values.delete(key)) found++;
    return found;
  }
}

function directory(maxRooms = 3, storage = new MapStorage()) {
  const clock = { now: 1_000 };
  const alarms: number[] = [];
  const core = new DirectoryCore({ storage, now: () => clock.now, wakeAt: (atMs) => alarms.push(atMs) }, { ttlMs: TTL_MS, maxRooms });
  return { core, clock, alarms, storage };
}

const report = (room: string, extra: Partial<DirectoryReport> = {}): DirectoryReport => ({ room, imageId: "alpine-dusk", pieces: 100, placed: 10, players: 2, watchers: 1, mode: "stateful", completed: false, ...extra });
const post = (core: DirectoryCore, body: unknown) => core.report(typeof body === "string" ? body : JSON.stringify(body));

describe("directory core", () => {
  test("a report lists its room; a later one from the same room replaces it", () => {
    const { core, clock } = directory();
    expect(post(core, report("abc"))).toEqual({ status: 200, body: { room: "abc", listed: true } });
    clock.now += 500;
    expect(post(core, report("abc", { placed: 40, players: 3 })).status).toBe(200);
    const { rooms, ttlMs } = core.listing();
    expect(ttlMs).toBe(TTL_MS);
    expect(rooms).toEqual([{ ...report("abc", { placed: 40, players: 3 }), updatedAtMs: 1_500 }]);
  });

  test("busiest first: players, then watchers", () => {
    const { core } = directory(5);
    post(core, report("quiet", { players: 1, watchers: 0 }));
    post(core, report("busy", { players: 5 }));
    post(core, report("watched", { players: 1, watchers: 9 }));
    expect(core.listing().rooms.map((entry) => entry.room)).toEqual(["busy", "watched", "quiet"]);
  });

  test("a room with no news for the TTL drops on read, and the alarm deletes it from storage", async () => {
    const { core, clock, alarms, storage } = directory();
    post(core, report("old"));
    expect(alarms).toEqual([1_000 + TTL_MS]);
    clock.now += TTL_MS / 2;
    post(core, report("new"));
    // One alarm at a time: the later expiry waits for the one set.
    expect(alarms).toHaveLength(1);
    clock.now = 1_000 + TTL_MS - 1;
    expect(core.listing().rooms.map((entry) => entry.room).sort()).toEqual(["new", "old"]);
    clock.now = 1_000 + TTL_MS;
    expect(core.listing().rooms.map((entry) => entry.room)).toEqual(["new"]);
    await core.expire();
    await Promise.resolve();
    expect([...storage.values.keys()]).toEqual(["room:new"]);
    // The alarm is set again for what is left, and not at all once nothing is.
    expect(alarms).toEqual([1_000 + TTL_MS, 1_000 + TTL_MS / 2 + TTL_MS]);
    clock.now += TTL_MS;
    await core.expire();
    await Promise.resolve();
    expect(core.size).toBe(0);
    expect(storage.values.size).toBe(0);
    expect(alarms).toHaveLength(2);
  });

  test("a restarted directory serves what storage kept, and drops what it cannot read", async () => {
    const first = directory();
    post(first.core, report("kept"));
    first.storage.values.set("room:junk", { room: "junk" });
    await Promise.resolve();
    const second = directory(3, first.storage);
    second.clock.now = first.clock.now + 1;
    await second.core.load();
    expect(second.core.listing().rooms.map((entry) => entry.room)).toEqual(["kept"]);
    expect(first.storage.values.has("room:junk")).toBe(false);
  });

  test("the cap: a new room past it is refused until one goes quiet; listed rooms still report", () => {
    const { core, clock } = directory(2);
    post(core, report("a"));
    clock.now = 6_000;
    post(core, report("b"));
    const refused = post(core, report("c"));
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: "the directory lists 2 rooms, as many as it may; c is listed when one goes quiet" });
    clock.now = 7_000;
    expect(post(core, report("a", { placed: 20 })).status).toBe(200);
    // "b" goes quiet first now: "c" takes its place once it has.
    clock.now = 6_000 + TTL_MS - 1;
    expect(post(core, report("c")).status).toBe(503);
    clock.now = 6_000 + TTL_MS;
    expect(post(core, report("c")).status).toBe(200);
    expect(core.listing().rooms.map((entry) => entry.room).sort()).toEqual(["a", "c"]);
  });

  const refusals: Array<[string, unknown, number, RegExp]> = [
    ["an oversized body", JSON.stringify({ ...report("abc"), imageId: "x".repeat(MAX_DIRECTORY_REPORT_BYTES) }), 413, /exceeds 1024: it is not a room's/],
    ["a body that is not JSON", "room=abc", 400, /must be JSON/],
    ["a room id that is not one", report("../main/x"), 400, /^not a room's report: room: a room id is 1 to 64/],
    ["an unknown key", { ...report("abc"), html: "<b>" }, 400, /^not a room's report: html:/],
    ["a missing count", (({ players: _players, ...rest }) => rest)(report("abc")), 400, /^not a room's report: players:/],
    ["a negative count", report("abc", { watchers: -1 }), 400, /watchers/],
    ["a stateless mode", { ...report("abc"), mode: "stateless" }, 400, /mode/],
    ["more placed than pieces", report("abc", { placed: 101 }), 400, /101 pieces placed of 100/],
    ["a picture id that is a URL", report("abc", { imageId: "https://evil.example/x.png" }), 400, /imageId/],
    ["an array", [report("abc")], 400, /not a room's report/],
  ];
  test.each(refusals)("refuses %s, and changes nothing", (_what, body, status, message) => {
    const { core, storage, alarms } = directory();
    post(core, report("kept"));
    const before = JSON.stringify(core.listing());
    const answer = post(core, body);
    expect(answer.status).toBe(status);
    expect("error" in answer.body && answer.body.error).toMatch(message);
    expect(JSON.stringify(core.listing())).toBe(before);
    expect([...storage.values.keys()]).toEqual(["room:kept"]);
    expect(alarms).toHaveLength(1);
  });
});

describe("directory settings", () => {
  test("defaults, and a heartbeat that could not keep a room listed is refused naming the vars", () => {
    expect(readDirectorySettings({})).toEqual({ ttlMs: 60_000, heartbeatMs: 20_000, reportIntervalMs: 3_000, maxRooms: 200 });
    expect(() => readDirectorySettings({ DIRECTORY_TTL_MS: "1000", DIRECTORY_HEARTBEAT_MS: "600" })).toThrow("DIRECTORY_HEARTBEAT_MS (600) must be at most half of DIRECTORY_TTL_MS (1000)");
    expect(() => readDirectorySettings({ DIRECTORY_REPORT_INTERVAL_MS: "30000" })).toThrow("DIRECTORY_REPORT_INTERVAL_MS (30000) must be at most DIRECTORY_HEARTBEAT_MS");
    expect(() => readDirectorySettings({ DIRECTORY_MAX_ROOMS: "0" })).toThrow("DIRECTORY_MAX_ROOMS");
  });
});
