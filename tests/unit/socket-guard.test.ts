/**
 * The boundary's guard in-process (party/common/socket-guard.ts): a recording
 * room behind it, sockets that record what they get, a clock moved by hand. It
 * counts on frames, refusals and closes, never on wall-clock time.
 */
import { describe, expect, it } from "vitest";
import { PING_SLACK, SocketGuard, frameKind, type SocketCore } from "../../party/common/socket-guard.ts";
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "../../party/common/limits.ts";
import type { RoomSocket } from "../../party/common/socket.ts";
import { CLOSE_FLOODING, CLOSE_HELLO_TIMEOUT, CLOSE_NOT_READING, CLOSE_TOO_MANY_SOCKETS, parseServerFrame, type ServerMessage } from "../../shared/protocol.ts";

class RuntimeSocket implements RoomSocket {
  readonly received: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  constructor(readonly id: string) {}
  send(frame: string): void {
    const parsed = parseServerFrame(frame);
    if (!parsed.ok) throw new Error(`guard sent an invalid frame: ${frame}`);
    this.received.push(parsed.message);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  errors(): string[] {
    return this.received.flatMap((message) => (message.type === "error" ? [message.code] : []));
  }
  pings(): number[] {
    return this.received.flatMap((message) => (message.type === "ping" ? [message.t] : []));
  }
}

/** A room that records what reaches it, and treats a socket as joined once told. */
class RecordingCore implements SocketCore {
  readonly sockets = new Map<string, RoomSocket>();
  readonly frames: Array<[string, string]> = [];
  readonly refused: Array<[string, number]> = [];
  readonly disconnected: string[] = [];
  readonly joined = new Set<string>();
  connect(socket: RoomSocket): void {
    this.sockets.set(socket.id, socket);
  }
  receive(socketId: string, frame: string | ArrayBuffer | ArrayBufferView): void {
    this.frames.push([socketId, String(frame)]);
  }
  disconnect(socketId: string): void {
    this.disconnected.push(socketId);
    this.joined.delete(socketId);
  }
  hasJoined(socketId: string): boolean {
    return this.joined.has(socketId);
  }
  refuseAction(socketId: string, seq: number): void {
    this.refused.push([socketId, seq]);
  }
  /** The key the guard gave the `n`th socket. */
  key(n: number): string {
    return [...this.sockets.keys()][n]!;
  }
}

function setup(limits: Partial<ConnectionLimits> = {}) {
  let nowMs = 0;
  let nextT = 1;
  const deferred: Array<() => void> = [];
  const core = new RecordingCore();
  const guard = new SocketGuard<RuntimeSocket>(core, { ...DEFAULT_CONNECTION_LIMITS, ...limits }, () => nowMs, () => nextT++, (task) => deferred.push(task));
  return {
    core,
    guard,
    advance: (ms: number) => (nowMs += ms),
    runDeferred: () => deferred.splice(0).forEach((task) => task()),
    send: (socket: RuntimeSocket, frame: string) => guard.receive(socket, frame),
    open: (id: string, address?: string) => {
      const socket = new RuntimeSocket(id);
      guard.open(socket, address);
      return socket;
    },
  };
}

const move = (seq: number) => JSON.stringify({ type: "move", seq, pieceId: 1, x: 2, y: 3 });
const cursor = JSON.stringify({ type: "cursor", x: 1, y: 2 });
const ping = JSON.stringify({ type: "ping", t: 1 });

describe("frameKind charges a frame by its first bytes", () => {
  it.each([
    [move(1), "action"],
    ['{"type":"grab","seq":1,"pieceId":0}', "action"],
    ['  { "type" : "drop", "seq":1}', "action"],
    ['{"type":"rotate","seq":1,"pieceId":0,"rotation":1}', "action"],
    [cursor, "cursor"],
    ['{"type":"pong","t":5}', "heartbeat-reply"],
    [ping, "other"],
    ['{"type":"hello","protocol":3,"name":"A"}', "other"],
    ['{"seq":1,"type":"move"}', "other"],
    ["not json", "other"],
    [new Uint8Array([1, 2]), "other"],
  ] as const)("%s -> %s", (frame, kind) => expect(frameKind(frame)).toBe(kind));
});

describe("rate limits per connection", () => {
  it("passes a burst within the limit, then rejects actions and answers other frames with rate-limited", () => {
    const { core, open, send } = setup({ actionBurst: 5, actionsPerS: 5, cursorBurst: 2, cursorsPerS: 2, otherFrameBurst: 1, otherFramesPerS: 1 });
    const socket = open("a");
    for (let seq = 1; seq <= 7; seq++) send(socket, move(seq));
    for (let index = 0; index < 3; index++) send(socket, cursor);
    for (let index = 0; index < 2; index++) send(socket, ping);
    expect(core.frames.filter(([, frame]) => frame.includes('"move"'))).toHaveLength(5);
    expect(core.refused).toEqual([[core.key(0), 6], [core.key(0), 7]]);
    expect(core.frames.filter(([, frame]) => frame === cursor)).toHaveLength(2);
    expect(core.frames.filter(([, frame]) => frame === ping)).toHaveLength(1);
    expect(socket.errors()).toEqual(["rate-limited", "rate-limited"]);
    expect(socket.closed).toBeNull();
  });

  it("refills at the sustained rate: a 25 Hz drag with the client's tidy burst is never limited", () => {
    const { core, open, advance, send } = setup();
    const socket = open("player");
    let seq = 0;
    // The client's tidy: 40 actions at once; then a drag at 25 Hz for a minute.
    for (let index = 0; index < 40; index++) send(socket, move(++seq));
    for (let step = 0; step < 25 * 60; step++) {
      advance(40);
      send(socket, move(++seq));
    }
    expect(core.refused).toEqual([]);
    expect(socket.errors()).toEqual([]);
  });

  it("closes a socket that keeps sending past its limit as a flood, and ignores it after", () => {
    const { core, guard, open, send, advance } = setup({ actionBurst: 10, floodRefusals: 20, helloTimeoutMs: 10_000 });
    const socket = open("flooder", "192.0.2.1");
    for (let seq = 1; seq <= 100; seq++) send(socket, move(seq));
    expect(core.frames).toHaveLength(10);
    expect(core.refused).toHaveLength(20);
    expect(socket.closed).toMatchObject({ code: CLOSE_FLOODING });
    expect(core.disconnected).toEqual([core.key(0)]);
    expect(guard.counters).toMatchObject({ flooding: 1, rateLimited: 21 });
    // The same address is refused for a while: its next socket is closed, unseen by the room,
    // at its first frame (the frame dropped), not inside open() while its upgrade is answered.
    const again = open("flooder-again", "192.0.2.1");
    expect(again.closed).toBeNull();
    expect(guard.refusing).toBe(1);
    guard.receive(again, move(1));
    expect(again.closed).toMatchObject({ code: CLOSE_FLOODING });
    expect(core.frames).toHaveLength(10);
    expect(core.sockets.size).toBe(1);
    // One that never sends a frame is closed at its hello deadline.
    const mute = open("flooder-mute", "192.0.2.1");
    expect(guard.nextDeadlineMs(false)).toBe(10_000);
    advance(9_999);
    guard.tick();
    expect(mute.closed).toBeNull();
    advance(1);
    guard.tick();
    expect(mute.closed).toMatchObject({ code: CLOSE_FLOODING });
    expect(guard.refusing).toBe(0);
    expect(guard.nextDeadlineMs(true)).toBeNull();
  });
});

describe("identity per socket", () => {
  it("two sockets with the same connection id are two sessions, and each close is its own", () => {
    const { core, guard, open } = setup();
    const first = open("same-pk");
    const second = open("same-pk");
    expect(core.sockets.size).toBe(2);
    const [firstKey, secondKey] = [core.key(0), core.key(1)];
    expect(firstKey).not.toBe(secondKey);
    guard.receive(second, ping);
    expect(core.frames).toEqual([[secondKey, ping]]);
    guard.closed(first);
    expect(core.disconnected).toEqual([firstKey]);
    guard.receive(second, cursor);
    expect(core.frames.at(-1)).toEqual([secondKey, cursor]);
    // A late event of the closed socket reaches nothing.
    guard.receive(first, ping);
    guard.closed(first);
    expect(core.frames).toHaveLength(2);
    expect(core.disconnected).toEqual([firstKey]);
  });
});

describe("bounded memory per connection", () => {
  it("closes a socket with no hello by the deadline, and keeps a joined one", () => {
    const { core, guard, open, advance } = setup({ helloTimeoutMs: 10_000 });
    const silent = open("silent");
    const joined = open("joined");
    core.joined.add(core.key(1));
    advance(9_999);
    guard.tick();
    expect(silent.closed).toBeNull();
    advance(1);
    guard.tick();
    expect(silent.closed).toMatchObject({ code: CLOSE_HELLO_TIMEOUT });
    expect(joined.closed).toBeNull();
    expect(core.disconnected).toEqual([core.key(0)]);
  });

  it("keeps at most MAX_CONNECTING_SOCKETS waiting: a newer one pushes out the oldest", () => {
    const { core, open } = setup({ maxConnectingSockets: 3 });
    const sockets = ["a", "b", "c", "d"].map((id) => open(id));
    expect(sockets.map((socket) => socket.closed?.code ?? null)).toEqual([CLOSE_HELLO_TIMEOUT, null, null, null]);
    expect(core.disconnected).toEqual([core.key(0)]);
  });

  it("counts only sockets that have not joined among the waiting, however many joined before them, and frees an address's count on close", () => {
    const { core, guard, open } = setup({ maxConnectingSockets: 3, maxSocketsPerAddress: 2 });
    // Five joined sockets, then three waiting: nobody is pushed out.
    for (let n = 0; n < 5; n++) {
      open(`joined-${n}`);
      core.joined.add(core.key(n));
    }
    const waiting = ["w1", "w2", "w3"].map((id) => open(id));
    expect(waiting.map((socket) => socket.closed)).toEqual([null, null, null]);
    expect(guard.waiting).toBe(3);
    // One of them joins: the next opens without pushing anyone; the one after pushes out the oldest still waiting.
    core.joined.add(core.key(6));
    expect(open("w4").closed).toBeNull();
    const last = open("w5");
    expect(last.closed).toBeNull();
    expect(waiting.map((socket) => socket.closed?.code ?? null)).toEqual([CLOSE_HELLO_TIMEOUT, null, null]);
    expect(guard.waiting).toBe(3);
    // Two from one address; one closes and a third may open.
    const [a, b] = [open("a1", "192.0.2.9"), open("a2", "192.0.2.9")];
    guard.closed(a);
    const c = open("a3", "192.0.2.9");
    expect(guard.refusing).toBe(0);
    expect([b.closed, c.closed]).toEqual([null, null]);
  });

  it("allows MAX_SOCKETS_PER_ADDRESS sockets from one address, and counts no unknown address", () => {
    const { core, guard, open, runDeferred } = setup({ maxSocketsPerAddress: 2, maxConnectingSockets: 2 });
    const fromOne = [1, 2, 3].map((n) => open(`one-${n}`, "192.0.2.1"));
    // The refused one is closed when it says hello (its first frame); the room never saw it.
    expect(fromOne.map((socket) => socket.closed?.code ?? null)).toEqual([null, null, null]);
    expect(core.sockets.size).toBe(2);
    guard.receive(fromOne[2]!, JSON.stringify({ type: "hello", protocol: 4, name: "C" }));
    expect(fromOne.map((socket) => socket.closed?.code ?? null)).toEqual([null, null, CLOSE_TOO_MANY_SOCKETS]);
    expect(core.frames).toEqual([]);
    // Past MAX_CONNECTING_SOCKETS refusals still to close, the next is closed on the next turn instead.
    const more = [4, 5, 6].map((n) => open(`one-${n}`, "192.0.2.1"));
    expect(guard.refusing).toBe(2);
    runDeferred();
    expect(more.map((socket) => socket.closed?.code ?? null)).toEqual([null, null, CLOSE_TOO_MANY_SOCKETS]);
    expect(open("other", "192.0.2.2").closed).toBeNull();
    expect([1, 2, 3].map((n) => open(`unknown-${n}`).closed)).toEqual([null, null, null]);
  });

  it("names its next deadline: hello deadlines always, pings and their timeouts only with the heartbeat on", () => {
    const { core, guard, open, advance, send } = setup({ helloTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 5_000 });
    expect(guard.nextDeadlineMs(true)).toBeNull();
    open("waiting");
    advance(2_000);
    expect(guard.nextDeadlineMs(true)).toBe(10_000);
    const joined = open("joined");
    core.joined.add(core.key(1));
    // Never pinged: its first ping is due PING_SLACK of an interval after it opened; without the heartbeat only the hello deadline is left.
    expect(guard.nextDeadlineMs(true)).toBe(2_000 + 1_000 * PING_SLACK);
    expect(guard.nextDeadlineMs(false)).toBe(10_000);
    guard.tick();
    expect(joined.pings()).toHaveLength(1);
    expect(guard.nextDeadlineMs(true)).toBe(3_000);
    advance(1_000);
    guard.tick();
    send(joined, JSON.stringify({ type: "pong", t: joined.pings()[1] }));
    expect(guard.nextDeadlineMs(true)).toBe(4_000);
    // Unanswered pings: the oldest one's timeout comes before a ping once pings are sparse.
    advance(1_000);
    guard.tick();
    expect(guard.nextDeadlineMs(true)).toBe(5_000);
    advance(8_000);
    guard.tick();
    expect(core.disconnected).toEqual([core.key(0), core.key(1)]);
    expect(joined.closed).toMatchObject({ code: CLOSE_NOT_READING });
    expect(guard.nextDeadlineMs(true)).toBeNull();
  });

  it("after a wake, adopted sockets are due a ping within a slack and closed if it goes unanswered", () => {
    const { core, guard, advance } = setup({ heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 5_000 });
    advance(60_000);
    const [kept, gone] = [new RuntimeSocket("kept"), new RuntimeSocket("gone")];
    for (const raw of [kept, gone]) core.joined.add(guard.adopt(raw, undefined).id);
    expect(guard.nextDeadlineMs(true)).toBe(60_000 + 1_000 * PING_SLACK);
    guard.tick();
    expect([kept.pings().length, gone.pings().length]).toEqual([1, 1]);
    for (let second = 1; second <= 5; second++) {
      advance(1_000);
      guard.tick();
      guard.receive(kept, JSON.stringify({ type: "pong", t: kept.pings().at(-1) }));
    }
    expect(gone.closed).toMatchObject({ code: CLOSE_NOT_READING });
    expect(kept.closed).toBeNull();
  });

  it("sockets that joined at different moments share a few ping ticks an interval, each pinged at most an interval apart", () => {
    const { core, guard, open, advance } = setup({ heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 15_000 });
    const sockets: RuntimeSocket[] = [];
    const answered = new Map<RuntimeSocket, number>();
    let ticks = 0;
    const runDue = (untilMs: number, nowMs: { value: number }) => {
      // Ticks at each deadline the guard names, as the party's alarm would run them.
      for (let due = guard.nextDeadlineMs(true); due !== null && due <= untilMs; due = guard.nextDeadlineMs(true)) {
        advance(Math.max(0, due - nowMs.value));
        nowMs.value = Math.max(nowMs.value, due);
        guard.tick();
        ticks++;
        for (const socket of sockets) {
          const t = socket.pings().at(-1);
          if (t === undefined || answered.get(socket) === t) continue;
          answered.set(socket, t);
          guard.receive(socket, JSON.stringify({ type: "pong", t }));
        }
      }
      advance(untilMs - nowMs.value);
      nowMs.value = untilMs;
    };
    const now = { value: 0 };
    // 200 sockets join 7 ms apart (1.4 s of a storm), then 5 s of play.
    for (let n = 0; n < 200; n++) {
      sockets.push(open(`s${n}`));
      core.joined.add(core.key(n));
      runDue(now.value + 7, now);
    }
    const ticksBefore = ticks;
    runDue(now.value + 5_000, now);
    // One tick per socket and second would be 1,000; the slack leaves at most 1 / PING_SLACK (4) a second.
    expect(ticks - ticksBefore).toBeLessThanOrEqual(25);
    for (const socket of sockets) expect(socket.pings().length, socket.id).toBeGreaterThanOrEqual(5);
    expect(sockets.every((socket) => socket.closed === null)).toBe(true);
  });

  it("pings every joined socket; one that answers stays, one that does not is closed at the deadline", () => {
    const { core, guard, open, advance } = setup({ heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 5_000 });
    const answering = open("answering");
    const silent = open("silent");
    for (const key of core.sockets.keys()) core.joined.add(key);
    for (let second = 0; second < 10; second++) {
      guard.tick();
      const t = answering.pings().at(-1)!;
      guard.receive(answering, JSON.stringify({ type: "pong", t }));
      advance(1_000);
    }
    expect(answering.pings()).toHaveLength(10);
    expect(answering.closed).toBeNull();
    expect(silent.closed).toMatchObject({ code: CLOSE_NOT_READING });
    expect(core.disconnected).toEqual([core.key(1)]);
    expect(guard.counters.notReading).toBe(1);
  });

  it("a pong for a ping that was never sent proves nothing", () => {
    const { core, guard, open, advance } = setup({ heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 3_000 });
    const forger = open("forger");
    core.joined.add(core.key(0));
    for (let second = 0; second < 4; second++) {
      guard.tick();
      guard.receive(forger, JSON.stringify({ type: "pong", t: 999_999 }));
      advance(1_000);
    }
    guard.tick();
    expect(forger.closed).toMatchObject({ code: CLOSE_NOT_READING });
  });

  it("closes a socket sent more than MAX_UNREAD_BYTES it has not shown it read, after the send returns", () => {
    const { core, guard, open, advance, runDeferred } = setup({ maxUnreadBytes: 10_000 });
    const reader = open("reader");
    const sleeper = open("sleeper");
    for (const key of core.sockets.keys()) core.joined.add(key);
    const frame = JSON.stringify({ type: "pong", t: 1, serverTimeMs: 0, pad: "x".repeat(900) });
    for (let index = 0; index < 30; index++) {
      if (index % 5 === 0) {
        guard.tick();
        guard.receive(reader, JSON.stringify({ type: "pong", t: reader.pings().at(-1)! }));
        advance(1_000);
      }
      for (const socket of core.sockets.values()) socket.send(frame);
    }
    // The sleeper's sends past the limit were dropped, and its close waits for the current task to end.
    const sleeperFrames = sleeper.received.filter((message) => message.type === "pong").length;
    expect(sleeperFrames).toBeGreaterThan(5);
    expect(sleeperFrames * frame.length).toBeLessThanOrEqual(10_000);
    expect(sleeper.closed).toBeNull();
    runDeferred();
    expect(sleeper.closed).toMatchObject({ code: CLOSE_NOT_READING });
    expect(reader.closed).toBeNull();
    expect(reader.received.filter((message) => message.type === "pong")).toHaveLength(30);
    expect(core.disconnected).toEqual([core.key(1)]);
  });
});
